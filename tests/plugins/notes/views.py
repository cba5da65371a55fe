"""Pages and a small JSON API over the notes table."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from markupsafe import escape

from core.toolkit import ApiError, current_kernel, current_tenant, record_created
from tests.plugins.notes.models import Note

pages = Blueprint("notes", __name__, url_prefix="/notes")
api = Blueprint("notes_api", __name__, url_prefix="/api/v1/notes")


def _get(note_id: int) -> Note:
    note = Note.get_or_none(Note.id == note_id)
    if note is None:
        raise ApiError(404, f"no note {note_id}")
    return note


@pages.get("/")
def index():
    rows = "".join(f"<li>{escape(n.title)}</li>" for n in Note.select().order_by(Note.id))
    return f"<h1>Notes of {escape(current_tenant().name)}</h1><ul>{rows}</ul>"


@pages.get("/<int:note_id>")
def detail(note_id: int):
    note = _get(note_id)
    return f"<h1>{escape(note.title)}</h1><p>{escape(note.body)}</p>"


@api.get("")
def list_notes():
    return jsonify(items=[n.to_dict() for n in Note.select().order_by(Note.id)], next=None)


@api.post("")
def create_note():
    data = request.get_json(silent=True) or {}
    if not isinstance(data.get("title"), str) or not data["title"].strip():
        raise ApiError(422, "a note needs a title", fields={"title": ["required"]})
    note = Note.create(title=data["title"], body=data.get("body", ""), owner=data.get("owner", ""))
    record_created.send(current_kernel(), tenant=current_tenant().slug, entity="note", record=note)
    return jsonify(note.to_dict()), 201


@api.get("/<int:note_id>")
def get_note(note_id: int):
    return jsonify(_get(note_id).to_dict())


@api.patch("/<int:note_id>")
def update_note(note_id: int):
    note = _get(note_id)
    data = request.get_json(silent=True) or {}
    unknown = set(data) - {"title", "body"}
    if unknown:
        raise ApiError(422, "unknown fields", fields={f: ["unknown field"] for f in sorted(unknown)})
    for key, value in data.items():
        setattr(note, key, value)
    note.save()
    return jsonify(note.to_dict())


@api.delete("/<int:note_id>")
def delete_note(note_id: int):
    _get(note_id).delete_instance()
    return "", 204
