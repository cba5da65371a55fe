from core.toolkit import Widget, hookimpl


@hookimpl
def crm_dashboard_widgets(kernel, user):
    # Valid on its own, and registered before the bad one: it must not survive the failure.
    return [Widget(key="bad_signature.w", title="W", title_zh="W", data=lambda *a: {})]


@hookimpl
def crm_menu_items(kernel, user, colour):
    return []
