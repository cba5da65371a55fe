"""The sign-in cache: a token or session is looked up once, and every audited change to users,
roles and tokens — made by this process or another — counts from the very next request."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import g

from core.identity import authcache
from core.identity.tokens import hash_token
from tests.identity.conftest import IDTEST, Api, sign_in

pytestmark = pytest.mark.xietong_plugins(IDTEST)


@contextmanager
def elsewhere(kernel, slug):
    """Work in the tenant's database the way another worker process would: through the
    database only, leaving this process's cached runtime (and the sign-in cache in it) alone
    (``kernel.tenant_context`` would reload the runtime and so empty the cache)."""
    with kernel.app.app_context():
        g.tenant = kernel.runtime(slug)
        with g.tenant.database.connection_context():
            yield g.tenant


def cached_keys(kernel, slug):
    return set(kernel.runtime(slug).extra.get("identity.authcache", {}))


def test_revoking_a_token_in_another_process_locks_it_out_at_once(kernel, org, api_as):
    from core.identity.models import ApiToken
    from core.identity.tokens import revoke_token

    sam = api_as("sam")
    assert sam.get("/users/me").json["username"] == "sam"
    assert ("token", hash_token(org.tokens["sam"])) in cached_keys(kernel, org.slug)
    with elsewhere(kernel, org.slug):
        revoke_token(ApiToken.get(ApiToken.token_hash == hash_token(org.tokens["sam"])))
    assert ("token", hash_token(org.tokens["sam"])) in cached_keys(kernel, org.slug)  # still held…
    assert sam.get("/users/me").status_code == 401  # …and not trusted: the audit trail moved
    assert api_as("sue").get("/users/me").status_code == 200


def test_role_and_deactivation_count_from_the_next_request(org, api_as, client):
    sam, ada = api_as("sam"), api_as("ada")
    assert sam.get("/users").status_code == 200
    assert sam.post("/users", json={"username": "newbie", "password": "long enough pw 1"}).status_code == 403
    assert ada.patch(f"/users/{org.users['sam'].id}", json={"role": "admin"}).status_code == 200
    created = sam.post("/users", json={"username": "newbie", "password": "long enough pw 1"})
    assert created.status_code == 201, created.json
    session = Api(client, org.slug, None, sign_in(client, org.slug, org.users["sue"]))
    assert session.get("/users/me").json["username"] == "sue"
    assert ada.delete(f"/users/{org.users['sue'].id}").status_code == 204
    assert session.get("/users/me").status_code == 401
    assert api_as("sue").get("/users/me").status_code == 401


def test_a_change_behind_the_applications_back_lives_at_most_ttl(kernel, org, api_as, monkeypatch):
    from core.identity.models import User

    sam = api_as("sam")
    assert sam.get("/users/me").status_code == 200
    with elsewhere(kernel, org.slug):
        User.update(active=False).where(User.id == org.users["sam"].id).execute()  # not audited
    assert sam.get("/users/me").status_code == 200  # within TTL nothing told us
    later = authcache.time.monotonic() + authcache.TTL + 1
    monkeypatch.setattr(authcache.time, "monotonic", lambda: later)
    assert sam.get("/users/me").status_code == 401


def test_every_request_gets_its_own_user_object(kernel, org):
    with elsewhere(kernel, org.slug):
        first = authcache.user_by_id(org.users["boss"].id)
        first.display_name = "changed in one request"
        first.role.key = "admin"
        second = authcache.user_by_id(org.users["boss"].id)
        assert second is not first and second.display_name != "changed in one request"
        assert second.role.key == "manager" and not second.is_admin and not second._dirty
        assert authcache.user_by_id(987654) is None and authcache.user_by_id("1") is None


def test_tokens_of_one_tenant_stay_unknown_in_another(kernel, org, tenant_factory, client):
    other = tenant_factory()
    stranger = Api(client, other, org.tokens["ada"])
    assert stranger.get("/users/me").status_code == 401
    assert Api(client, org.slug, org.tokens["ada"]).get("/users/me").status_code == 200
    assert stranger.get("/users/me").status_code == 401  # a cached answer in one tenant is not another's


def test_audit_stamps_of_different_entity_sets_share_a_request_and_move_with_their_entities(kernel, org):
    from core.identity.audit import audit, audit_stamp
    from core.identity.models import AuditEntry

    with elsewhere(kernel, org.slug):
        users_only, rules_only = audit_stamp(("user",)), audit_stamp(("field_rule", "no_such_entity"))
        users = AuditEntry.select().where(AuditEntry.entity == "user")
        newest_user = users.order_by(AuditEntry.id.desc()).get()
        assert users_only == newest_user.id and rules_only is None
        entry = audit("update", "field_rule", 1, {"mode": ["hide", "mask"]})
        assert audit_stamp(("field_rule", "no_such_entity")) == entry.id  # the request's own change counts
        assert audit_stamp(("user",)) == users_only
        assert audit_stamp(("user", "field_rule")) == entry.id
