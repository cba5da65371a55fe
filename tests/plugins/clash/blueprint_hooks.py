"""Mounts a blueprint named ``notes``, which the notes plugin already uses."""

from flask import Blueprint

from core.toolkit import EntityType, hookimpl

pages = Blueprint("notes", __name__, url_prefix="/clash")


@pages.get("/")
def index():
    return "clash"


@hookimpl
def crm_entity_types(kernel):
    return [EntityType(key="clash_thing", label="Thing", label_zh="东西")]


@hookimpl
def crm_blueprints(kernel):
    return [pages]
