"""Contacts as vCards (3.0 and 4.0), so they sync to phones: export what the user may see
(field rules applied: hidden values left out, masked ones masked), import a .vcf into a
customer's contacts (all or nothing, like the spreadsheet import)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import vobject
from flask import Response, g, request, stream_with_context

from core.errors import ApiError
from core.identity import permissions
from core.identity.audit import audit
from plugins.customers.models import Contact

VERSIONS = ("3.0", "4.0")
MAX_CARDS = 5000


def _card(data: dict[str, Any], customer_name: str, version: str) -> str:
    card = vobject.vCard()
    card.add("version").value = version
    card.add("fn").value = data.get("name") or "?"
    name = data.get("name") or ""
    family, _, given = name.partition(" ") if " " in name else (name[:1], "", name[1:])
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    if customer_name:
        card.add("org").value = [customer_name]
    if data.get("title"):
        card.add("title").value = data["title"]
    for field, kind in (("mobile", "cell"), ("phone", "work")):
        if data.get(field):
            tel = card.add("tel")
            tel.value = data[field]
            tel.type_param = kind if version == "4.0" else kind.upper()
    if data.get("email"):
        mail = card.add("email")
        mail.value = data["email"]
        mail.type_param = "work" if version == "4.0" else "INTERNET"
    birthday = data.get("birthday")
    if birthday:
        card.add("bday").value = birthday.replace("-", "") if version == "4.0" else birthday
    notes = "\n".join(v for v in (data.get("hobbies"), data.get("background"), data.get("notes")) if v)
    if notes:
        card.add("note").value = notes
    card.add("uid").value = f"urn:xietong:{g.tenant.slug}:contact:{data['id']}"
    return card.serialize()


def export_cards(user: Any, contacts: Iterable[Contact], version: str = "3.0") -> Iterable[str]:
    """vCards of ``contacts`` as ``user`` may see them (field rules applied)."""
    from plugins.customers.resources import contacts as resource

    batch: list[Contact] = []
    for contact in contacts:
        batch.append(contact)
        if len(batch) >= 200:
            yield from _dump(resource, user, batch, version)
            batch = []
    yield from _dump(resource, user, batch, version)


def _dump(resource: Any, user: Any, batch: list[Contact], version: str) -> Iterable[str]:
    for data, contact in zip(resource.dump_many(batch, user), batch, strict=True):
        yield _card(data, contact.customer.name, version)


def export_response(user: Any) -> Response:
    """``GET /contacts/export?format=vcf[&version=4.0][&customer_id=]``: visible contacts."""
    from plugins.customers.resources import contacts as resource

    permissions.require(user, "export", "contact")
    version = request.args.get("version", "3.0")
    if version not in VERSIONS:
        raise ApiError(400, "version must be 3.0 or 4.0", fields={"version": ["unsupported"]})
    args = {k: v for k, v in request.args.items() if k not in ("format", "version")}
    params = resource.list_params(args, user, default_limit=200)
    audit("export", "contact", "", {"format": "vcf", "version": version}, user)
    cards = export_cards(user, resource.all(user, params), version)
    return Response(
        stream_with_context(cards),
        mimetype=f"text/vcard; charset=utf-8; version={version}",
        headers={"Content-Disposition": 'attachment; filename="contacts.vcf"'},
    )


def _text(card: Any, name: str) -> str:
    item = card.contents.get(name)
    if not item:
        return ""
    value = item[0].value
    if isinstance(value, list):
        value = ";".join(str(v) for v in value if v)
    return str(value).strip()


def _tels(card: Any) -> tuple[str, str]:
    mobile = phone = ""
    for tel in card.contents.get("tel", []):
        kinds = {t.lower() for t in tel.params.get("TYPE", [])}
        number = re.sub(r"^tel:", "", str(tel.value)).strip()
        if ("cell" in kinds or "mobile" in kinds) and not mobile:
            mobile = number
        elif not phone:
            phone = number
        elif not mobile:
            mobile = number
    return mobile, phone


def _birthday(text: str) -> str | None:
    digits = text.replace("-", "")
    if re.fullmatch(r"\d{8}", digits):
        try:
            return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:])).isoformat()
        except ValueError:
            return None
    return None  # a birthday without a year (--MMDD) cannot be stored as a date


def parse_cards(data: bytes) -> list[dict[str, Any]]:
    """Contacts from a .vcf (3.0 or 4.0; UTF-8 or GB18030)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    found = []
    try:
        for card in vobject.readComponents(text, ignoreUnreadable=True):
            if card.name != "VCARD":
                continue
            mobile, phone = _tels(card)
            found.append(
                {
                    "name": _text(card, "fn") or _text(card, "n").replace(";", " ").strip(),
                    "title": _text(card, "title"),
                    "mobile": mobile,
                    "phone": phone,
                    "email": _text(card, "email"),
                    "birthday": _birthday(_text(card, "bday")),
                    "notes": _text(card, "note"),
                }
            )
            if len(found) > MAX_CARDS:
                raise ApiError(413, f"at most {MAX_CARDS} cards at once")
    except (vobject.base.ParseError, ValueError) as exc:
        raise ApiError(400, f"the file is not a vCard file: {exc}", fields={"file": ["not vCard"]}) from None
    return found


def import_request(user: Any) -> tuple[dict[str, Any], int]:
    """``POST /contacts/import?customer_id=``: every card valid → all created (200), else
    nothing written and a row-by-row report (422). ``dry_run`` writes nothing."""
    from marshmallow import ValidationError

    from plugins.customers.resources import contacts, customers

    raw = request.args.get("customer_id") or request.form.get("customer_id") or ""
    if not raw.isdigit():
        raise ApiError(400, "give customer_id", fields={"customer_id": ["required"]})
    customer = customers.get(int(raw), user)
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(
            400, "send the file as multipart/form-data in field 'file'", fields={"file": ["missing"]}
        )
    cards = parse_cards(upload.stream.read())
    if not cards:
        raise ApiError(400, "the file holds no vCards", fields={"file": ["no BEGIN:VCARD found"]})
    schema = contacts.schema(exclude=("customer_id",))
    report: dict[str, Any] = {"created": 0, "updated": 0, "skipped": 0, "errors": []}
    valid = []
    for number, card in enumerate(cards, start=1):
        try:
            valid.append(schema.load({k: v for k, v in card.items() if v not in (None, "")}))
        except ValidationError as exc:
            for field, messages in exc.messages.items():
                report["errors"].append(
                    {"row": number, "field": field, "message": "; ".join(map(str, messages))}
                )
    if report["errors"]:
        return report, 422
    dry_run = (request.form.get("dry_run") or request.args.get("dry_run") or "").lower() in ("1", "true")
    if not dry_run:
        with Contact._meta.database.atomic():
            for values in valid:
                contacts.create(
                    {
                        **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()},
                        "customer_id": customer.id,
                    },
                    user,
                )
    report["created"] = len(valid)
    report["dry_run"] = dry_run
    return report, 200
