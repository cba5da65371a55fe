from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, jsonify

from core.toolkit import ApiError
from tests.plugins.ledger.models import Entry

api = Blueprint("ledger_api", __name__, url_prefix="/api/v1/ledger")


@api.get("/entries/<int:entry_id>")
def get_entry(entry_id: int):
    row = Entry.get_or_none(Entry.id == entry_id)
    if row is None:
        raise ApiError(404, f"no entry {entry_id}")
    return jsonify(id=row.id, description=row.description, amount=str(Decimal(row.amount_minor).scaleb(-2)))
