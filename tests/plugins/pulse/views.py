from __future__ import annotations

from flask import Blueprint, jsonify, request

from core.toolkit import ApiError, current_kernel, current_tenant, record_created
from tests.plugins.pulse.models import Beat

pages = Blueprint("pulse", __name__, url_prefix="/pulse")
api = Blueprint("pulse_api", __name__, url_prefix="/api/v1/pulse")


@pages.get("/")
def index():
    return f"pulse of {current_tenant().slug}: {Beat.select().count()} beat(s)"


@api.get("/beats")
def beats():
    return jsonify(items=[b.to_dict() for b in Beat.select().order_by(Beat.id)], next=None)


@api.post("/beats")
def beat():
    label = (request.get_json(silent=True) or {}).get("label") or "beat"
    row = Beat.create(label=str(label))
    record_created.send(current_kernel(), tenant=current_tenant().slug, entity="beat", record=row)
    return jsonify(row.to_dict()), 201


@api.get("/beats/<int:beat_id>")
def get_beat(beat_id: int):
    row = Beat.get_or_none(Beat.id == beat_id)
    if row is None:
        raise ApiError(404, f"no beat {beat_id}")
    return jsonify(row.to_dict())
