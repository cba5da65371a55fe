"""Hook implementations of the notes test plugin: one of every kind the kernel offers."""

from __future__ import annotations

from typing import Any

import click

from core.signals import record_created
from core.toolkit import (
    EntityType,
    MenuItem,
    PeriodicTask,
    RecordTab,
    RowFilter,
    Task,
    Widget,
    current_tenant,
    hookimpl,
)
from tests.plugins.notes import views
from tests.plugins.notes.models import MODELS, Note, NoteEvent, NoteTick

WELCOME = "Welcome to notes"


@hookimpl
def crm_entity_types(kernel):
    return [EntityType(key="note", label="Note", label_zh="便签", model=Note, owner_field="owner",
                       default_rights={"sales": ("read", "create")})]


@hookimpl
def crm_models(kernel):
    return list(MODELS)


@hookimpl
def crm_migrations(kernel):
    return "tests.plugins.notes.migrations"


@hookimpl
def crm_blueprints(kernel):
    return [views.pages, views.api]


@hookimpl
def crm_module_enabled(kernel, tenant):
    # Idempotent seeding: enabling again must not add a second welcome note.
    if not Note.select().where(Note.title == WELCOME).exists():
        Note.create(title=WELCOME, body=f"seeded for {tenant.slug}")


@hookimpl
def crm_menu_items(kernel, user):
    return [MenuItem(key="notes", title="Notes", title_zh="便签", endpoint="notes.index", order=50,
                     permission=("note", "read"))]


@hookimpl
def crm_record_tabs(kernel, entity, record, user):
    if entity != "customer":
        return None
    return [RecordTab(key="notes", title="Notes", title_zh="便签", endpoint="notes.index",
                      endpoint_args={"customer": getattr(record, "id", None)}, order=30)]


def _widget_data(kernel: Any, user: Any, settings: dict) -> dict:
    return {"count": Note.select().count()}


@hookimpl
def crm_dashboard_widgets(kernel, user):
    return [Widget(key="notes.count", title="Notes", title_zh="便签数", data=_widget_data,
                   size="small", module="notes")]


def _is_guest(user: Any) -> bool:
    return str(getattr(user, "username", "")).startswith("guest")


@hookimpl
def crm_permission_check(kernel, user, action, entity, record):
    if entity != "note" or record is None:
        return None
    if action == "delete" and record.locked:
        return False  # a veto: nobody deletes a locked note
    if _is_guest(user) and record.owner != user.username:
        return False  # guests only ever see their own notes
    return None


@hookimpl
def crm_permission_filter(kernel, user, action, entity, model):
    if entity == "note" and _is_guest(user):
        return RowFilter(restrict=model.owner == user.username)  # the list form of the rule above
    return None


@hookimpl
def crm_field_rules(kernel, user, entity):
    if entity == "note" and _is_guest(user):
        return {"body": "mask"}
    return None


def _on_record_created(sender: Any, *, tenant: str, entity: str, record: Any, **extra: Any) -> None:
    NoteEvent.create(entity=entity, record_id=record.id)


@hookimpl
def crm_signal_receivers(kernel):
    heard = kernel.app.extensions.setdefault("notes.heard", [])

    def remember(sender: Any, **kwargs: Any) -> None:
        heard.append((kwargs.get("tenant"), kwargs.get("entity")))

    return [(record_created, _on_record_created), (record_created, remember)]


def _add_note(kernel: Any, title: str) -> int:
    return Note.create(title=title, body=f"queued in {current_tenant().slug}").id


def _tick(kernel: Any) -> None:
    slug = current_tenant().slug
    if Note.select().where(Note.title == "explode").exists():
        raise RuntimeError(f"tick refused in {slug}: a note says explode")
    NoteTick.create(tenant=slug)


@hookimpl
def crm_tasks(kernel):
    return [Task(name="notes.add", func=_add_note)]


@hookimpl
def crm_periodic_tasks(kernel):
    return [PeriodicTask(name="notes.tick", func=_tick, schedule={"minute": "*"})]


@hookimpl
def crm_cli_commands(kernel):
    @click.group("notes")
    def notes_group() -> None:
        """Notes of a tenant."""

    @notes_group.command("count")
    @click.option("--tenant", "slug", required=True)
    def count(slug: str) -> None:
        with kernel.tenant_context(slug):
            click.echo(f"{slug}: {Note.select().count()} note(s)")

    @notes_group.command("tenants")
    def tenants() -> None:
        """Tenants with notes enabled (reads the control database: needs the app's context)."""
        from core.tenancy import TenantModule

        rows = TenantModule.select().where((TenantModule.module == "notes") & (TenantModule.enabled == True))  # noqa: E712
        click.echo(" ".join(sorted(row.tenant.slug for row in rows)))

    return [notes_group]


@hookimpl
def crm_init(kernel, tenant, admin, password, demo):
    with kernel.tenant_context(tenant):
        if demo and not Note.select().where(Note.title.startswith("Demo ")).exists():
            for i in range(3):
                Note.create(title=f"Demo {i + 1}")
        return f"notes: {Note.select().count()} note(s) in {tenant}"


@hookimpl
def crm_demo_data(kernel, tenant, counts, progress):
    total = counts.get("customers", 0)
    with progress("notes", total) as bar:
        for i in range(total):
            Note.create(title=f"Customer note {i + 1}", body="demo")
            bar.update(1)
    return f"notes: created {total} demo note(s) in {tenant}"
