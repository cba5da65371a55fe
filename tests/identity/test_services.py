"""Identity services without HTTP: seeding, audit helpers, trash, users and departments."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest

from tests.identity.conftest import IDTEST, audit_rows

pytestmark = pytest.mark.xietong_plugins(IDTEST)


def rights(role_key: str) -> dict[tuple[str, str], str]:
    from core.identity.models import AccessRight, Role

    role = Role.get(Role.key == role_key)
    return {(r.entity, r.action): r.scope for r in AccessRight.select().where(AccessRight.role == role)}


def test_builtin_roles_and_default_rights_are_seeded(kernel, tenant):
    from core.identity.models import Role

    with kernel.tenant_context(tenant):
        assert {(r.key, r.builtin) for r in Role.select()} == {
            ("admin", True), ("manager", True), ("sales", True), ("finance", True)}
        assert rights("sales") == {("idcontact", "read"): "own", ("idcontact", "create"): "own",
                                   ("idcontact", "write"): "own", ("idcontact", "delete"): "own",
                                   ("idmemo", "read"): "own"}
        assert rights("finance") == {("idcontact", "read"): "all", ("idcontact", "export"): "all"}
        assert set(rights("manager").values()) == {"subtree"} and len(rights("manager")) == 10
        assert rights("admin") == {}  # admins are not in the matrix: they may do everything


def test_seeding_runs_once_so_admin_edits_survive(kernel, tenant):
    from core.identity import rules
    from core.settings import get_setting

    with kernel.tenant_context(tenant):
        rules.set_right("sales", "idcontact", "read", "all")
        rules.set_right("finance", "idcontact", "export", None)
        assert sorted(get_setting(rules.SEEDED_KEY)) == ["idcontact", "idmemo"]
    kernel.disable_modules(tenant, ["idtest"])
    kernel.enable_modules(tenant, ["idtest"])
    with kernel.tenant_context(tenant):
        assert rights("sales")[("idcontact", "read")] == "all"
        assert ("idcontact", "export") not in rights("finance")
        assert rules.seed_default_rights() == []


def test_upgrading_seeds_the_rights_of_entities_a_newer_version_added(kernel, tenant):
    """A tenant made before an entity existed gets its default rights from `xietong migrate`,
    not only from enabling the module again; what an admin changed stays as they left it."""
    from core.identity import rules
    from core.identity.models import AccessRight
    from core.settings import get_setting, set_setting

    with kernel.tenant_context(tenant):
        before = rights("sales")
        rules.set_right("sales", "idcontact", "read", "all")
        rules.set_right("finance", "idcontact", "export", None)
        # As if idmemo came with an upgrade: never seeded here, no rights for it.
        AccessRight.delete().where(AccessRight.entity == "idmemo").execute()
        set_setting(rules.SEEDED_KEY, ["idcontact"])
        assert ("idmemo", "read") not in rights("sales")
    kernel.migrate_all()
    with kernel.tenant_context(tenant):
        assert rights("sales")[("idmemo", "read")] == before[("idmemo", "read")]
        assert rights("sales")[("idcontact", "read")] == "all"
        assert ("idcontact", "export") not in rights("finance")
        assert sorted(get_setting(rules.SEEDED_KEY)) == ["idcontact", "idmemo"]
    kernel.migrate_all()  # once seeded, a later upgrade leaves an admin's removal alone
    with kernel.tenant_context(tenant):
        rules.set_right("sales", "idmemo", "read", None)
    kernel.migrate_all()
    with kernel.tenant_context(tenant):
        assert ("idmemo", "read") not in rights("sales")


def test_a_new_role_has_no_rights(kernel, tenant):
    from core.identity import services

    with kernel.tenant_context(tenant):
        services.create_role("service", "Service")
        assert rights("service") == {}


def test_snapshot_and_diff():
    from core.identity.audit import diff, snapshot

    before = snapshot({"name": "A", "password_hash": "$argon2...", "amount": decimal.Decimal("1.50"),
                       "when": dt.datetime(2025, 1, 2, 3, 4, 5)})
    assert before == {"name": "A", "password_hash": "***", "amount": "1.50", "when": "2025-01-02T03:04:05"}
    after = {**before, "name": "B", "amount": "1.50"}
    assert diff(before, after) == {"name": ["A", "B"]}
    assert diff(None, {"x": 1}) == {"x": [None, 1]}
    assert diff({"x": 1}, None) == {"x": [1, None]}
    assert diff({"password": "old"}, {"password": "new"}) == {"password": ["***", "***"]}


def test_audit_records_the_acting_user_or_the_system(app, kernel, org):
    from flask import g

    from core.identity.audit import audit, entry_dict

    with kernel.tenant_context(org.slug):
        system = audit("import", "idcontact", 7, {"rows": [0, 3]})
        g.user = org.users["boss"]
        by_user = audit("export", "idcontact", "", {"when": dt.date(2025, 5, 1)})
        assert (system.user, system.username) == (None, "")
        assert (by_user.user, by_user.username) == (org.users["boss"].id, "boss")
        assert entry_dict(by_user)["changes"] == {"when": "2025-05-01"}
        assert entry_dict(system)["at"].endswith("+00:00")


def test_every_identity_change_is_audited_with_before_and_after(kernel, org):
    from core.identity import rules, services, tokens

    with kernel.tenant_context(org.slug):
        ada = org.users["ada"]
        services.update_user(org.users["sam"], {"email": "sam@corp.cn", "department": "Sales"}, ada)
        services.update_department(org.depts["East"], {"name": "East China"}, ada)
        services.create_role("service", "Service", "客服", ada)
        rules.set_right("service", "idmemo", "read", "all", ada)
        token, _ = tokens.create_token(org.users["sam"], "phone", actor=ada)
        tokens.revoke_token(token, ada)
        services.set_password(org.users["sue"], "new password 1", ada)
    logged = [(e.action, e.entity, json.loads(e.changes)) for e in audit_rows(kernel, org.slug, user=ada.id)]
    assert logged[0] == ("update", "user", {"department": [org.depts["East"].id, org.depts["Sales"].id],
                                            "email": ["", "sam@corp.cn"]})
    assert logged[1] == ("update", "department", {"name": ["East", "East China"]})
    assert logged[2][:2] == ("create", "role") and logged[2][2]["name_zh"] == [None, "客服"]
    assert logged[3] == ("permission", "access_right", {"scope": [None, "all"]})
    assert [entry[:2] for entry in logged[4:]] == [("create", "api_token"), ("revoke", "api_token"),
                                                   ("password", "user")]
    assert "new password" not in json.dumps(logged)


def test_role_or_activity_changes_end_sessions(kernel, org):
    from core.identity import services

    with kernel.tenant_context(org.slug):
        sam = org.users["sam"]
        epoch = sam.session_epoch
        services.update_user(sam, {"display_name": "Sam"})
        assert sam.session_epoch == epoch
        services.update_user(sam, {"role": "manager"})
        assert sam.session_epoch == epoch + 1
        services.update_user(sam, {"active": False})
        assert sam.session_epoch == epoch + 2


def test_find_user_prefers_a_name_made_of_digits(kernel, org):
    from core.identity import services

    with kernel.tenant_context(org.slug):
        numbered = services.create_user("1", None, role="sales")
        assert services.find_user("1") == numbered
        assert services.find_user(1) == org.users["ada"]
        assert services.find_user(str(org.users["sue"].id)) == org.users["sue"]


def test_department_tree_lists_parents_before_children(kernel, org):
    from core.identity import services

    with kernel.tenant_context(org.slug):
        services.create_department("Alpha", parent="HQ")
        tree = [("  " * depth) + dept.name for depth, dept in services.department_tree()]
    assert tree == ["Finance", "HQ", "  Alpha", "  Sales", "    East", "West"]


def test_trash_services_refuse_what_makes_no_sense(kernel, org):
    from core.identity import trash
    from core.identity.errors import IdentityError

    with kernel.tenant_context(org.slug):
        contact = org.contacts["c-sam"]
        entry = trash.move_to_trash("idcontact", contact, org.users["sam"])
        assert entry.label == "c-sam" and contact.deleted_at is not None and contact.version == 2
        for call, status in ((lambda: trash.move_to_trash("idcontact", contact), 409),
                             (lambda: trash.move_to_trash("ghost", contact), 404),
                             (lambda: trash.move_to_trash("idmemo", contact), 422),
                             (lambda: trash.restore("idcontact", org.contacts["c-ada"].id), 404),
                             (lambda: trash.purge("idcontact", 999), 404)):
            with pytest.raises(IdentityError) as caught:
                call()
            assert caught.value.status == status
        restored = trash.restore("idcontact", contact.id, org.users["ada"])
        assert restored.deleted_at is None and restored.version == 3
