from core.toolkit import hookimpl


@hookimpl
def crm_menu_items(kernel, user):
    raise AssertionError("a plugin with a missing dependency must never be called")
