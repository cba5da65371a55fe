from __future__ import annotations

from core.toolkit import hookimpl


@hookimpl
def crm_dashboard_widgets(kernel, user):
    raise RuntimeError("crashlab cannot count today")
