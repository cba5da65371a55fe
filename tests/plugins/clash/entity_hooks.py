"""Declares entity type ``note``, which the notes plugin already owns."""

from core.toolkit import EntityType, hookimpl


@hookimpl
def crm_entity_types(kernel):
    return [EntityType(key="note", label="Another note", label_zh="另一种便签")]
