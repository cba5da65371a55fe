from core.toolkit import hookimpl


@hookimpl
def crm_menu_items(kernel, user):
    raise AssertionError("a plugin in a dependency cycle must never be called")
