"""The desktop widgets' own reads (issue #8) answer exactly what the general functions do:
the birthdays widget as ``services.upcoming_birthdays``, the mentions widget as
``notes.notifications_for`` — the same rows in the same order, through the same record rules
(hidden categories, the trash, other owners, other departments)."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.customers import notes, services, widgets

TODAY = dt.date(2027, 2, 20)  # the window crosses 28 February of a year without 29 February


def _ids(pairs):
    return [(contact.id, day) for contact, day in pairs]


def _hidden_category(world):
    response = world.client.post(world.url("/categories"), headers=world.h["boss"],
                                 json={"name": "只给经理", "visible_roles": ["manager"]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_birthday_widget_reads_what_the_service_answers(world, monkeypatch):
    hidden = _hidden_category(world)
    mine = world.make("sam", "看得见")
    secret = world.make("sam", "看不见", category_id=hidden)
    gone = world.make("sam", "已删除")
    theirs = world.make("sue", "别人的")
    with world.acting("boss") as boss:
        for n in range(30):  # interleaved by name and day: every page mixes seen and unseen
            day = dt.date(1980, 2, 20) + dt.timedelta(days=n % 12)
            for customer in (mine, secret, theirs):
                data = {"name": f"联系人{n:02d}", "birthday": day.isoformat()}
                services.create_contact(boss, customer, data)
        services.create_contact(boss, mine, {"name": "闰日", "birthday": "1984-02-29"})
        services.create_contact(boss, gone, {"name": "删了的客户的", "birthday": "1980-02-21"})
        trashed = services.create_contact(boss, mine, {"name": "删了的", "birthday": "1980-02-21"})
        services._resources().contacts.delete(trashed, boss)
        services.delete_customer(boss, gone)
    monkeypatch.setattr(widgets, "PAGE", 4)  # several pages of candidates
    for who in ("sam", "sue", "mia", "boss", "cal"):
        with world.acting(who) as user:
            for days, limit in ((14, 20), (14, 7), (3, 20), (14, 200), (0, 20)):
                expected = services.upcoming_birthdays(user, days, today=TODAY, limit=limit)
                assert _ids(widgets.my_upcoming_birthdays(user, days, limit, today=TODAY)) == _ids(expected)
    with world.acting("sam") as sam:
        found = widgets.my_upcoming_birthdays(sam, 14, 200, today=TODAY)
        assert {c.customer.name for c, _ in found} == {"看得见"}  # not hidden, trashed or others'
        assert ("闰日", dt.date(2027, 2, 28)) in [(c.name, d) for c, d in found]
        assert len(found) == 31
    with world.acting("mia") as mia:
        assert widgets.my_upcoming_birthdays(mia, 14, 20, today=TODAY) == []  # she owns none
    response = world.client.get(world.url("/desktop/widgets/customers.birthdays"), headers=world.h["sam"])
    assert response.status_code == 200
    assert all(item["title"].endswith(" · 看得见") for item in response.get_json()["data"]["items"])


READS = {  # which of the test's customers each user may read (written out by hand)
    "sam": {"普通"},  # own only; the category is for managers
    "mia": {"普通", "隐藏", "同部门"},  # her department's, the managers' category too
    "boss": {"普通", "隐藏", "同部门", "别部门"},  # everything live
    "cal": {"别部门"},  # another department
}


@pytest.mark.parametrize("who", ["sam", "mia", "boss", "cal"])
def test_mentions_are_kept_to_customers_the_user_may_read(world, who):
    hidden = _hidden_category(world)
    customers = [world.make("sam", "普通"), world.make("sam", "隐藏", category_id=hidden),
                 world.make("sue", "同部门"), world.make("cal", "别部门"), world.make("sam", "要删除")]
    from core.web.testing import bearer, make_user

    poster = bearer(world.kernel, world.tenant, make_user(world.kernel, world.tenant, "ada", role="admin"))
    for n in range(3):  # by another admin: mentioning oneself notifies nobody
        for customer in customers:
            response = world.client.post(world.url(f"/customers/{customer.id}/notes"),
                                         json={"body": f"@{who} 第{n}次"}, headers=poster)
            assert response.status_code == 201, response.get_json()
    with world.acting("boss") as boss:
        services.delete_customer(boss, customers[-1])
    posted = [c.name for n in range(3) for c in customers]  # oldest first
    expected = [name for name in reversed(posted) if name in READS[who]]
    with world.acting(who) as user:
        assert [n.customer.name for n in widgets.my_mentions(user, limit=10)] == expected[:10]
        assert [n.customer.name for n in notes.notifications_for(user, limit=3)] == expected[:3]
        unread = notes.notifications_for(user, unread_only=True, limit=50)
        assert len(unread) == notes.unread_count(user) == len(expected)
    data = world.client.get(world.url("/desktop/widgets/customers.mentions"), headers=world.h[who]).get_json()
    assert [item["title"] for item in data["data"]["items"]] == expected[:10]
    listed = world.client.get(world.url("/notifications"), headers=world.h[who]).get_json()
    assert listed["unread"] == len(expected) and len(listed["items"]) == len(expected)
