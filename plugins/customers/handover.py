"""Handover (业务交接): all — or some — customers of one user pass to another in one
transaction, with what other modules hang on them.

The customers change owner here; contacts, notes, attachments and transactions belong to
the customer and so go with it; the leaver's history stays readable under their name (notes
and audit keep their author). Deals, schedule items and open tasks belong to other modules:
they move them in their receivers of :data:`plugins.customers.signals.customers_handed_over`,
which is sent *inside* the transaction — a receiver that fails rolls everything back. A
receiver may return ``{kind: count}`` of what it moved; the answer and the audit entry add
them up. The schedule and follow-up plans of this plugin move in :mod:`handover_moves`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g
from flask_babel import gettext as _

from core.errors import ApiError
from core.identity.audit import audit
from core.identity.errors import IdentityError
from core.identity.models import User, utcnow
from core.identity.services import find_user
from plugins.customers import signals
from plugins.customers.models import Customer

ALLOWED_ROLES = frozenset({"admin", "manager"})


def _user(value: Any, field: str) -> User:
    if isinstance(value, bool) or not isinstance(value, int | str) or value in ("", None):
        raise ApiError(422, _("Give a user id or user name."), fields={field: [_("Required.")]})
    try:
        return find_user(value)
    except IdentityError:
        raise ApiError(
            422, _("No such user in this company."), fields={field: [_("No such user.")]}
        ) from None


def hand_over(
    actor: Any, from_user: Any, to_user: Any, customer_ids: list[int] | None = None, reason: str = ""
) -> dict[str, Any]:
    """Give ``from_user``'s customers (all, or those of ``customer_ids``) to ``to_user``.

    Only administrators and managers (of a department above or equal to the leaver's) hand
    over. Users are ids or user names of this tenant. Returns ``{"customers": n,
    "customer_ids": [...], "from_user": id, "to_user": id, "carried": {kind: n}}`` where
    ``carried`` counts what other modules moved along (deals, schedule items, follow-ups).
    Raises ApiError: 403 not allowed, 422 unknown or inactive user, the same user, or
    customers that are not ``from_user``'s.
    """
    if actor is None or actor.role.key not in ALLOWED_ROLES:
        raise ApiError(403, _("Only administrators and managers hand customers over."))
    source, target = _user(from_user, "from_user"), _user(to_user, "to_user")
    if source.id == target.id:
        raise ApiError(422, _("Hand over to another user."), fields={"to_user": [_("The same user.")]})
    if not target.active:
        raise ApiError(422, _("The receiving user is not active."), fields={"to_user": [_("Inactive.")]})
    if not actor.is_admin:
        _check_manager_reach(actor, source, target)
    owned = Customer.select(Customer.id).where(Customer.owner == source.id)
    if customer_ids is not None:
        wanted = sorted({int(i) for i in customer_ids})
        found = {cid for (cid,) in owned.where(Customer.id.in_(wanted)).tuples()} if wanted else set()
        stray = [i for i in wanted if i not in found]
        if stray:
            raise ApiError(
                422,
                _("Some customers are not owned by the user handing over."),
                fields={"customer_ids": [", ".join(map(str, stray[:20]))]},
            )
        moved = wanted
    else:
        moved = [cid for (cid,) in owned.tuples()]
    with Customer._meta.database.atomic():
        for start in range(0, len(moved), 500):
            chunk = moved[start : start + 500]
            Customer.update(owner=target.id, version=Customer.version + 1, updated_at=utcnow()).where(
                Customer.id.in_(chunk) & (Customer.owner == source.id)
            ).execute()
        answers = signals.customers_handed_over.send(
            "customer",
            tenant=g.tenant.slug,
            from_user=source,
            to_user=target,
            user=actor,
            customer_ids=moved if customer_ids is not None else None,
            moved_ids=moved,
            reason=reason,
        )
        carried = _carried(answers)
        audit(
            "handover",
            "customer",
            "",
            {"from_user": [source.id, target.id], "customers": [None, moved], "reason": [None, reason],
             "carried": [None, carried]},
            actor,
        )
    return {"customers": len(moved), "customer_ids": moved, "from_user": source.id, "to_user": target.id,
            "carried": carried}


def _carried(answers: list[tuple[Any, Any]]) -> dict[str, int]:
    """What the receivers say they moved along (``{"deals": 3, "schedule_items": 5}``)."""
    totals: dict[str, int] = {}
    for _receiver, answer in answers:
        if isinstance(answer, Mapping):
            for kind, count in answer.items():
                if isinstance(count, int) and not isinstance(count, bool):
                    totals[str(kind)] = totals.get(str(kind), 0) + count
    return dict(sorted(totals.items()))


def _check_manager_reach(actor: User, source: User, target: User) -> None:
    """A manager hands over only within their department subtree."""
    from core.identity.permissions import department_subtree

    reach = set(department_subtree(actor.department_id))
    for user, field in ((source, "from_user"), (target, "to_user")):
        if user.department_id not in reach:
            raise ApiError(
                403,
                _("You may only hand over within your own department."),
                fields={field: [_("Outside your department.")]},
            )
