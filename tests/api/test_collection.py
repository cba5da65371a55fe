"""Collections: keyset pagination across pages, sort and filter whitelists, search, limits."""

from __future__ import annotations

import pytest

from tests.web.conftest import GADGETS, create_gadget

pytestmark = pytest.mark.xietong_plugins(GADGETS)


def walk(site, query: str, limit: int = 3) -> list[dict]:
    """Every item of a collection, page by page, following ``next``."""
    items, cursor, pages = [], None, 0
    while True:
        url = f"{site.api}/gadgets?limit={limit}&{query}" + (f"&cursor={cursor}" if cursor else "")
        response = site.client.get(url, headers=site.headers["admin"])
        assert response.status_code == 200, response.json
        assert len(response.json["items"]) <= limit
        items += response.json["items"]
        cursor = response.json["next"]
        pages += 1
        assert pages < 50
        if cursor is None:
            return items


@pytest.fixture
def many(site):
    amounts = ["5.00", None, "12.50", "5.00", "99.99", None, "0.10", "5.00", "12.50", "1000.00", None]
    for number, amount in enumerate(amounts):
        due = None if number % 3 == 0 else f"2024-0{1 + number % 5}-01T08:00:00+08:00"
        create_gadget(
            site,
            name=f"g{number:02d}",
            amount=amount,
            due_at=due,
            status=("new", "active", "retired")[number % 3],
        )
    return site


SORTS = ["name", "-name", "amount", "-amount", "due_at", "-due_at", "status", "-status", "id", "-id"]


def test_pages_cover_every_row_once_in_order(many):
    for sort in SORTS:
        check_order(many, sort)


def check_order(many, sort):
    items = walk(many, f"sort={sort}", limit=3)
    assert sorted(i["id"] for i in items) == list(range(1, 12))
    field, descending = sort.lstrip("-"), sort.startswith("-")

    def key(item):
        value = item[field]
        if field == "amount" and value is not None:
            value = float(value)
        return value

    present = [key(i) for i in items if key(i) is not None]
    assert present == sorted(present, reverse=descending)
    nulls = [i for i in items if key(i) is None]
    assert items[len(items) - len(nulls) :] == nulls  # NULLs come last in both directions
    ties = {}
    for item in items:
        ties.setdefault(key(item), []).append(item["id"])
    for ids in ties.values():
        assert ids == sorted(ids, reverse=descending)


def test_filters_and_search_narrow_every_page(many):
    items = walk(many, "status=active&sort=-amount", limit=2)
    assert items and all(i["status"] == "active" for i in items)
    found = walk(many, "q=g1&sort=name", limit=2)
    assert [i["name"] for i in found] == ["g10"]


def test_search_is_case_insensitive_and_combines_with_filters(many):
    found = walk(many, "q=G0&status=new&sort=name", limit=5)
    assert [i["name"] for i in found] == ["g00", "g03", "g06", "g09"]


BAD = [
    ("sort=profile", "sort"),
    ("sort=-secret", "sort"),
    ("sort=name;drop", "sort"),
    ("email=x", "email"),
    ("profile=x", "profile"),
    ("limit=0", "limit"),
    ("limit=201", "limit"),
    ("limit=ten", "limit"),
    ("cursor=garbage!!", "cursor"),
    ("active=maybe", "active"),
    ("owner_id=abc", "owner_id"),
    ("owner_id=99999999999999999999999", "owner_id"),  # more than any database integer holds
]


def test_bad_parameters_are_400_with_the_field_named(site):
    for query, field in BAD:
        response = site.client.get(f"{site.api}/gadgets?{query}", headers=site.headers["admin"])
        assert response.status_code == 400, query
        assert field in response.json["error"]["fields"], query
        assert response.json["error"]["code"] == "bad_request"
        page = site.client.get(f"{site.web}/gadgets/?{query}", headers=site.headers["admin"])
        assert page.status_code == 400, query  # the list page uses the same whitelist


def test_a_cursor_only_works_with_its_own_sort(many):
    first = many.client.get(f"{many.api}/gadgets?limit=2&sort=name", headers=many.headers["admin"]).json
    assert first["next"]
    response = many.client.get(
        f"{many.api}/gadgets?limit=2&sort=-name&cursor={first['next']}", headers=many.headers["admin"]
    )
    assert response.status_code == 400


def test_limit_caps_at_200_and_defaults_to_50(site):
    for number in range(55):
        create_gadget(site, name=f"n{number}")
    page = site.client.get(f"{site.api}/gadgets", headers=site.headers["admin"]).json
    assert len(page["items"]) == 50 and page["next"]
    assert (
        len(site.client.get(f"{site.api}/gadgets?limit=200", headers=site.headers["admin"]).json["items"])
        == 55
    )


def test_money_is_a_decimal_string_and_times_carry_an_offset(site):
    item = create_gadget(site, name="m", amount="1234.5", due_at="2024-05-01T09:30:00+08:00")
    assert item["amount"] == "1234.50"
    assert item["due_at"] == "2024-05-01T01:30:00+00:00"
    assert item["created_at"].endswith("+00:00")
