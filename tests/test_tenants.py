"""Tenants: slugs, creation, listing, one database (file or schema) each."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.tenancy import RESERVED_SLUGS, Tenant, TenantError, validate_slug
from tests.conftest import NOTES, TAGS
from tests.plugins.notes.models import Note

BAD_SLUGS = ["", "Acme", "acme_co", "-acme", "acme-", "a" * 41, "acmé", "acme co", "../etc", "acme/x",
             "ac.me"]
GOOD_SLUGS = ["a", "acme", "acme-2", "9lives", "a" * 40]


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_bad_slugs_are_refused_with_the_rule(slug):
    with pytest.raises(TenantError, match="invalid tenant slug .*lowercase letters, digits and dashes"):
        validate_slug(slug)


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS) + ["pg-toast"])
def test_reserved_slugs_are_refused(slug):
    with pytest.raises(TenantError, match=f"tenant slug '{slug}' is reserved"):
        validate_slug(slug)


@pytest.mark.parametrize("slug", GOOD_SLUGS)
def test_good_slugs_pass(slug):
    assert validate_slug(slug) == slug


@pytest.mark.xietong_plugins(NOTES)
def test_refused_tenant_leaves_nothing_behind(kernel, db_backend):
    for slug, message in (("Bad_Slug", "invalid tenant slug"), ("admin", "is reserved")):
        with pytest.raises(TenantError, match=message):
            kernel.create_tenant(slug, "Nope")
    with pytest.raises(TenantError, match="needs a name"):
        kernel.create_tenant("nameless", "   ")
    assert kernel.tenants() == []
    if db_backend == "sqlite":
        assert not (Path(kernel.config["XIETONG_DATA"]) / "tenants" / "nameless.db").exists()
    else:
        assert not _schema_exists(kernel, kernel.databases.schema_name("nameless"))


def _schema_exists(kernel, schema: str) -> bool:
    db = kernel.databases._postgres("public")
    with db.connection_context():
        return bool(db.execute_sql("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
                                   (schema,)).fetchone())


@pytest.mark.xietong_plugins(NOTES, TAGS)
def test_create_and_list_tenants(kernel, tenant_factory):
    tenant_factory("beta", modules=["notes"], name="Beta Trading")
    tenant_factory("alpha", name="阿尔法科技")
    rows = kernel.tenants()
    assert [(t.slug, t.name) for t in rows] == [("alpha", "阿尔法科技"), ("beta", "Beta Trading")]
    assert kernel.module_states("alpha") == {"core": True, "notes": True, "tags": True}
    assert kernel.module_states("beta") == {"core": True, "notes": True}
    alpha = kernel.runtime("alpha")
    assert (alpha.language, alpha.timezone) == ("zh_CN", "Asia/Shanghai")
    with pytest.raises(TenantError, match="tenant 'alpha' already exists"):
        kernel.create_tenant("alpha", "Again")
    with pytest.raises(TenantError, match="unknown tenant 'gamma'"):
        kernel.module_states("gamma")
    with pytest.raises(TenantError, match="unknown tenant 'gamma'"), kernel.tenant_context("gamma"):
        pass


@pytest.mark.xietong_plugins(NOTES)
def test_each_tenant_has_its_own_database(kernel, tenant_factory, db_backend):
    tenant_factory("north")
    tenant_factory("south-east")
    for slug in ("north", "south-east"):
        with kernel.tenant_context(slug):
            Note.create(title=f"written in {slug}")
    for slug, other in (("north", "south-east"), ("south-east", "north")):
        with kernel.tenant_context(slug) as runtime:
            titles = {n.title for n in Note.select()}
            assert f"written in {slug}" in titles and f"written in {other}" not in titles
            db = runtime.database
            if db_backend == "sqlite":
                assert Path(db.database) == Path(kernel.config["XIETONG_DATA"]) / "tenants" / f"{slug}.db"
                pragmas = {name: db.execute_sql(f"PRAGMA {name}").fetchone()[0]
                           for name in ("journal_mode", "foreign_keys", "busy_timeout")}
                assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000}
            else:
                schema = kernel.databases.schema_name(slug)
                assert db.execute_sql("SELECT current_schema()").fetchone()[0] == schema
                found = db.execute_sql(
                    "SELECT table_schema FROM information_schema.tables WHERE table_name = 'notes_note' "
                    "AND table_schema LIKE %s", (kernel.config["XIETONG_SCHEMA_PREFIX"] + "%",)
                ).fetchall()
                assert sorted(r[0] for r in found) == sorted(
                    kernel.databases.schema_name(s) for s in ("north", "south-east")
                )
    with kernel.app.app_context():  # the control database holds tenants, never their data
        assert {t.slug for t in Tenant.select()} == {"north", "south-east"}
        assert kernel.control_db.table_exists("control_tenant")
        assert not kernel.control_db.table_exists("notes_note")
