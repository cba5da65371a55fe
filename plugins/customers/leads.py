"""Leads (线索): claim from the lead pool, assign, put back, and convert into a customer
(+ contact, + deal when the funnel is enabled) in one transaction, after a duplicate check.

Creating, listing, changing and deleting leads is the resource's (:mod:`.leads_resource`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g

from core.errors import ApiError
from core.identity import permissions
from core.identity.audit import audit
from core.identity.errors import IdentityError
from core.identity.models import User
from core.identity.services import find_user
from plugins.customers.leads_models import Lead
from plugins.customers.leads_schemas import CustomerOverrides, LeadConvertSchema
from plugins.customers.models import Contact, Customer
from plugins.customers.pool_common import PoolError, announce, as_id, load, utcnow, write_transaction
from plugins.customers.pool_schemas import PoolAssignSchema, PoolReleaseSchema
from plugins.customers.pool_signals import lead_converted

ENTITY = "lead"
FIELDS = ("name", "contact_name", "title", "mobile", "phone", "email", "wechat", "region", "address",
          "source", "status", "note")
AUDITED = (*FIELDS, "owner")


def get_lead(user: User, lead_id: Any) -> Lead:
    """A lead ``user`` may read (its owner's scope, or the lead pool), else 404."""
    try:
        lead = Lead.live().where(Lead.id == as_id(lead_id)).get_or_none()
    except (TypeError, ValueError):
        lead = None
    if lead is None or not permissions.can(user, "read", ENTITY, lead):
        raise PoolError(f"no lead {lead_id}", status=404)
    return lead


def _need(user: User, action: str, lead: Lead | None = None) -> None:
    if not permissions.can(user, action, ENTITY, lead):
        what = "this lead" if lead else "leads"
        raise PoolError(f"you may not {action} {what}", status=403)


# -- the lead pool ------------------------------------------------------------------------


def _set_owner(lead: Lead, old: int | None, new: int | None, now: dt.datetime) -> None:
    same = Lead.owner.is_null() if old is None else Lead.owner == old
    done = Lead.update(owner=new, updated_at=now, version=Lead.version + 1).where(
        (Lead.id == lead.id) & same & Lead.deleted_at.is_null() & (Lead.status != "converted")).execute()
    if not done:
        raise PoolError("someone else took this lead first" if old is None else
                        "the owner of this lead changed meanwhile; reload", status=409)


def claim_lead(user: User, lead_id: Any, now: dt.datetime | None = None) -> Lead:
    now = now or utcnow()
    lead = get_lead(user, lead_id)
    if lead.owner_id is not None:
        raise PoolError("this lead is no longer in the lead pool", status=409)
    _need(user, "claim")
    with write_transaction():
        _set_owner(lead, None, user.id, now)
        audit("claim", ENTITY, lead.id, {"owner": [None, user.id]}, user)
    return Lead.get_by_id(lead.id)


def release_lead(user: User, lead_id: Any, reason: Any, now: dt.datetime | None = None) -> Lead:
    now = now or utcnow()
    lead = get_lead(user, lead_id)
    text = load(PoolReleaseSchema(), {"reason": reason})["reason"]
    if lead.owner_id is None:
        raise PoolError("this lead is already in the lead pool", status=409)
    if lead.owner_id != user.id and not (permissions.can(user, "write", ENTITY, lead)
                                         and permissions.can(user, "assign", ENTITY)):
        raise PoolError("only its owner or a manager may put this lead back", status=403)
    with write_transaction():
        _set_owner(lead, lead.owner_id, None, now)
        audit("release", ENTITY, lead.id, {"owner": [lead.owner_id, None], "reason": [None, text]}, user)
    return Lead.get_by_id(lead.id)


def assign_lead(actor: User, lead_id: Any, data: Any, now: dt.datetime | None = None) -> Lead:
    now = now or utcnow()
    values = load(PoolAssignSchema(), data)
    lead = get_lead(actor, lead_id)
    _need(actor, "assign")
    if lead.owner_id is not None:
        _need(actor, "write", lead)
    try:
        target = find_user(values["user"])
    except IdentityError as exc:
        raise PoolError(exc.message, field="user") from exc
    if not target.active or not permissions.can(target, "read", ENTITY):
        raise PoolError(f"user {target.username} may not work with leads", field="user")
    if target.id == lead.owner_id:
        raise PoolError(f"{target.username} already owns this lead", status=409)
    with write_transaction():
        _set_owner(lead, lead.owner_id, target.id, now)
        audit("assign", ENTITY, lead.id, {"owner": [lead.owner_id, target.id]}, actor)
    return Lead.get_by_id(lead.id)


# -- conversion ---------------------------------------------------------------------------


def likely_duplicates(user: User, fields: dict[str, Any], lead: Lead) -> dict[str, Any]:
    """The customers module's duplicate check for the customer to be (by name, each phone
    number of the lead, e-mail): ``{"items": [visible ones], "hidden": n}``."""
    from plugins.customers.services import find_duplicates

    phones = [p for p in dict.fromkeys((fields.get("phone"), lead.mobile, lead.phone)) if p] or [""]
    items: dict[int, dict[str, Any]] = {}
    hidden = 0
    for phone in phones:
        found = find_duplicates(user, name=fields["name"], phone=phone, email=fields.get("email") or "")
        for item in found["items"]:
            items.setdefault(item["id"], item)
        hidden = max(hidden, found["hidden"])
    return {"items": list(items.values()), "hidden": hidden}


def _duplicates_error(found: dict[str, Any]) -> PoolError:
    count = len(found["items"]) + found["hidden"]
    message = f"{count} likely duplicate customer(s) exist"
    if found["hidden"]:
        message += f" ({found['hidden']} of them you cannot see)"
    return PoolError(message + "; convert into one of them (merge_into) or confirm with force",
                     status=409, code="duplicates",
                     details={"duplicates": found["items"], "hidden": found["hidden"]})


def _target(user: User, customer_id: int) -> Customer:
    customer = Customer.live().where(Customer.id == as_id(customer_id)).get_or_none()
    if customer is None or not permissions.can(user, "read", "customer", customer):
        raise PoolError(f"no customer {customer_id}", status=422, field="merge_into")
    if not permissions.can(user, "write", "customer", customer):
        raise PoolError("you may not change that customer", status=403, field="merge_into")
    return customer


def convert(user: User, lead_id: Any, data: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """Turn a lead into a customer (or add it to ``merge_into``), with its contact person and,
    if asked and the funnel is enabled, a deal — all or nothing. 409 on likely duplicates
    unless ``force``; 409 when the lead was converted already."""
    now = now or utcnow()
    lead = get_lead(user, lead_id)
    if lead.status == "converted":
        raise PoolError("this lead was converted already", status=409, code="converted")
    _need(user, "convert", lead)
    values = load(LeadConvertSchema(), data)
    overrides = load(CustomerOverrides(), values["customer"], partial=True)
    if values["deal"] is not None and "funnel" not in g.tenant.enabled:
        raise PoolError("the funnel module is not enabled: no deal can be opened", field="deal")
    target = _target(user, values["merge_into"]) if values["merge_into"] is not None else None
    if target is None and not permissions.can(user, "create", "customer"):
        raise PoolError("you may not create customers", status=403)
    fields = {"name": lead.name, "phone": lead.phone or lead.mobile, "email": lead.email,
              "address": lead.address, "region": lead.region, **overrides}
    fields = {key: value for key, value in fields.items() if value not in ("", None)}
    if target is None and not values["force"]:
        found = likely_duplicates(user, fields, lead)
        if found["items"] or found["hidden"]:
            raise _duplicates_error(found)
    with write_transaction():
        done = Lead.update(status="converted", converted_at=now, converted_by=user.id, updated_at=now,
                           version=Lead.version + 1).where(
            (Lead.id == lead.id) & (Lead.status != "converted") & Lead.deleted_at.is_null()).execute()
        if not done:
            raise PoolError("this lead was converted already", status=409, code="converted")
        customer = target or _create_customer(user, fields)
        contact = _create_contact(user, lead, customer) if values["contact"] and lead.contact_name else None
        deal = _open_deal(user, customer, values["deal"]) if values["deal"] is not None else None
        Lead.update(customer=customer.id).where(Lead.id == lead.id).execute()
        audit("convert", ENTITY, lead.id, {
            "status": [lead.status, "converted"], "customer": [None, customer.id],
            "contact": [None, getattr(contact, "id", None)], "deal": [None, getattr(deal, "id", None)],
        }, user)
    announce(lead_converted, lead=Lead.get_by_id(lead.id), customer=customer, contact=contact,
             deal=values["deal"], user=user)
    return {"lead": Lead.get_by_id(lead.id), "customer": customer, "contact": contact, "deal": deal}


def _create_customer(user: User, fields: dict[str, Any]) -> Customer:
    """Through the customers module's service: validated, audited, indexed, announced."""
    from plugins.customers.services import create_customer

    try:
        return create_customer(user, fields)
    except ApiError as exc:
        raise _nested(exc, "customer") from exc


def _create_contact(user: User, lead: Lead, customer: Customer) -> Contact:
    from plugins.customers.services import create_contact

    data = {"name": lead.contact_name, "title": lead.title, "mobile": lead.mobile, "phone": lead.phone,
            "email": lead.email}
    try:
        return create_contact(user, customer, {k: v for k, v in data.items() if v})
    except ApiError as exc:
        raise _nested(exc, "contact") from exc


def _nested(exc: ApiError, prefix: str) -> PoolError:
    fields = {f"{prefix}.{k}": v for k, v in exc.fields.items()} or {prefix: [exc.message]}
    return PoolError(exc.message, status=exc.status, fields=fields)


def _open_deal(user: User, customer: Customer, deal: dict[str, Any]) -> Any:
    """The deal through the funnel's documented service (its own checks and signals)."""
    from plugins.funnel.services import create_deal

    try:
        return create_deal(user, {"customer_id": customer.id, "title": deal["title"],
                                  "amount": deal["amount"]})
    except ApiError as exc:
        raise _nested(exc, "deal") from exc
