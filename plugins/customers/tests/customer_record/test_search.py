"""Search that understands Chinese, on every path (quick search, list ``q``), with the same
record rules and field rules as everything else."""

from __future__ import annotations

import pytest

from .conftest import names

COMPANIES = {
    "hw": ("深圳市华为技术有限公司", "0755-28780808", "info@huawei.example.com"),
    "zj": ("北京字节跳动科技有限公司", "010-58341234", "bd@bytedance.example.com"),
    "cq": ("重庆长安汽车股份有限公司", "023-67594008", "service@changan.example.com"),
    "nw": ("Northwind Trading Co., Ltd.", "+1 206 555 0100", "Sales@Northwind.example.com"),
    "hx": ("华信商贸有限公司", "", ""),
}


@pytest.fixture
def seeded(world):
    made = {}
    for key, (name, phone, email) in COMPANIES.items():
        made[key] = world.make("sam" if key != "hx" else "sue", name, phone=phone, email=email)
    return made


CASES = [
    ("华为", {"深圳市华为技术有限公司"}),  # two Chinese characters
    ("为技", {"深圳市华为技术有限公司"}),  # any substring, not only word starts
    ("huawei", {"深圳市华为技术有限公司"}),  # pinyin
    ("HuaWei", {"深圳市华为技术有限公司"}),  # pinyin in any case
    ("hw", {"深圳市华为技术有限公司", "Northwind Trading Co., Ltd."}),  # initials; nort-hw-ind too
    ("szshw", {"深圳市华为技术有限公司"}),  # initials across the city prefix
    ("chongqing", {"重庆长安汽车股份有限公司"}),  # polyphone read as a place name
    ("华", {"深圳市华为技术有限公司", "华信商贸有限公司"}),  # one Chinese character
    ("28780", {"深圳市华为技术有限公司"}),  # phone fragment
    ("0755-2878", {"深圳市华为技术有限公司"}),  # phone fragment with its dash
    ("bytedance", {"北京字节跳动科技有限公司"}),  # e-mail fragment
    ("sales@north", {"Northwind Trading Co., Ltd."}),  # e-mail fragment with @, any case
    ("NORTHWIND", {"Northwind Trading Co., Ltd."}),  # Latin, case-insensitive
    ("wind trad", {"Northwind Trading Co., Ltd."}),  # spacing ignored
    ("ｈｕａｗｅｉ", {"深圳市华为技术有限公司"}),  # full-width letters
    (
        "有限公司",
        {
            "深圳市华为技术有限公司",
            "北京字节跳动科技有限公司",
            "华信商贸有限公司",
            "重庆长安汽车股份有限公司",
        },
    ),
    ("华为汽车", set()),
    ("zz", set()),
]


def test_quick_search_and_list_q_agree(world, seeded):
    for query, expected in CASES:
        found = set(
            names(
                world.client.get(
                    world.url("/customers/search"), query_string={"q": query}, headers=world.h["boss"]
                )
            )
        )
        assert found == expected, query
        listed = set(
            names(
                world.client.get(
                    world.url("/customers"), query_string={"q": query, "limit": 200}, headers=world.h["boss"]
                )
            )
        )
        assert listed == expected, query


def test_search_with_an_explicit_sort_uses_the_same_matches(world, seeded):
    response = world.client.get(
        world.url("/customers"), query_string={"q": "有限", "sort": "name"}, headers=world.h["boss"]
    )
    assert names(response) == sorted(n for n, _, _ in COMPANIES.values() if "有限" in n)


def test_results_respect_record_rules(world, seeded):
    assert names(
        world.client.get(world.url("/customers/search"), query_string={"q": "华"}, headers=world.h["sue"])
    ) == ["华信商贸有限公司"]
    assert (
        names(world.client.get(world.url("/customers"), query_string={"q": "华"}, headers=world.h["cal"]))
        == []
    )
    assert set(
        names(world.client.get(world.url("/customers"), query_string={"q": "华"}, headers=world.h["mia"]))
    ) == {"深圳市华为技术有限公司", "华信商贸有限公司"}


