"""Signing in: login pages, sessions bound to tenant and epoch, CSRF, tokens, throttling."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.identity.conftest import IDTEST, PASSWORD, Api, audit_rows, build_org, prefer_english, sign_in

pytestmark = pytest.mark.xietong_plugins(IDTEST)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(client, slug: str, username: str, password: str = PASSWORD, next_url: str | None = None):
    prefer_english(client)
    form = {"username": username, "password": password,
            "csrf_token": csrf_of(client.get(f"/t/{slug}/login").text)}
    if next_url is not None:
        form["next"] = next_url
    return client.post(f"/t/{slug}/login", data=form)


def test_login_page_logs_in_and_out(client, org, kernel):
    slug = org.slug
    assert client.get(f"/t/{slug}/idcontacts/").status_code == 302  # anonymous page → login
    response = log_in(client, slug, "Sam", next_url=f"/t/{slug}/idcontacts/")  # names ignore case
    assert response.status_code == 302 and response.location == f"/t/{slug}/idcontacts/"
    assert "c-sam" in client.get(f"/t/{slug}/idcontacts/").text
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert client.get(f"/t/{slug}/logout").status_code == 200  # a confirmation page, not a GET logout
    token = csrf_of(client.get(f"/t/{slug}/account/password").text)
    assert client.post(f"/t/{slug}/logout", data={"csrf_token": token}).status_code == 302
    assert client.get(f"/t/{slug}/idcontacts/").status_code == 302
    assert [e.action for e in audit_rows(kernel, slug, user=org.users["sam"].id)][-2:] == ["login", "logout"]


def test_pages_speak_the_tenants_language(app, org):
    chinese = app.test_client()  # no choice made: the tenant's default language, zh_CN
    page = chinese.get(f"/t/{org.slug}/login")
    assert "登录" in page.text and "用户名" in page.text
    form = {"username": "sam", "password": "wrong password", "csrf_token": csrf_of(page.text)}
    assert "用户名或密码错误" in chinese.post(f"/t/{org.slug}/login", data=form).text


def test_wrong_password_and_unknown_user_look_the_same(client, org, kernel):
    wrong = log_in(client, org.slug, "sam", "wrong password")
    unknown = log_in(client, org.slug, "nobody", "wrong password")
    assert wrong.status_code == unknown.status_code == 200
    assert "Wrong user name or password" in wrong.text and "Wrong user name or password" in unknown.text
    assert len(audit_rows(kernel, org.slug, action="login_failed")) == 2


def test_inactive_user_cannot_log_in_and_loses_session_and_tokens(client, org, kernel, api_as):
    sign_in(client, org.slug, org.users["sam"])
    sam = api_as("sam")
    assert sam.get("/users/me").status_code == 200
    api_as("ada").patch(f"/users/{org.users['sam'].id}", json={"active": False})
    assert sam.get("/users/me").status_code == 401
    assert client.get(f"/t/{org.slug}/idcontacts/").status_code == 302
    assert "Wrong user name" in log_in(client, org.slug, "sam").text


def test_open_redirects_are_refused(app, org):
    for target in ("https://evil.example/", "//evil.example/x", "/t/other/", "/\\evil.example"):
        response = log_in(app.test_client(), org.slug, "sam", next_url=target)
        assert response.location == f"/t/{org.slug}/", target


def test_session_is_bound_to_its_tenant(kernel, tenant_factory, client, org):
    other = tenant_factory()
    other_org = build_org(kernel, other)
    log_in(client, org.slug, "sam")
    assert client.get(f"/t/{org.slug}/idcontacts/").status_code == 200
    assert client.get(f"/t/{other}/idcontacts/").status_code == 302  # same browser, other tenant
    assert Api(client, other).get("/users/me").status_code == 401
    log_in(client, other, "boss")  # signed in to both now, as different people
    assert client.get(f"/t/{other}/idcontacts/").status_code == 200
    me_here = Api(client, org.slug).get("/users/me").json
    me_there = Api(client, other).get("/users/me").json
    assert (me_here["username"], me_there["username"]) == ("sam", "boss")
    assert me_there["id"] == other_org.users["boss"].id


def test_password_change_ends_other_sessions(app, client, org):
    slug = org.slug
    other_browser = app.test_client()
    log_in(other_browser, slug, "sam")
    log_in(client, slug, "sam")
    page = client.get(f"/t/{slug}/account/password")
    form = {"csrf_token": csrf_of(page.text), "old_password": "wrong one!", "new_password": "n3w password",
            "confirm_password": "n3w password"}
    refused = client.post(f"/t/{slug}/account/password", data=form)
    assert refused.status_code == 422 and "current password is wrong" in refused.text
    short = client.post(f"/t/{slug}/account/password", data={
        **form, "old_password": PASSWORD, "new_password": "short", "confirm_password": "short"})
    assert short.status_code == 422 and "at least 8" in short.text
    done = client.post(f"/t/{slug}/account/password", data={**form, "old_password": PASSWORD})
    assert done.status_code == 302
    assert client.get(f"/t/{slug}/idcontacts/").status_code == 200  # this session goes on
    assert other_browser.get(f"/t/{slug}/idcontacts/").status_code == 302  # the other one ended
    assert log_in(other_browser, slug, "sam", "n3w password").status_code == 302


def test_admin_reset_ends_sessions(client, org, api_as):
    log_in(client, org.slug, "sam")
    reset = api_as("ada").post(f"/users/{org.users['sam'].id}/password",
                               json={"new_password": "reset pass 1"})
    assert reset.status_code == 204
    assert client.get(f"/t/{org.slug}/idcontacts/").status_code == 302
    assert log_in(client, org.slug, "sam", "reset pass 1").status_code == 302


def test_csrf_is_required_for_session_writes(client, org):
    csrf = sign_in(client, org.slug, org.users["sam"])
    session_api = Api(client, org.slug)
    missing = session_api.post("/idcontacts", json={"name": "x"})
    assert missing.status_code == 400 and missing.json["error"]["code"] == "bad_request"
    wrong = Api(client, org.slug, csrf="not-the-token").post("/idcontacts", json={"name": "x"})
    assert wrong.status_code == 403 and "CSRF" in wrong.json["error"]["message"]
    assert Api(client, org.slug, csrf=csrf).post("/idcontacts", json={"name": "x"}).status_code == 201
    form = client.post(f"/t/{org.slug}/account/tokens", data={"name": "no csrf"})
    assert form.status_code == 400
    form = client.post(f"/t/{org.slug}/account/tokens", data={"name": "bad", "csrf_token": "x" + csrf})
    assert form.status_code == 403
    assert "xt_" in client.post(f"/t/{org.slug}/account/tokens", data={"name": "ok", "csrf_token": csrf}).text
    login = client.post(f"/t/{org.slug}/login", data={"username": "sam", "password": PASSWORD})
    assert login.status_code == 400  # the login form is protected too (login CSRF)


def test_bearer_requests_need_no_csrf_and_bad_headers_are_401(client, org, api_as):
    assert api_as("sam").post("/idcontacts", json={"name": "via token"}).status_code == 201
    for header in ("Basic c2FtOnB3", "Bearer", "Bearer xt_not-a-real-token", "Token abc"):
        response = client.get(f"/t/{org.slug}/api/v1/users/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(f"/t/{org.slug}/api/v1/idcontacts").status_code == 401  # no credentials at all


def test_expired_and_revoked_tokens_are_401(kernel, client, org, api_as):
    from core.identity.models import ApiToken, utcnow
    from core.identity.tokens import create_token

    sam = api_as("sam")
    created = sam.post(f"/users/{org.users['sam'].id}/tokens",
                       json={"name": "short-lived", "expires_at": "2099-01-01T00:00:00+08:00"})
    assert created.status_code == 201
    fresh = Api(client, org.slug, created.json["token"])
    assert fresh.get("/users/me").status_code == 200
    with kernel.tenant_context(org.slug):
        ApiToken.update(expires_at=utcnow() - dt.timedelta(seconds=1)).where(
            ApiToken.id == created.json["id"]).execute()
        with pytest.raises(ValueError, match="in the past"):
            create_token(org.users["sam"], "x", expires_at=utcnow() - dt.timedelta(days=1))
    assert fresh.get("/users/me").status_code == 401
    mine = sam.get(f"/users/{org.users['sam'].id}/tokens").json["items"]
    original = next(t["id"] for t in mine if t["name"] == "tests")
    assert api_as("boss").delete(f"/tokens/{original}").status_code == 404  # not boss's to see
    assert sam.delete(f"/tokens/{original}").status_code == 204
    assert sam.get("/users/me").status_code == 401
    listed = api_as("ada").get(f"/users/{org.users['sam'].id}/tokens").json["items"]
    assert all(t["revoked_at"] or t["name"] == "short-lived" for t in listed)
    assert all("token" not in t for t in listed)  # the secret is shown once, at creation


def test_token_of_one_tenant_is_401_in_another(kernel, tenant_factory, client, org):
    other = tenant_factory()
    build_org(kernel, other)
    stranger = Api(client, other, org.tokens["ada"])
    assert stranger.get("/users/me").status_code == 401
    assert stranger.get("/idcontacts").status_code == 401
    assert stranger.post("/idcontacts", json={"name": "x"}).status_code == 401
    assert client.get(f"/t/{other}/idcontacts/", headers={"Authorization": f"Bearer {org.tokens['ada']}"}
                      ).status_code == 401


def test_tokens_are_hashed_at_rest(kernel, org):
    from core.identity.models import ApiToken

    with kernel.tenant_context(org.slug):
        stored = [(t.token_hash, t.prefix) for t in ApiToken.select()]
    for raw in org.tokens.values():
        assert all(raw not in token_hash for token_hash, _ in stored)
        assert any(raw.startswith(prefix) for _, prefix in stored)


def test_login_throttling_holds_across_processes(app, xietong_config, client, org, kernel):
    from core.app import create_app
    from core.identity.models import LoginAttempt

    for _ in range(5):
        assert log_in(client, org.slug, "sam", "wrong password").status_code == 200
    blocked = log_in(client, org.slug, "sam")  # the right password does not get through now
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    second = create_app(xietong_config)  # another process on the same installation
    try:
        assert log_in(second.test_client(), org.slug, "SAM").status_code == 429
    finally:
        second_kernel = second.extensions["xietong"]
        for db in [*second_kernel._tenant_dbs.values(), second_kernel.control_db]:
            db.close()
    assert log_in(app.test_client(), org.slug, "sue").status_code == 302  # others are not locked out
    with kernel.tenant_context(org.slug):
        for attempt in LoginAttempt.select():
            attempt.at -= dt.timedelta(minutes=16)
            attempt.save()
    assert log_in(client, org.slug, "sam").status_code == 302  # the window has passed


@pytest.mark.xietong_config(XIETONG_LOGIN_MAX_FAILURES_PER_ADDRESS=6)
def test_login_throttling_per_address(client, org):
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        log_in(client, org.slug, name, "wrong password")
    assert log_in(client, org.slug, "boss").status_code == 429


def _from(client, address: str, forwarded: str | None = None):
    """Requests of ``client`` arrive from ``address``, with X-Forwarded-For ``forwarded``."""
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded is None:
        client.environ_base.pop("HTTP_X_FORWARDED_FOR", None)
    else:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


@pytest.mark.xietong_config(XIETONG_LOGIN_MAX_FAILURES_PER_ADDRESS=3, XIETONG_PROXY_HOPS=1)
def test_behind_a_proxy_each_client_address_has_its_own_throttle(app, client, org, kernel):
    from core.identity.models import AuditEntry

    proxy = "10.0.0.2"
    # The proxy appends the address it saw; what the client wrote before it is not believed.
    for name in ("x1", "x2", "x3"):
        log_in(_from(client, proxy, "198.51.100.9, 203.0.113.5"), org.slug, name, "wrong password")
    assert log_in(_from(client, proxy, "203.0.113.5"), org.slug, "boss").status_code == 429
    colleague = _from(app.test_client(), proxy, "203.0.113.77")
    assert log_in(colleague, org.slug, "boss").status_code == 302  # the office is not locked out
    with kernel.tenant_context(org.slug):
        failed = AuditEntry.select().where(AuditEntry.action == "login_failed")
        assert {entry.address for entry in failed} == {"203.0.113.5"}


@pytest.mark.xietong_config(XIETONG_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
def test_without_a_proxy_setting_a_forged_forwarded_address_changes_nothing(client, org):
    for n, name in enumerate(("y1", "y2", "y3")):
        log_in(_from(client, "192.0.2.8", f"203.0.113.{n}"), org.slug, name, "wrong password")
    assert log_in(_from(client, "192.0.2.8", "203.0.113.200"), org.slug, "boss").status_code == 429


def test_a_proxy_hops_setting_that_is_not_a_count_is_refused_at_start(xietong_config):
    from core.app import create_app

    for wrong in ("two", "-1", "1.5", "99"):
        with pytest.raises(ValueError, match="XIETONG_PROXY_HOPS"):
            create_app({**xietong_config, "XIETONG_PROXY_HOPS": wrong})


def test_public_and_login_required_decorators(app, org, kernel):
    from core.identity.auth import login_required

    assert getattr(app.view_functions["identity.login"], "_xietong_public", False)
    assert not getattr(app.view_functions["identity.tokens"], "_xietong_public", False)
    calls = []

    @login_required
    def view():
        calls.append(1)
        return "ok"

    with app.test_request_context(f"/t/{org.slug}/probe?x=1"):
        from flask import g

        g.tenant, g.user = kernel.runtime(org.slug), None
        response = view()
        assert response.status_code == 302 and calls == []
        assert response.location == f"/t/{org.slug}/login?next=/t/{org.slug}/probe%3Fx%3D1"
        g.user = org.users["sam"]
        assert view() == "ok" and calls == [1]
