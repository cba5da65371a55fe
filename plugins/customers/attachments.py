"""Attachments (contracts, agreements …) of a customer.

Files live under ``XIETONG_DATA/files/<tenant>/customers/`` — outside anything the web
server serves — named by a random key; the database keeps the (sanitised) name, the sniffed
content type, size and SHA-256. Limits: ``CUSTOMERS_ATTACHMENT_MAX_BYTES`` per file (413),
a per-tenant quota (``CUSTOMERS_ATTACHMENT_QUOTA_BYTES``, or the tenant setting
``customers.attachment_quota``; 413 ``quota_exceeded``), archives checked for bombs.
Attachments have the customer's permissions: read with it, upload and delete (to the trash)
when it may be written. Files of purged attachments are removed by :func:`collect_garbage`.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import IO, Any

import peewee
from flask import current_app, g
from flask_babel import gettext as _

from core.errors import ApiError
from core.identity import permissions
from core.identity.audit import audit
from core.settings import get_setting
from plugins.customers import access, filecheck, signals
from plugins.customers.access import record_id
from plugins.customers.models import Attachment, Customer

ENTITY = "customer_attachment"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_QUOTA = 2 * 1024 * 1024 * 1024
DEFAULT_MAX_EXPANDED = 512 * 1024 * 1024


def _config(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def storage_root() -> Path:
    """This tenant's attachment folder (created on first use)."""
    root = Path(current_app.config["XIETONG_DATA"]) / "files" / g.tenant.slug / "customers"
    root.mkdir(parents=True, exist_ok=True)
    return root


def path_of(attachment: Attachment) -> Path:
    key = attachment.storage_key
    return storage_root() / key[:2] / key


def quota() -> int:
    return int(
        get_setting("customers.attachment_quota", _config("CUSTOMERS_ATTACHMENT_QUOTA_BYTES", DEFAULT_QUOTA))
    )


def used_bytes() -> int:
    """Bytes the tenant's attachments take, trashed ones included (they are still on disk)."""
    return int(Attachment.select(peewee.fn.COALESCE(peewee.fn.SUM(Attachment.size), 0)).scalar() or 0)


def attachments_of(customer: Customer, user: Any) -> list[Attachment]:
    permissions.require(user, "read", ENTITY)
    return list(
        Attachment.live()
        .where(Attachment.customer == customer.id)
        .order_by(Attachment.created_at.desc(), Attachment.id.desc())
    )


def _receive(stream: IO[bytes], target: Path, limit: int) -> tuple[int, str]:
    """Copy ``stream`` to ``target`` (at most ``limit`` bytes); returns (size, sha256)."""
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        while chunk := stream.read(1 << 16):
            size += len(chunk)
            if size > limit:
                raise filecheck.FileRejected(
                    _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), 413, "too_large"
                )
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def add_attachment(customer: Customer, user: Any, stream: IO[bytes], filename: str | None) -> Attachment:
    """Store an upload for ``customer``: checked, sniffed, within the limits, audited."""
    permissions.require(user, "create", ENTITY)
    if not access.customer_allows(user, "write", customer.id):
        raise ApiError(403, _("You may not add files to this customer."))
    name = filecheck.clean_filename(filename)
    key = uuid.uuid4().hex
    folder = storage_root() / key[:2]
    folder.mkdir(exist_ok=True)
    final = folder / key
    partial = folder / f".{key}.part"
    try:
        size, sha = _receive(stream, partial, _config("CUSTOMERS_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))
        if size == 0:
            raise filecheck.FileRejected(_("The file is empty."), 422, "empty_file")
        if used_bytes() + size > quota():
            raise filecheck.FileRejected(_("The company's storage quota is used up."), 413, "quota_exceeded")
        kind = filecheck.sniff(partial)
        filecheck.check_label(name, kind)
        filecheck.check_archive(
            partial, kind, _config("CUSTOMERS_ARCHIVE_MAX_EXPANDED", DEFAULT_MAX_EXPANDED)
        )
        os.replace(partial, final)
    except filecheck.FileRejected as exc:
        partial.unlink(missing_ok=True)
        raise ApiError(exc.status, exc.message, code=exc.code, fields={"file": [exc.message]}) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    try:
        with Attachment._meta.database.atomic():
            item = Attachment.create(
                customer=customer.id,
                filename=name,
                content_type=kind,
                size=size,
                sha256=sha,
                storage_key=key,
                uploaded_by=user.id,
            )
            audit(
                "create",
                ENTITY,
                item.id,
                {
                    "customer": [None, customer.id],
                    "filename": [None, name],
                    "size": [None, size],
                    "content_type": [None, kind],
                },
                user,
            )
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    signals.attachment_added.send(
        "customer", tenant=g.tenant.slug, attachment=item, customer=customer, user=user
    )
    return item


def get_attachment(customer: Customer, attachment_id: Any) -> Attachment:
    item = (
        Attachment.live()
        .where((Attachment.id == (record_id(attachment_id) or 0)) & (Attachment.customer == customer.id))
        .first()
    )
    if item is None:
        raise ApiError(404, _("No such attachment."))
    return item


def delete_attachment(item: Attachment, user: Any) -> None:
    """Move to the trash (the file stays until the attachment is purged)."""
    from core.identity.trash import move_to_trash

    permissions.require(user, "delete", ENTITY)
    if not access.customer_allows(user, "write", item.customer_id):
        raise ApiError(403, _("You may not delete this customer's files."))
    move_to_trash(ENTITY, item, user)


def collect_garbage() -> int:
    """Remove stored files that no attachment row refers to any more (purged); returns how many."""
    root = storage_root()
    known = {key for (key,) in Attachment.select(Attachment.storage_key).tuples()}
    removed = 0
    for path in root.glob("*/*"):
        if path.is_file() and not path.name.startswith(".") and path.name not in known:
            path.unlink()
            removed += 1
    return removed


def attachment_dict(item: Attachment) -> dict[str, Any]:
    from plugins.customers.schemas import AttachmentSchema

    return AttachmentSchema().dump(item)
