from __future__ import annotations

from flask import Blueprint, jsonify, request

from core.toolkit import ApiError
from tests.plugins.notes.models import Note
from tests.plugins.tags.models import Tag

api = Blueprint("tags_api", __name__, url_prefix="/api/v1")


@api.get("/notes/<int:note_id>/tags")
def note_tags(note_id: int):
    if Note.get_or_none(Note.id == note_id) is None:
        raise ApiError(404, f"no note {note_id}")
    return jsonify(items=[t.to_dict() for t in Tag.select().where(Tag.note_id == note_id)], next=None)


@api.post("/notes/<int:note_id>/tags")
def add_tag(note_id: int):
    if Note.get_or_none(Note.id == note_id) is None:
        raise ApiError(404, f"no note {note_id}")
    label = (request.get_json(silent=True) or {}).get("label")
    if not isinstance(label, str) or not label:
        raise ApiError(422, "a tag needs a label", fields={"label": ["required"]})
    return jsonify(Tag.create(note_id=note_id, label=label).to_dict()), 201


@api.get("/tags/<int:tag_id>")
def get_tag(tag_id: int):
    tag = Tag.get_or_none(Tag.id == tag_id)
    if tag is None:
        raise ApiError(404, f"no tag {tag_id}")
    return jsonify(tag.to_dict())


@api.delete("/tags/<int:tag_id>")
def delete_tag(tag_id: int):
    deleted = Tag.delete().where(Tag.id == tag_id).execute()
    if not deleted:
        raise ApiError(404, f"no tag {tag_id}")
    return "", 204
