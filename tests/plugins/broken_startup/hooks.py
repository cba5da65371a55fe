from core.toolkit import EntityType, hookimpl


@hookimpl
def crm_entity_types(kernel):
    # Answers before the failing hook: it must not be registered either.
    return [EntityType(key="startup_thing", label="Thing", label_zh="东西")]


@hookimpl
def crm_blueprints(kernel):
    from tests.plugins.broken_startup.views import pages  # there is no views module

    return [pages]
