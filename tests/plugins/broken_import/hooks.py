import xietong_no_such_package  # noqa: F401  (the import error is the point)

from core.toolkit import hookimpl


@hookimpl
def crm_menu_items(kernel, user):
    return []
