"""``xietong demo --deals M``: deals with stage history on the tenant's demo customers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.identity.models import User
from plugins.customers.models import Customer
from plugins.funnel.fakedata import generate


def demo_deals(counts: Mapping[str, int], progress: Callable[[str, int], Any]) -> str | None:
    """Spread ``counts["deals"]`` deals (default: two per customer) over the active users."""
    customers = [c for (c,) in Customer.live(Customer.id).tuples()]
    users = [u for (u,) in User.select(User.id).where(User.active == True).tuples()]  # noqa: E712
    wanted = counts.get("deals")
    wanted = 2 * len(customers) if wanted is None else int(wanted)
    if not customers or not users or wanted <= 0:
        return None
    with progress("deals", wanted) as bar:
        done = [0]

        def step(total: int) -> None:
            bar.update(total - done[0])
            done[0] = total

        history = generate(wanted, customers, users, seed=len(customers), years=1.5, progress=step)
    return f"funnel: {wanted} deals with {history} stage changes"
