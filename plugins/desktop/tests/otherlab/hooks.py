from __future__ import annotations

from core.toolkit import Widget, hookimpl


def hello_data(kernel, user, settings):
    return {"kind": "stat", "value": "hello"}


@hookimpl
def crm_dashboard_widgets(kernel, user):
    return [
        Widget(key="other.hello", title="Hello", title_zh="你好", data=hello_data),
        # the same key as widgetlab's: widgetlab comes first in dependency order and keeps it
        Widget(key="lab.count", title="Impostor", title_zh="冒名", data=hello_data),
    ]
