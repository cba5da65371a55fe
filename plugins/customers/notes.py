"""Team notes (团队讨论) on a customer, with @mentions that notify colleagues.

``@username`` or ``@display name`` in a note's body mentions that user. A mentioned user
is notified (a :class:`~plugins.customers.models.Notification` row, and the signal
:data:`plugins.customers.signals.user_mentioned`) only when they may read the customer —
a notification must never reveal a customer to someone who cannot see it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import g
from flask_babel import gettext as _
from peewee import fn

from core.errors import ApiError
from core.identity import permissions
from core.identity.audit import audit
from core.identity.models import User, utcnow
from plugins.customers import access, signals
from plugins.customers.access import record_id
from plugins.customers.models import Customer, Note, Notification
from plugins.customers.schemas import NoteSchema

MENTION_START = re.compile(r"(?<![\w.])[@＠]")  # not inside an e-mail address
USERNAME = re.compile(r"[\w.@+-]+")
ENTITY = "customer_note"


def find_mentions(body: str) -> list[User]:
    """The active users a note mentions, in order of first mention (longest name wins)."""
    users = list(User.select().where(User.active == True))  # noqa: E712
    names: list[tuple[str, User]] = []
    for user in users:
        names.append((user.username.casefold(), user))
        if user.display_name:
            names.append((user.display_name.casefold(), user))
    names.sort(key=lambda pair: len(pair[0]), reverse=True)
    found: dict[int, User] = {}
    text = body.casefold()
    for match in MENTION_START.finditer(text):
        rest = text[match.end() :]
        for name, user in names:
            if rest.startswith(name):
                after = rest[len(name) : len(name) + 1]
                if not after or not (USERNAME.match(after) and name.isascii()):
                    found.setdefault(user.id, user)
                    break
    return list(found.values())


def notes_of(customer: Customer, user: Any, limit: int = 200) -> list[Note]:
    """The customer's notes, newest first (the caller checked the customer is readable)."""
    permissions.require(user, "read", ENTITY)
    return list(
        Note.live()
        .where(Note.customer == customer.id)
        .order_by(Note.created_at.desc(), Note.id.desc())
        .limit(limit)
    )


def add_note(customer: Customer, user: Any, data: Any) -> Note:
    """Post a note on ``customer`` (anyone who may read the customer may take part) and
    notify the users it mentions who may read the customer too."""
    permissions.require(user, "create", ENTITY)
    if not access.customer_allows(user, "read", customer.id):
        raise ApiError(404, _("No such customer."))
    values = _load(data)
    mentioned = find_mentions(values["body"])
    readers = [u for u in mentioned if access.customer_allows(u, "read", customer.id)]
    with Note._meta.database.atomic():
        note = Note.create(
            customer=customer.id, author=user.id, body=values["body"], mentions=[u.id for u in readers]
        )
        for target in readers:
            if target.id == user.id:
                continue
            Notification.create(
                user=target.id,
                kind="mention",
                customer=customer.id,
                note=note.id,
                actor=user.id,
                text=values["body"][:300],
            )
        audit(
            "create",
            ENTITY,
            note.id,
            {"customer": [None, customer.id], "mentions": [None, note.mentions]},
            user,
        )
    signals.note_added.send("customer", tenant=g.tenant.slug, note=note, customer=customer, user=user)
    if readers:
        signals.user_mentioned.send(
            "customer",
            tenant=g.tenant.slug,
            note=note,
            customer=customer,
            user=user,
            user_ids=[u.id for u in readers if u.id != user.id],
        )
    return note


def _load(data: Any) -> dict[str, Any]:
    from marshmallow import ValidationError

    if not isinstance(data, dict):
        raise ApiError(400, "send a JSON object")
    try:
        return NoteSchema().load(data)
    except ValidationError as exc:
        raise ApiError(
            422, _("The note is not valid."), fields={k: [str(m) for m in v] for k, v in exc.messages.items()}
        ) from None


def get_note(customer: Customer, note_id: Any) -> Note:
    note = Note.live().where((Note.id == (record_id(note_id) or 0)) & (Note.customer == customer.id)).first()
    if note is None:
        raise ApiError(404, _("No such note."))
    return note


def delete_note(note: Note, user: Any) -> None:
    """Move a note to the trash: its author may, an administrator may, a user who may delete
    notes and write the customer may."""
    from core.identity.trash import move_to_trash

    own = note.author_id == user.id
    if not (
        user.is_admin
        or own
        or (
            permissions.can(user, "delete", ENTITY)
            and access.customer_allows(user, "write", note.customer_id)
        )
    ):
        raise ApiError(403, _("Only the author or someone who may edit the customer deletes a note."))
    move_to_trash(ENTITY, note, user)


def note_dict(note: Note) -> dict[str, Any]:
    return NoteSchema().dump(note)


# -- notifications -----------------------------------------------------------------------------


def _about_readable_customer(user: Any) -> Any:
    """The notification's own customer passes the user's customer rules. Correlated, so each
    notification probes its customer by id: "customer IN (every customer the user may see)"
    made the database list up to a million customers to keep a page of notifications."""
    own = Customer.live(Customer.id).where(Customer.id == Notification.customer)
    return fn.EXISTS(permissions.visible(own, user, "customer", Customer))


def notifications_for(user: Any, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    """The user's notifications about customers they can still read, newest first (each with
    its customer's id and name loaded, as ``notification.customer``)."""
    named = Customer.alias("named")
    query = (
        Notification.select(Notification, named.id, named.name)
        .join(named, on=(Notification.customer == named.id), attr="customer")
        .where((Notification.user == user.id) & _about_readable_customer(user))
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(Notification.read_at.is_null())
    return list(query)


def unread_count(user: Any) -> int:
    return (
        Notification.select()
        .where(
            (Notification.user == user.id)
            & Notification.read_at.is_null()
            & _about_readable_customer(user)
        )
        .count()
    )


def mark_read(user: Any, notification_id: Any = None) -> int:
    """Mark one notification (or all, with None) of ``user`` as read; returns how many."""
    query = Notification.update(read_at=utcnow()).where(
        (Notification.user == user.id) & Notification.read_at.is_null()
    )
    if notification_id is not None:
        query = query.where(Notification.id == (record_id(notification_id) or 0))
    return query.execute()


def notification_dict(item: Notification) -> dict[str, Any]:
    return {
        "id": item.id,
        "kind": item.kind,
        "customer_id": item.customer_id,
        "note_id": item.note_id,
        "actor_id": item.actor_id,
        "text": item.text,
        "created_at": item.created_at.isoformat() + "+00:00",
        "read": item.read_at is not None,
    }
