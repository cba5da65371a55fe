from core.toolkit import hookimpl


@hookimpl
def crm_menu_items(kernel, user):
    raise AssertionError("a dependent of a broken plugin must never be called")
