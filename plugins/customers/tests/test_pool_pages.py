"""The pool's pages in both languages: pools with figures, claiming from a pool page, the pool
form with its errors, the customer's tabs (follow-ups, owners, collaborators), the to-do page
and the lead pages — every form posting with the session's CSRF token."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest

from core.web.testing import login
from plugins.customers import followups
from plugins.customers import pool as pools
from plugins.customers.collaborators_models import Collaborator
from plugins.customers.followups_models import Followup, FollowupAttachment
from plugins.customers.leads_models import Lead
from plugins.customers.models import Attachment, Customer
from plugins.customers.pool_common import utcnow
from plugins.customers.pool_models import Pool, PoolState
from plugins.customers.pool_testing import act_as, customer, team

pytestmark = pytest.mark.xietong_plugins("plugins.customers:plugin")


@pytest.fixture
def site(kernel, tenant, client):
    with kernel.tenant_context(tenant):
        people = team()
        act_as(people.boss)
        east = pools.create_pool({"name": "East pool", "departments": [people.east.id],
                                  "rules": [{"kind": "no_followup", "days": 30}]})
        pooled = customer("Pooled Co", phone="13800138000")
        in_east = customer("East Co")
        PoolState.create(customer=in_east, pool=east)
        owned = customer("Owned Co", owner=people.east1)
    return SimpleNamespace(people=people, client=client, kernel=kernel, tenant=tenant, east=east,
                           pooled=pooled, in_east=in_east, owned=owned, web=f"/t/{tenant}")


def sign_in(site, user: str, lang: str = "en") -> str:
    csrf = login(site.client, site.tenant, getattr(site.people, user))
    with site.client.session_transaction() as session:
        session["lang"] = lang
    return csrf


def page(site, path: str, status: int = 200) -> str:
    got = site.client.get(site.web + path)
    assert got.status_code == status, (path, got.status_code)
    return got.get_data(as_text=True)


def test_pages_render_in_both_languages(site):
    expected = {"en": ["Public pools", "In the pool", "Claim", "Due today and overdue", "Owner since"],
                "zh_CN": ["公海", "池中客户", "领取", "今日待跟进及逾期", "领取时间"]}
    for lang, words in expected.items():
        sign_in(site, "east1", lang)
        text = "".join(page(site, path) for path in (
            "/pools/", f"/pools/{site.east.id}/", "/followups/", f"/customers/{site.owned.id}/tab/owners",
            f"/customers/{site.owned.id}/tab/followups", f"/customers/{site.owned.id}/tab/collaborators",
            "/leads/pool/"))
        for word in words:
            assert word in text, (lang, word)
    nav = page(site, "/")
    assert "公海" in nav and "我的跟进" in nav and "线索" in nav


def test_pool_page_claims_and_shows_figures(site):
    csrf = sign_in(site, "east1")
    text = page(site, f"/pools/{site.east.id}/")
    assert "East Co" in text and 'data-figure="in_pool">1<' in text
    got = site.client.post(f"{site.web}/customers/{site.in_east.id}/pool/claim",
                           data={"csrf_token": csrf, "next": f"/t/{site.tenant}/pools/{site.east.id}/"})
    assert got.status_code == 302 and got.location.endswith(f"/pools/{site.east.id}/")
    assert "The customer is yours now." in page(site, f"/pools/{site.east.id}/")
    with site.kernel.tenant_context(site.tenant):
        assert Customer.get_by_id(site.in_east.id).owner_id == site.people.east1.id
    # Outside the pools you can see: 404, not a hint.
    sign_in(site, "north1")
    assert site.client.get(f"{site.web}/pools/{site.east.id}/").status_code == 404
    refused = site.client.post(f"{site.web}/customers/{site.in_east.id}/pool/claim",
                               data={"csrf_token": csrf})
    assert refused.status_code == 404
    assert site.client.post(f"{site.web}/customers/{site.pooled.id}/pool/claim").status_code == 400  # no CSRF
    off_site = site.client.post(f"{site.web}/customers/{site.pooled.id}/pool/claim",
                                data={"csrf_token": csrf, "next": "//evil.example/"})
    assert off_site.location == f"/t/{site.tenant}/customers/{site.pooled.id}?tab=owners"


def test_pool_form_shows_errors_then_saves(site):
    csrf = sign_in(site, "boss")
    assert "rule_days_0" in page(site, "/pools/new")
    bad = site.client.post(f"{site.web}/pools/new", data={
        "csrf_token": csrf, "name": "West", "warn_days": "2", "rule_kind_0": "no_followup",
        "rule_days_0": "-5"})
    assert bad.status_code == 422 and "a day count is a whole number" in bad.get_data(as_text=True)
    good = site.client.post(f"{site.web}/pools/new", data={
        "csrf_token": csrf, "name": "West", "warn_days": "2", "auto_return": "on", "daily_claims": "5",
        "departments": [str(site.people.north.id)], "rule_kind_0": "no_followup", "rule_days_0": "45",
        "rule_kind_1": "no_deal", "rule_days_1": "90", "rule_level_1": "A"})
    assert good.status_code == 302
    with site.kernel.tenant_context(site.tenant):
        west = Pool.get(Pool.name == "West")
        assert sorted((r.kind, r.days, r.level) for r in west.rules) == [("no_deal", 90, "A"),
                                                                      ("no_followup", 45, "")]
        assert west.daily_claims == 5 and west.max_held is None
    held = site.client.post(f"{site.web}/pools/{site.east.id}/delete", data={"csrf_token": csrf})
    assert held.status_code == 302
    assert "still holds 1 customers" in page(site, f"/pools/{site.east.id}/")
    gone = site.client.post(f"{site.web}/pools/{west.id}/delete", data={"csrf_token": csrf})
    assert gone.status_code == 302
    assert site.client.get(f"{site.web}/pools/{west.id}/").status_code == 404
    sign_in(site, "east1")
    assert site.client.get(f"{site.web}/pools/new").status_code == 403


def test_customer_tabs_record_followups_share_and_release(site):
    csrf = sign_in(site, "east1")
    record = page(site, f"/customers/{site.owned.id}?tab=followups")
    assert "Follow-ups" in record and "Owners" in record and "Collaborators" in record
    posted = site.client.post(f"{site.web}/customers/{site.owned.id}/followups", data={
        "csrf_token": csrf, "kind": "visit", "content": "Met <b>the buyer</b>", "next_at": "2099-01-02T10:00",
        "next_note": "send the quote"})
    assert posted.status_code == 302 and posted.location.endswith("tab=followups")
    tab = page(site, f"/customers/{site.owned.id}/tab/followups")
    assert "Met &lt;b&gt;the buyer&lt;/b&gt;" in tab and "send the quote" in tab
    with site.kernel.tenant_context(site.tenant):
        [followup] = Followup.select().where(Followup.customer == site.owned.id)
        assert followup.next_at == dt.datetime(2099, 1, 2, 2, 0)  # read in the tenant's time zone
    empty = site.client.post(f"{site.web}/customers/{site.owned.id}/followups",
                             data={"csrf_token": csrf, "kind": "call", "content": ""})
    assert empty.status_code == 302
    assert "content:" in page(site, f"/customers/{site.owned.id}?tab=followups")  # the error is flashed

    upload = site.client.post(f"{site.web}/customers/{site.owned.id}/followups", data={
        "csrf_token": csrf, "kind": "email", "content": "Sent the contract",
        "file": (io.BytesIO(b"contract draft v2"), "contract.txt")})
    assert upload.status_code == 302
    failed = site.client.post(f"{site.web}/customers/{site.owned.id}/followups", data={
        "csrf_token": csrf, "kind": "email", "content": "", "file": (io.BytesIO(b"orphan"), "orphan.txt")})
    assert failed.status_code == 302
    with site.kernel.tenant_context(site.tenant):
        names = [a.filename for a in Attachment.select().where(Attachment.customer == site.owned.id)]
        assert names == ["contract.txt"]  # the failed follow-up took its upload with it
        linked = FollowupAttachment.select().join(Followup).where(Followup.content == "Sent the contract")
        assert linked.count() == 1
    assert "contract.txt" in page(site, f"/customers/{site.owned.id}/tab/followups")

    shared = site.client.post(f"{site.web}/customers/{site.owned.id}/collaborators",
                              data={"csrf_token": csrf, "user": str(site.people.north1.id),
                                    "access": "write"})
    assert shared.status_code == 302
    assert "North One" in page(site, f"/customers/{site.owned.id}/tab/collaborators")
    with site.kernel.tenant_context(site.tenant):
        assert Collaborator.get(Collaborator.customer == site.owned.id).access == "write"

    no_reason = site.client.post(f"{site.web}/customers/{site.owned.id}/pool/release",
                                 data={"csrf_token": csrf, "reason": ""})
    assert no_reason.status_code == 302
    with site.kernel.tenant_context(site.tenant):
        assert Customer.get_by_id(site.owned.id).owner_id == site.people.east1.id
    site.client.post(f"{site.web}/customers/{site.owned.id}/pool/release",
                     data={"csrf_token": csrf, "reason": "budget frozen"})
    owners = page(site, f"/customers/{site.owned.id}/tab/owners")
    assert "Put back into the pool" in owners and "budget frozen" in owners


def test_todo_page_lists_plans_and_ticks_them_off(site):
    csrf = sign_in(site, "east1")
    with site.kernel.tenant_context(site.tenant):
        plan = followups.create_plan(site.people.east1, site.owned.id, {
            "due_at": (utcnow() + dt.timedelta(minutes=5)).replace(tzinfo=dt.UTC).isoformat(),
            "note": "call back"})
    text = page(site, "/followups/")
    assert "call back" in text and "Owned Co" in text
    done = site.client.post(f"{site.web}/followups/plans/{plan.id}/done", data={"csrf_token": csrf})
    assert done.status_code == 302
    assert "call back" not in page(site, "/followups/")
    sign_in(site, "east2")
    theirs = site.client.post(f"{site.web}/followups/plans/{plan.id}/done", data={"csrf_token": csrf})
    assert theirs.status_code == 404


def test_lead_pages_claim_and_convert(site):
    csrf = sign_in(site, "north1", "zh_CN")
    with site.kernel.tenant_context(site.tenant):
        lead = Lead.create(name="杭州云帆网络有限公司", contact_name="赵敏", mobile="13500135000",
                           source="website")
    assert "杭州云帆" in page(site, "/leads/pool/")
    site.client.post(f"{site.web}/leads/{lead.id}/pool/claim", data={"csrf_token": csrf})
    tab = page(site, f"/leads/{lead.id}/tab/convert")
    assert "转化为客户" in tab
    done = site.client.post(f"{site.web}/leads/{lead.id}/convert", data={"csrf_token": csrf, "contact": "on"})
    assert done.status_code == 302 and "/customers/" in done.location
    with site.kernel.tenant_context(site.tenant):
        converted = Lead.get_by_id(lead.id)
        assert converted.status == "converted" and converted.customer_id is not None
        assert Customer.get_by_id(converted.customer_id).owner_id == site.people.north1.id
    assert "已转化为" in page(site, f"/leads/{lead.id}/tab/convert")
