"""The plugin's rules, callable without HTTP (views, the API, tasks and tests use them)."""

from __future__ import annotations

from core.toolkit import current_kernel, current_tenant, record_created
from xietong_hello.models import Greeting

MAX_MESSAGE = 200


class GreetingError(ValueError):
    """Bad input; ``field`` names the field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def greet(message: object, customer_id: object = None) -> Greeting:
    """Store a greeting in the current tenant and announce it (signal ``record_created``)."""
    if not isinstance(message, str) or not message.strip():
        raise GreetingError("message", "a greeting needs a message")
    if len(message) > MAX_MESSAGE:
        raise GreetingError("message", f"at most {MAX_MESSAGE} characters")
    if customer_id is not None and (not isinstance(customer_id, int) or isinstance(customer_id, bool)):
        raise GreetingError("customer_id", "a customer id is a whole number")
    greeting = Greeting.create(message=message.strip(), customer_id=customer_id)
    record_created.send(current_kernel(), tenant=current_tenant().slug, entity="greeting", record=greeting)
    return greeting


def latest(limit: int = 5, customer_id: int | None = None) -> list[Greeting]:
    query = Greeting.select().order_by(Greeting.id.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(Greeting.customer_id == customer_id)
    return list(query)
