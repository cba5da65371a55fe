"""The pool's desktop widgets through the desktop's API: "customers about to return to the
pool" (warned owners) and "follow-ups due today" (the to-do list, overdue first)."""

from __future__ import annotations

import datetime as dt

import pytest

from core.web.testing import bearer
from plugins.customers import followups, pool_return
from plugins.customers import pool as pools
from plugins.customers.pool_common import day_start, utcnow
from plugins.customers.pool_testing import act_as, customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin", "plugins.desktop:plugin")


def _iso(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).isoformat()


def test_widgets_show_what_returns_and_what_is_due(kernel, tenant, client):
    now = utcnow()
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
        rules = [{"kind": "no_followup", "days": 30}]
        pools.update_pool(pools.default_pool(), {"warn_days": 3, "rules": rules})
        leaving = customer("Leaving Soon", owner=people.north1, created_at=now - dt.timedelta(days=40))
        staying = customer("Fresh", owner=people.north1, created_at=now - dt.timedelta(days=2))
        pool_return.run_returns(now=now)
        yesterday_evening = day_start(now) - dt.timedelta(hours=2)
        tonight = day_start(now, 1) - dt.timedelta(minutes=1)
        plan = followups.create_plan
        plan(people.north1, staying.id, {"due_at": _iso(yesterday_evening), "note": "overdue call"},
             now=now - dt.timedelta(days=1))
        plan(people.north1, leaving.id, {"due_at": _iso(tonight), "note": "today's visit"}, now=now)
        later = now + dt.timedelta(days=3)
        plan(people.north1, leaving.id, {"due_at": _iso(later), "note": "later"}, now=now)
    headers = bearer(kernel, tenant, people.north1)
    url = f"/t/{tenant}/api/v1/desktop/widgets"
    keys = {w["key"] for w in client.get(url, headers=headers).get_json()["items"]}
    assert {"customers.pool_returning", "customers.followups_today"} <= keys
    returning = client.get(f"{url}/customers.pool_returning", headers=headers).get_json()["data"]
    assert [item["title"] for item in returning["items"]] == ["Leaving Soon"]
    assert returning["items"][0]["url"] == f"/t/{tenant}/customers/{leaving.id}"
    due = client.get(f"{url}/customers.followups_today", headers=headers).get_json()["data"]
    assert [item["text"] for item in due["items"]] == ["overdue call", "today's visit"]
    assert due["items"][0]["highlight"] is True and due["items"][1]["highlight"] is False
    other = bearer(kernel, tenant, people.east1)
    assert client.get(f"{url}/customers.pool_returning", headers=other).get_json()["data"]["items"] == []


def test_returning_widget_lists_warned_unlocked_live_customers_of_the_owner(kernel, tenant, client):
    """Soonest return first (ties by customer id); locked, unwarned, trashed and other owners'
    customers are left out — read through the owner's ids and the warned rows' own index."""
    from plugins.customers.models import Customer
    from plugins.customers.pool_models import PoolState

    now = utcnow()
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
        made = {name: customer(name, owner=owner) for name, owner in (
            ("in two days", people.north1), ("tomorrow", people.north1), ("tomorrow too", people.north1),
            ("locked", people.north1), ("not warned", people.north1), ("trashed", people.north1),
            ("east's", people.east1))}
        pool_return.sync_states()
        due = {"in two days": 2, "tomorrow": 1, "tomorrow too": 1, "locked": 0, "trashed": 0, "east's": 0}
        for name, days in due.items():
            warned = {"warned_at": now, "warn_due": now + dt.timedelta(days=days), "locked": name == "locked"}
            PoolState.update(warned).where(PoolState.customer == made[name].id).execute()
        Customer.update(deleted_at=now).where(Customer.id == made["trashed"].id).execute()
    headers = bearer(kernel, tenant, people.north1)
    url = f"/t/{tenant}/api/v1/desktop/widgets/customers.pool_returning"
    data = client.get(url, headers=headers).get_json()
    assert [item["title"] for item in data["data"]["items"]] == ["tomorrow", "tomorrow too", "in two days"]
    assert [item["highlight"] for item in data["data"]["items"]] == [False, False, False]
