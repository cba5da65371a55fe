"""Contacts: details hidden or masked by role and department on every path (detail, list,
export, vCard, search), upcoming birthdays, vCard 3.0/4.0 export and import."""

from __future__ import annotations

import datetime as dt
import io

import vobject


def _contact(world, customer, **data):
    response = world.client.post(
        world.url(f"/customers/{customer.id}/contacts"), json=data, headers=world.h["boss"]
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_contact_details_hidden_or_masked_by_role_and_department(world):
    from core.identity.rules import create_field_rule

    customer = world.make("sam", "保密联系人测试有限公司")
    person = _contact(
        world,
        customer,
        name="赵六",
        mobile="13812345678",
        phone="010-65528888",
        email="zhaoliu@example.com",
        birthday="1980-05-06",
    )
    with world.acting("boss"):
        create_field_rule("contact", "mobile", "mask", role="sales")
        create_field_rule("contact", "email", "hide", department=world.departments["Sales"])
    c = world.client
    for user in ("sam", "mia"):
        detail = c.get(world.url(f"/contacts/{person['id']}"), headers=world.h[user]).get_json()
        listed = c.get(world.url(f"/customers/{customer.id}/contacts"), headers=world.h[user]).get_json()[
            "items"
        ][0]
        everything = c.get(world.url("/contacts"), headers=world.h[user]).get_json()["items"][0]
        for body in (detail, listed, everything):
            assert "email" not in body, user  # the department rule reaches the manager too
            assert body["mobile"] == ("138****5678" if user == "sam" else "13812345678"), user
        export = c.get(world.url("/contacts/export"), query_string={"format": "csv"}, headers=world.h["mia"])
        assert "zhaoliu" not in export.get_data(as_text=True)
    # the admin sees everything
    detail = c.get(world.url(f"/contacts/{person['id']}"), headers=world.h["boss"]).get_json()
    assert detail["email"] == "zhaoliu@example.com" and detail["mobile"] == "13812345678"
    # hidden or masked fields cannot be written (no mass assignment)
    assert (
        c.patch(
            world.url(f"/contacts/{person['id']}"), json={"mobile": "13900000000"}, headers=world.h["sam"]
        ).status_code
        == 422
    )
    # vCards carry the same: masked mobile, no e-mail (once sales may export at all)
    assert (
        c.get(
            world.url("/contacts/export"), query_string={"format": "vcf"}, headers=world.h["sam"]
        ).status_code
        == 403
    )
    with world.acting("boss"):
        from core.identity.rules import set_right

        set_right("sales", "contact", "export", "own")
    cards = c.get(world.url("/contacts/export"), query_string={"format": "vcf"}, headers=world.h["sam"])
    assert cards.status_code == 200 and cards.mimetype == "text/vcard"
    card = next(vobject.readComponents(cards.get_data(as_text=True)))
    assert "email" not in card.contents
    assert [t.value for t in card.contents["tel"]][0] == "138****5678"


def test_vcard_export_in_both_versions_and_import_round_trip(world):
    with world.acting("boss"):
        from core.identity.rules import set_right

        set_right("sales", "contact", "export", "own")
    source = world.make("sam", "名片来源有限公司")
    _contact(
        world,
        source,
        name="孙悦",
        title="采购经理",
        mobile="13611112222",
        phone="021-55556666",
        email="sunyue@example.com",
        birthday="1985-12-01",
        hobbies="羽毛球",
    )
    _contact(world, source, name="Peter Smith", mobile="+44 7700 900123", email="peter@example.co.uk")
    for version in ("3.0", "4.0"):
        body = world.client.get(
            world.url("/contacts/export"),
            query_string={"format": "vcf", "version": version, "customer_id": source.id},
            headers=world.h["sam"],
        ).get_data(as_text=True)
        assert body.count("BEGIN:VCARD") == 2 and f"VERSION:{version}" in body
        assert "ORG:名片来源有限公司" in body
        target = world.make("sam", f"名片导入{version}")
        response = world.client.post(
            world.url("/contacts/import"),
            query_string={"customer_id": target.id},
            data={"file": (io.BytesIO(body.encode()), "contacts.vcf")},
            headers=world.h["sam"],
        )
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["created"] == 2
        people = {
            p["name"]: p
            for p in world.client.get(
                world.url(f"/customers/{target.id}/contacts"), headers=world.h["sam"]
            ).get_json()["items"]
        }
        assert people["孙悦"]["mobile"] == "13611112222" and people["孙悦"]["phone"] == "021-55556666"
        assert people["孙悦"]["birthday"] == "1985-12-01" and people["孙悦"]["title"] == "采购经理"
        assert people["Peter Smith"]["email"] == "peter@example.co.uk"
    assert (
        world.client.get(
            world.url("/contacts/export"),
            query_string={"format": "vcf", "version": "2.1"},
            headers=world.h["sam"],
        ).status_code
        == 400
    )


def test_vcard_import_is_all_or_nothing_and_checks_access(world):
    target = world.make("sam", "名片目标")
    bad = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:好人\r\nTEL;TYPE=CELL:13800001111\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:坏人\r\nEMAIL:not-an-email\r\nEND:VCARD\r\n"
    )
    response = world.client.post(
        world.url("/contacts/import"),
        query_string={"customer_id": target.id},
        data={"file": (io.BytesIO(bad.encode()), "x.vcf")},
        headers=world.h["sam"],
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"row": 2, "field": "email", "message": "Not a valid email address."}
    ]
    assert (
        world.client.get(world.url(f"/customers/{target.id}/contacts"), headers=world.h["sam"]).get_json()[
            "items"
        ]
        == []
    )
    response = world.client.post(
        world.url("/contacts/import"),
        query_string={"customer_id": target.id},
        data={"file": (io.BytesIO(b"this is not a vcard"), "x.vcf")},
        headers=world.h["sam"],
    )
    assert response.status_code == 400
    response = world.client.post(
        world.url("/contacts/import"),
        query_string={"customer_id": target.id},
        data={"file": (io.BytesIO(bad.encode()), "x.vcf")},
        headers=world.h["sue"],
    )
    assert response.status_code == 404


