"""Field rules: hide or mask by role and by department (with its subtree), on every path."""

from __future__ import annotations

import csv
import io

import pytest

from tests.identity.conftest import IDTEST, audit_rows, sign_in

pytestmark = pytest.mark.xietong_plugins(IDTEST)

SAM_PHONE, MASKED = "13812345678", "138****5678"
# What each user sees of c-sam's phone and email (None: the field is absent).
EXPECTED = {
    "sam": (MASKED, None),  # sales → phone masked; in East, below Sales → email hidden
    "boss": (SAM_PHONE, None),  # manager in Sales → email hidden only
    "wes": (None, "sam@example.com"),  # sales in West → phone hidden (hide beats mask)
    "fiona": (SAM_PHONE, "sam@example.com"),
    "ada": (SAM_PHONE, "sam@example.com"),  # admins see every field
}


@pytest.fixture
def ruled(org, api_as):
    ada = api_as("ada")
    rules = [
        {"entity": "idcontact", "field": "phone", "mode": "mask", "role": "sales"},
        {"entity": "idcontact", "field": "email", "mode": "hide", "department_id": org.depts["Sales"].id},
        {"entity": "idcontact", "field": "phone", "mode": "hide", "role": "sales",
         "department_id": org.depts["West"].id},
    ]
    for rule in rules:
        assert ada.post("/field-rules", json=rule).status_code == 201
    grant = [{"role": "sales", "entity": "idcontact", "action": action, "scope": "all"}
             for action in ("read", "export")]
    assert ada.put("/access-rights", json={"rights": grant}).status_code == 200  # so sales sees c-sam
    return org



@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_field_rules_on_every_path(who, client, ruled, api_as):
    org, api = ruled, api_as(who)
    phone, email = EXPECTED[who]
    target = org.contacts["c-sam"].id
    detail = api.get(f"/idcontacts/{target}").json
    listed = next(i for i in api.get("/idcontacts").json["items"] if i["id"] == target)
    for record in (detail, listed):
        assert record.get("phone") == phone and ("phone" in record) == (phone is not None)
        assert record.get("email") == email and ("email" in record) == (email is not None)
    exported = list(csv.DictReader(io.StringIO(api.get("/idcontacts/export").text)))
    row = next(r for r in exported if r["name"] == "c-sam")
    assert row.get("phone") == phone and row.get("email") == email
    sign_in(client, org.slug, org.users[who])
    for url in (f"/t/{org.slug}/idcontacts/{target}", f"/t/{org.slug}/idcontacts/"):
        html = client.get(url).text
        assert (SAM_PHONE in html) == (phone == SAM_PHONE)
        assert (MASKED in html) == (phone == MASKED)
        assert ("sam@example.com" in html) == (email is not None)


def test_search_does_not_look_into_fields_the_user_cannot_read(ruled, api_as):
    assert [i["name"] for i in api_as("boss").get("/idcontacts?q=12345678").json["items"]] == ["c-sam"]
    assert api_as("sam").get("/idcontacts?q=12345678").json["items"] == []  # masked: no oracle
    assert api_as("wes").get("/idcontacts?q=12345678").json["items"] == []


def test_masked_or_hidden_fields_cannot_be_written(kernel, ruled, api_as):
    mine = ruled.contacts["c-sam"].id
    response = api_as("sam").patch(f"/idcontacts/{mine}", json={"phone": "1"})
    assert response.status_code == 422 and "phone" in response.json["error"]["fields"]
    assert api_as("sam").patch(f"/idcontacts/{mine}", json={"email": "x@y.z"}).status_code == 422
    assert api_as("sam").patch(f"/idcontacts/{mine}", json={"name": "c-sam2"}).status_code == 200


def test_deleting_a_rule_shows_the_field_again(ruled, api_as, kernel):
    ada = api_as("ada")
    rules = ada.get("/field-rules?entity=idcontact").json["items"]
    assert len(rules) == 3
    masking = next(r for r in rules if r["mode"] == "mask")
    assert ada.get(f"/field-rules/{masking['id']}").json == masking
    assert ada.delete(f"/field-rules/{masking['id']}").status_code == 204
    assert api_as("sam").get(f"/idcontacts/{ruled.contacts['c-sam'].id}").json["phone"] == SAM_PHONE
    logged = audit_rows(kernel, ruled.slug, action="permission", entity="field_rule")
    assert len(logged) == 4 and logged[-1].record_id == str(masking["id"])


@pytest.mark.parametrize("rule, status, field", [
    ({"entity": "idcontact", "field": "nope", "mode": "hide", "role": "sales"}, 422, "field"),
    ({"entity": "nothing", "field": "phone", "mode": "hide", "role": "sales"}, 422, "entity"),
    ({"entity": "idcontact", "field": "phone", "mode": "blur", "role": "sales"}, 422, "mode"),
    ({"entity": "idcontact", "field": "phone", "mode": "hide"}, 422, "role"),
    ({"entity": "idcontact", "field": "phone", "mode": "hide", "role": "admin"}, 422, "role"),
    ({"entity": "idcontact", "field": "phone", "mode": "hide", "role": "ghost"}, 422, "role"),
    ({"entity": "idcontact", "field": "phone", "mode": "mask", "role": "sales"}, 409, None),
    ({"entity": "idcontact", "field": "phone", "mode": "hide", "role": "sales", "extra": 1}, 422, "extra"),
])
def test_bad_field_rules_are_refused(rule, status, field, ruled, api_as):
    response = api_as("ada").post("/field-rules", json=rule)
    assert response.status_code == status
    if field:
        assert field in response.json["error"]["fields"]


def test_mask_value_shapes():
    from core.identity.permissions import mask_value

    assert mask_value("13812345678") == "138****5678"
    assert mask_value("sam@example.com") == "s***@example.com"
    assert mask_value("12345") == "1****"
    assert mask_value("") == "" and mask_value(None) is None