def test_pages_of_search_results_follow_the_cursor(world):
    for n in range(7):
        world.make("sam", f"华为分公司{n}号")
    seen, cursor = [], None
    while True:
        query = {"q": "华为", "limit": 3, **({"cursor": cursor} if cursor else {})}
        body = world.client.get(
            world.url("/customers"), query_string=query, headers=world.h["sam"]
        ).get_json()
        seen += [item["name"] for item in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert seen == [f"华为分公司{n}号" for n in reversed(range(7))]


def test_contact_details_are_searchable_unless_a_field_rule_hides_them(world, seeded):
    from core.identity.rules import create_field_rule

    contact = {"name": "李雷", "mobile": "13912345678", "email": "lilei@partner.example.org"}
    response = world.client.post(
        world.url(f"/customers/{seeded['hw'].id}/contacts"), json=contact, headers=world.h["boss"]
    )
    assert response.status_code == 201
    for query in ("1234567", "李雷", "lilei@part"):
        assert names(
            world.client.get(
                world.url("/customers/search"), query_string={"q": query}, headers=world.h["sam"]
            )
        ) == ["深圳市华为技术有限公司"]
    with world.acting("boss"):
        create_field_rule("contact", "mobile", "mask", role="sales")
        create_field_rule("customer", "phone", "hide", role="sales")
    assert (
        names(
            world.client.get(
                world.url("/customers/search"), query_string={"q": "1234567"}, headers=world.h["sam"]
            )
        )
        == []
    )
    assert (
        names(
            world.client.get(world.url("/customers"), query_string={"q": "28780808"}, headers=world.h["sam"])
        )
        == []
    )
    # the manager is not under the rule and still finds both
    assert names(
        world.client.get(
            world.url("/customers/search"), query_string={"q": "1234567"}, headers=world.h["mia"]
        )
    ) == ["深圳市华为技术有限公司"]
    # users who may not read contacts cannot search by them at all
    with world.acting("boss"):
        from core.identity.rules import set_right

        set_right("finance", "contact", "read", None)
    assert (
        names(
            world.client.get(
                world.url("/customers/search"), query_string={"q": "李雷"}, headers=world.h["fin"]
            )
        )
        == []
    )
    assert names(
        world.client.get(world.url("/customers/search"), query_string={"q": "华为"}, headers=world.h["fin"])
    ) == ["深圳市华为技术有限公司"]


def test_the_index_follows_changes_trash_and_restore(world, seeded):
    hw = seeded["hw"].id
    response = world.client.patch(
        world.url(f"/customers/{hw}"), json={"name": "深圳市鸿蒙科技有限公司"}, headers=world.h["boss"]
    )
    assert response.status_code == 200
    assert (
        names(
            world.client.get(
                world.url("/customers/search"), query_string={"q": "华为"}, headers=world.h["boss"]
            )
        )
        == []
    )
    assert names(
        world.client.get(
            world.url("/customers/search"), query_string={"q": "hongmeng"}, headers=world.h["boss"]
        )
    ) == ["深圳市鸿蒙科技有限公司"]
    contact = world.client.post(
        world.url(f"/customers/{hw}/contacts"), json={"name": "韩梅梅"}, headers=world.h["boss"]
    ).get_json()
    assert names(
        world.client.get(world.url("/customers/search"), query_string={"q": "梅梅"}, headers=world.h["boss"])
    ) == ["深圳市鸿蒙科技有限公司"]
    assert (
        world.client.delete(world.url(f"/contacts/{contact['id']}"), headers=world.h["boss"]).status_code
        == 204
    )
    assert (
        names(
            world.client.get(
                world.url("/customers/search"), query_string={"q": "梅梅"}, headers=world.h["boss"]
            )
        )
        == []
    )
    with world.acting("boss") as boss:
        from core.identity.trash import restore

        restore("contact", contact["id"], boss)
    assert names(
        world.client.get(world.url("/customers/search"), query_string={"q": "梅梅"}, headers=world.h["boss"])
    ) == ["深圳市鸿蒙科技有限公司"]
    assert world.client.delete(world.url(f"/customers/{hw}"), headers=world.h["boss"]).status_code == 204
    assert (
        names(
            world.client.get(
                world.url("/customers/search"), query_string={"q": "hongmeng"}, headers=world.h["boss"]
            )
        )
        == []
    )


def test_rebuild_gives_the_same_answers(world, seeded):
    from plugins.customers import search

    with world.acting("boss") as boss:
        before = [c.id for c in search.search(boss, "有限", 50)]
        assert search.rebuild() == len(COMPANIES)
        search.optimize()
        assert [c.id for c in search.search(boss, "有限", 50)] == before
        assert [c.name for c in search.search(boss, "szshw")] == ["深圳市华为技术有限公司"]


def test_odd_queries_are_answered_not_crashed(world, seeded):
    for query in ("", "   ", "!!!", "%", "_", '"', "' OR 1=1 --", "a", "*", "NEAR(a b)", "x" * 500):
        for path in ("/customers/search", "/customers"):
            response = world.client.get(world.url(path), query_string={"q": query}, headers=world.h["boss"])
            assert response.status_code == 200, (path, query)
            everything = path == "/customers" and not query.strip()  # no query: the plain list
            assert len(response.get_json()["items"]) == (len(COMPANIES) if everything else 0), (path, query)


def test_a_customer_named_with_one_letter_is_found_exactly(world):
    world.make("sam", "X")
    assert names(
        world.client.get(world.url("/customers/search"), query_string={"q": "x"}, headers=world.h["sam"])
    ) == ["X"]
