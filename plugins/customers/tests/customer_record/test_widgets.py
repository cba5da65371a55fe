"""The desktop widgets of the customers module: upcoming birthdays and mentions of me."""

from __future__ import annotations

import datetime as dt


def test_birthdays_and_mentions_widgets(world):
    c = world.client
    customer = world.make("sam", "小部件客户")
    soon = dt.date.today() + dt.timedelta(days=3)
    birthday = dt.date(1980, soon.month, 28 if (soon.month, soon.day) == (2, 29) else soon.day)
    c.post(
        world.url(f"/customers/{customer.id}/contacts"),
        json={"name": "寿星", "birthday": birthday.isoformat()},
        headers=world.h["sam"],
    )
    c.post(
        world.url(f"/customers/{customer.id}/notes"),
        json={"body": "@sam 记得发生日祝福"},
        headers=world.h["mia"],
    )
    keys = {
        w["key"] for w in c.get(world.url("/desktop/widgets"), headers=world.h["sam"]).get_json()["items"]
    }
    assert {"customers.birthdays", "customers.mentions"} <= keys
    birthdays = c.get(world.url("/desktop/widgets/customers.birthdays"), headers=world.h["sam"]).get_json()[
        "data"
    ]
    assert [item["title"] for item in birthdays["items"]] == ["寿星 · 小部件客户"]
    mentions = c.get(world.url("/desktop/widgets/customers.mentions"), headers=world.h["sam"]).get_json()[
        "data"
    ]
    assert mentions["items"][0]["text"] == "@sam 记得发生日祝福" and mentions["items"][0]["highlight"] is True
    # someone who cannot see the customer sees neither
    other = c.get(world.url("/desktop/widgets/customers.birthdays"), headers=world.h["cal"]).get_json()[
        "data"
    ]
    assert other["items"] == []