def test_upcoming_birthdays_of_my_customers(world):
    from plugins.customers import services

    mine = world.make("sam", "生日客户")
    theirs = world.make("sue", "别人的生日客户")
    _contact(world, mine, name="年末", birthday="1970-12-30")
    _contact(world, mine, name="年初", birthday="1975-01-02")
    _contact(world, mine, name="闰日", birthday="1980-02-29")
    _contact(world, mine, name="远着呢", birthday="1990-06-15")
    _contact(world, theirs, name="不是我的", birthday="1970-12-31")
    with world.acting("sam") as sam:
        found = services.upcoming_birthdays(sam, days=7, today=dt.date(2025, 12, 28))
        assert [(c.name, d.isoformat()) for c, d in found] == [("年末", "2025-12-30"), ("年初", "2026-01-02")]
        found = services.upcoming_birthdays(sam, days=2, today=dt.date(2027, 2, 27))
        assert [(c.name, d.isoformat()) for c, d in found] == [("闰日", "2027-02-28")]
        found = services.upcoming_birthdays(sam, days=3, today=dt.date(2028, 2, 28))
        assert [(c.name, d.isoformat()) for c, d in found] == [("闰日", "2028-02-29")]
        # the widget's form reads day by day and stops at the limit: same order, fewer rows
        window = {"days": 7, "today": dt.date(2025, 12, 28)}
        everything = services.upcoming_birthdays(sam, **window)
        assert services.upcoming_birthdays(sam, limit=20, **window) == everything
        [(first, day)] = services.upcoming_birthdays(sam, limit=1, **window)
        assert (first.name, day.isoformat()) == ("年末", "2025-12-30")
        found = services.upcoming_birthdays(sam, days=2, today=dt.date(2027, 2, 27), limit=5)
        assert [(c.name, d.isoformat()) for c, d in found] == [("闰日", "2027-02-28")]
    with world.acting("mia") as mia:
        everyone = services.upcoming_birthdays(mia, days=7, today=dt.date(2025, 12, 28), owned_only=False)
        assert {c.name for c, _ in everyone} == {"年末", "年初", "不是我的"}
    response = world.client.get(world.url("/birthdays"), query_string={"days": 400}, headers=world.h["sam"])
    assert response.status_code == 400
