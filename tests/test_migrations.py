"""Numbered migrations per plugin and tenant; `xietong migrate`; a failing step rolls back."""

from __future__ import annotations

import pytest

from core.migrations import MigrationError, MigrationRecord, steps_of
from tests.conftest import LEDGER, LEDGER_V2, NOTES, PULSE, TAGS, stderr_lines
from tests.plugins.ledger.models import Entry


def _history(kernel, slug: str) -> list[tuple[str, int, str]]:
    with kernel.tenant_context(slug):
        rows = MigrationRecord.select().where(MigrationRecord.plugin != "core")
        return sorted((r.plugin, r.number, r.name) for r in rows)


def _columns(kernel, slug: str, table: str) -> set[str]:
    with kernel.tenant_context(slug) as runtime:
        return {c.name for c in runtime.database.get_columns(table)}


def test_steps_are_ordered_by_number_and_helpers_are_not_steps():
    steps = steps_of("tests.plugins.ledger.migrations_v2")
    assert [(number, name) for number, name, _ in steps] == [
        (1, "0001_initial"), (2, "0002_add_currency"), (10, "0010_backfill_currency"),
    ]
    assert all(callable(module.upgrade) for _, _, module in steps)


def test_two_steps_with_one_number_are_refused():
    with pytest.raises(RuntimeError, match="has two steps with the same number"):
        steps_of("tests.plugins.ledger.migrations_dup")


@pytest.mark.xietong_plugins(NOTES, TAGS, PULSE)
def test_history_is_kept_per_tenant_and_plugin(kernel, tenant_factory, cli):
    both = tenant_factory("both", modules=["tags"])
    pulse_only = tenant_factory("pulse-only", modules=["pulse"])
    assert _history(kernel, both) == [
        ("notes", 1, "0001_initial"), ("notes", 2, "0002_events_and_ticks"), ("tags", 1, "0001_initial"),
    ]
    assert _history(kernel, pulse_only) == [("pulse", 1, "0001_initial")]
    with kernel.tenant_context(both) as runtime:
        assert "pulse_beat" not in runtime.database.get_tables()

    # everything is up to date: `xietong migrate` applies nothing and says so for each tenant
    result = cli("migrate")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["both: 0 step(s) applied", "pulse-only: 0 step(s) applied"]


@pytest.mark.xietong_plugins(NOTES, LEDGER)
def test_migrate_upgrades_every_tenant_and_a_failing_step_rolls_that_tenant_back(
        app, kernel, tenant_factory, make_app, cli):
    for slug in ("acme", "doomed", "zeta"):
        tenant_factory(slug)
        with kernel.tenant_context(slug):
            Entry.create(description="consulting", amount_minor=1234_50)
    with kernel.tenant_context("doomed"):
        bad = Entry.create(description="typo", amount_minor=-5)

    # the ledger plugin is upgraded: the same installation now runs ledger 2.0.0
    upgraded = make_app(plugins=[NOTES, LEDGER_V2], share=True).extensions["xietong"]
    assert upgraded.plugins["ledger"].version == "2.0.0"

    result = cli("migrate", on=upgraded)

    assert result.exit_code == 2
    [line] = stderr_lines(result)
    assert line.startswith(
        "xietong: error: migration failed in tenant 'doomed', plugin 'ledger', step 0010_backfill_currency: "
        "ValueError: entry 2 has a negative amount"
    )
    assert line.endswith("(the tenant was rolled back)")
    # the tenant before it was migrated completely
    assert ("ledger", 10, "0010_backfill_currency") in _history(upgraded, "acme")
    with upgraded.tenant_context("acme") as runtime:
        assert runtime.database.execute_sql("SELECT currency FROM ledger_entry").fetchall() == [("CNY",)]
    # the failing tenant is exactly as it was: no new column, no new history, its data intact
    assert _history(upgraded, "doomed") == [("ledger", 1, "0001_initial"), ("notes", 1, "0001_initial"),
                                            ("notes", 2, "0002_events_and_ticks")]
    assert "currency" not in _columns(upgraded, "doomed", "ledger_entry")
    with upgraded.tenant_context("doomed"):
        assert Entry.select().count() == 2

    # the admin corrects the data and runs it again: only what is missing is applied
    with upgraded.tenant_context("doomed"):
        Entry.update(amount_minor=5).where(Entry.id == bad.id).execute()
    result = cli("migrate", on=upgraded)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "acme: 0 step(s) applied"
    assert lines[1] == "doomed: 2 step(s) applied (ledger:0002_add_currency, ledger:0010_backfill_currency)"
    assert lines[2] in ("zeta: 0 step(s) applied",
                        "zeta: 2 step(s) applied (ledger:0002_add_currency, ledger:0010_backfill_currency)")
    for slug in ("acme", "doomed", "zeta"):
        assert [n for p, n, _ in _history(upgraded, slug) if p == "ledger"] == [1, 2, 10]
        assert "currency" in _columns(upgraded, slug, "ledger_entry")


@pytest.mark.xietong_plugins(NOTES, LEDGER)
def test_migration_error_names_tenant_plugin_and_step(kernel, tenant_factory, make_app):
    slug = tenant_factory("doomed")
    with kernel.tenant_context(slug):
        Entry.create(description="refund", amount_minor=-100)
    upgraded = make_app(plugins=[NOTES, LEDGER_V2], share=True).extensions["xietong"]
    with pytest.raises(MigrationError) as failed:
        upgraded.migrate_all()
    error = failed.value
    assert (error.tenant, error.plugin, error.step) == ("doomed", "ledger", "0010_backfill_currency")
    assert isinstance(error.cause, ValueError)
    # the step that had succeeded within the same run was undone too
    assert "currency" not in _columns(upgraded, slug, "ledger_entry")
