from core.toolkit import MenuItem, hookimpl


@hookimpl
def crm_menu_items(kernel, user):
    return [MenuItem(key="unknown_hook", title="U", title_zh="U", endpoint="x")]


@hookimpl
def crm_menu_itmes(kernel, user):
    return []
