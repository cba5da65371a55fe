"""The kernel: one per Flask app, kept in ``app.extensions["xietong"]``.

It owns the plugin manager, the installed plugins (healthy or broken), the databases, the
per-tenant runtime (enabled modules and their filtered hook callers) and the task queue.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flask
import peewee
import pluggy

from core import plugins as plugin_loader
from core.db import DatabaseFactory
from core.migrations import MigrationError, migrate_tenant
from core.plugins import LoadedPlugin, PluginMeta
from core.signals import module_disabled, module_enabled, tenant_created
from core.tenancy import (
    CONTROL_MODELS,
    Tenant,
    TenantError,
    TenantModule,
    TenantRuntime,
    utcnow,
    validate_slug,
)
from core.version import __version__ as CORE_VERSION

CORE_PLUGIN = PluginMeta(
    name="core", version=CORE_VERSION, hooks="core.builtin", title="Core", title_zh="核心",
    description="Kernel: tenants, identity, permissions, UI shell, API framework.", builtin=True,
)
RUNTIME_TTL_SECONDS = 2.0
# Hooks called once per app at start-up with only ``kernel`` (see core/hookspecs.py).
STARTUP_HOOKS = (
    "crm_entity_types", "crm_models", "crm_migrations", "crm_blueprints", "crm_cli_commands",
    "crm_tasks", "crm_periodic_tasks", "crm_signal_receivers",
)


class Kernel:
    """The application's handle that every hook receives."""

    def __init__(self, app: flask.Flask):
        self.app = app
        self.config = app.config
        self.version = CORE_VERSION
        self.databases = DatabaseFactory(
            app.config["XIETONG_DATA"], app.config["XIETONG_DATABASE_URL"],
            schema_prefix=app.config["XIETONG_SCHEMA_PREFIX"],
            control_schema=app.config["XIETONG_CONTROL_SCHEMA"],
        )
        self.control_db = self.databases.control()
        self.migration_lock = threading.RLock()
        self._tenant_dbs: dict[str, peewee.Database] = {}
        self._runtimes: dict[str, TenantRuntime] = {}
        self._subset_callers: dict[frozenset[str], TenantHooks] = {}
        self._lock = threading.RLock()
        self.pm = plugin_loader.new_plugin_manager()
        self.plugins: dict[str, LoadedPlugin] = {}
        self.order: list[str] = []
        self.entity_types: dict[str, Any] = {}
        self.blueprint_owner: dict[str, str] = {}
        self._startup_answers: dict[tuple[str, str], Any] = {}
        self.tasks: dict[str, Any] = {}
        self.periodic_tasks: list[tuple[str, Any]] = []
        self._signal_receivers: list[Any] = []  # strong refs: receivers live as long as the app
        app.extensions["xietong"] = self

    # -- plugins ---------------------------------------------------------------------------

    def load_plugins(self) -> None:
        selection = self.config["XIETONG_PLUGINS"]
        found = plugin_loader.discover(selection, skip=self.config["XIETONG_DISABLED_PLUGINS"])
        found.pop("core", None)  # the kernel's own plugin is not replaceable
        core = LoadedPlugin(name="core", meta=CORE_PLUGIN, source="kernel")
        self.plugins = {"core": core, **found}
        order = plugin_loader.resolve_dependencies(self.plugins)
        order.remove("core")
        self.order = plugin_loader.register_hooks(self.pm, self.plugins, ["core", *order])
        self._call_startup_hooks()

    def _call_startup_hooks(self) -> None:
        """Call each plugin's start-up hooks once, in its own try, and keep the answers.

        A plugin whose start-up hook raises (a lazy import that fails, a bug) is marked broken,
        with its dependents, instead of stopping the app. ``each_plugin`` serves the kept
        answers, so these hooks still run once per app.
        """
        for name in list(self.order):
            if name == "core" or name not in self.order:
                continue
            impls = {hook: next((i for i in getattr(self.pm.hook, hook).get_hookimpls()
                                 if i.plugin_name == name), None) for hook in STARTUP_HOOKS}
            answers: dict[tuple[str, str], Any] = {}
            try:
                for hook, impl in impls.items():
                    if impl is not None:
                        answers[(hook, name)] = impl.function(**{arg: self for arg in impl.argnames})
            except Exception as exc:
                self._disable_plugin(name, f"hook {hook} failed: {type(exc).__name__}: {exc}")
                continue
            self._startup_answers.update(answers)

    def _disable_plugin(self, name: str, reason: str) -> None:
        """Mark a plugin (and its dependents) broken during start-up and forget what it gave.

        Blueprints already mounted stay in Flask's map (it cannot remove them), but tenant
        routing answers 404 for them since no tenant can have a broken module enabled.
        """
        if name == "core" or name not in self.order:
            return
        self.plugins[name].mark_broken(reason)
        self.pm.unregister(name=name)
        self.order.remove(name)
        self.entity_types = {k: v for k, v in self.entity_types.items() if v.plugin != name}
        self.tasks = {k: v for k, v in self.tasks.items() if v[0] != name}
        self.periodic_tasks = [p for p in self.periodic_tasks if p[0] != name]
        for other in list(self.order):
            if name in self.plugins[other].meta.depends:
                self._disable_plugin(other, f"depends on broken plugin {name}")

    def refuse_plugin(self, name: str, reason: str) -> None:
        """A plugin's contribution clashes with an earlier one's: mark it broken, keep going."""
        if name == "core":
            raise RuntimeError(reason)
        self._disable_plugin(name, reason)

    def healthy(self) -> list[str]:
        """Healthy plugin names in dependency order (``core`` first)."""
        return list(self.order)

    def each_plugin(self, hook_name: str, only: Any = None, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call a hook plugin by plugin (dependency order), yielding (plugin name, result).

        ``only`` limits the call to those plugin names. None results are not yielded.
        """
        hook = getattr(self.pm.hook, hook_name)
        impls = {impl.plugin_name: impl for impl in hook.get_hookimpls()}
        for name in list(self.order):  # a copy: a clash may mark a plugin broken meanwhile
            impl = impls.get(name)
            if impl is None or name not in self.order or (only is not None and name not in only):
                continue
            if (hook_name, name) in self._startup_answers:
                result = self._startup_answers[(hook_name, name)]
            else:
                result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            if result is not None:
                yield name, result

    def dependents(self, name: str) -> list[str]:
        return [
            other for other in self.order
            if name in (self.plugins[other].meta.depends if self.plugins[other].meta else {})
        ]

    def with_dependencies(self, names: list[str]) -> list[str]:
        """``names`` plus everything they depend on, in dependency order."""
        wanted: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name in wanted:
                continue
            if name not in self.plugins:
                raise TenantError(f"unknown module {name!r}; see 'xietong module list'")
            if not self.plugins[name].ok:
                raise TenantError(f"module {name!r} is broken: {self.plugins[name].reason}")
            wanted.add(name)
            stack.extend(self.plugins[name].meta.depends)
        return [name for name in self.order if name in wanted]

    # -- tenants ---------------------------------------------------------------------------

    def setup_control(self) -> None:
        with self.app.app_context():
            self.control_db.create_tables(CONTROL_MODELS, safe=True)

    def tenant_database(self, slug: str) -> peewee.Database:
        with self._lock:
            db = self._tenant_dbs.get(slug)
            if db is None:
                db = self._tenant_dbs[slug] = self.databases.tenant(slug)
            return db

    def hooks_for(self, enabled: frozenset[str]) -> TenantHooks:
        with self._lock:
            hooks = self._subset_callers.get(enabled)
            if hooks is None:
                hooks = self._subset_callers[enabled] = TenantHooks(self.pm, enabled)
            return hooks

    def runtime(self, slug: str, refresh: bool = False) -> TenantRuntime | None:
        """The cached runtime of tenant ``slug``, or None if there is no such tenant."""
        cached = self._runtimes.get(slug)
        now = time.monotonic()
        if cached and not refresh and now - cached.loaded_at < RUNTIME_TTL_SECONDS:
            return cached
        if not (flask.has_app_context() and flask.current_app._get_current_object() is self.app):
            with self.app.app_context():  # the control database is reached through the app
                return self.runtime(slug, refresh)
        row = Tenant.get_or_none(Tenant.slug == slug)
        if row is None:
            self._runtimes.pop(slug, None)
            return None
        if cached and cached.revision == row.revision and not refresh:
            cached.loaded_at = now
            return cached
        enabled = frozenset(
            m.module for m in TenantModule.select().where(
                (TenantModule.tenant == row) & (TenantModule.enabled == True)  # noqa: E712
            )
            if m.module in self.order
        ) | {"core"}
        runtime = TenantRuntime(
            slug=row.slug, name=row.name, language=row.language, timezone=row.timezone,
            revision=row.revision, database=self.tenant_database(slug), enabled=enabled,
            hooks=self.hooks_for(enabled), loaded_at=now,
        )
        self._runtimes[slug] = runtime
        return runtime

    @contextmanager
    def tenant_context(self, slug: str) -> Iterator[TenantRuntime]:
        """Work as tenant ``slug`` outside a request (CLI, tasks, tests)."""
        with self.app.app_context():
            runtime = self.runtime(slug, refresh=True)
            if runtime is None:
                raise TenantError(f"unknown tenant {slug!r}; see 'xietong tenant list'")
            flask.g.tenant = runtime
            db = runtime.database
            with db.connection_context():
                yield runtime

    def tenants(self) -> list[Tenant]:
        with self.app.app_context():
            return list(Tenant.select().order_by(Tenant.slug))

    def create_tenant(self, slug: str, name: str, modules: list[str] | None = None, **fields: Any) -> Tenant:
        """Create a tenant with its database and ``modules`` (default: every healthy one)."""
        validate_slug(slug)
        with self.app.app_context():
            if Tenant.get_or_none(Tenant.slug == slug):
                raise TenantError(f"tenant {slug!r} already exists")
            if not name or not name.strip():
                raise TenantError("a tenant needs a name (--name)")
            self.databases.ensure_schema(self.databases.schema_name(slug))
            tenant = Tenant.create(slug=slug, name=name.strip(), **fields)
        wanted = self.healthy() if modules is None else modules
        self.enable_modules(slug, ["core", *wanted])
        with self.tenant_context(slug):  # receivers run in the new tenant, like any signal's
            tenant_created.send(self, tenant=slug)
        return tenant

    def enable_modules(self, slug: str, names: list[str]) -> list[str]:
        """Enable ``names`` and their dependencies for a tenant, migrating their tables.

        Returns the modules that were newly enabled.
        """
        ordered = self.with_dependencies(list(names) + ["core"])
        with self.tenant_context(slug) as runtime:
            plans = list(self.each_plugin("crm_migrations", only=ordered, kernel=self))
            migrate_tenant(self, slug, runtime.database, plans)
            newly = [name for name in ordered if name not in runtime.enabled]
            self._set_enabled(slug, ordered, True)
            runtime = self.runtime(slug, refresh=True)
            flask.g.tenant = runtime
            # Seeding is idempotent, so it runs for every module named, not only new ones.
            for _ in self.each_plugin("crm_module_enabled", only=ordered, kernel=self, tenant=runtime):
                pass
            for name in newly:
                module_enabled.send(self, tenant=slug, module=name)
        return newly

    def disable_modules(self, slug: str, names: list[str]) -> None:
        """Disable modules for a tenant; their data stays. Refuses while dependents are on."""
        with self.app.app_context():
            runtime = self.runtime(slug, refresh=True)
            if runtime is None:
                raise TenantError(f"unknown tenant {slug!r}; see 'xietong tenant list'")
            for name in names:
                if name == "core":
                    raise TenantError("module 'core' cannot be disabled")
                if name not in self.plugins:
                    raise TenantError(f"unknown module {name!r}; see 'xietong module list'")
                users = [d for d in self.dependents(name) if d in runtime.enabled and d not in names]
                if users:
                    raise TenantError(
                        f"cannot disable {name!r}: enabled module(s) {', '.join(users)} depend on it; "
                        "disable those first"
                    )
            self._set_enabled(slug, list(names), False)
        with self.tenant_context(slug):
            for name in names:
                module_disabled.send(self, tenant=slug, module=name)

    def _set_enabled(self, slug: str, names: list[str], enabled: bool) -> None:
        with self.app.app_context(), self.control_db.atomic():
            tenant = Tenant.get(Tenant.slug == slug)
            for name in names:
                row, created = TenantModule.get_or_create(tenant=tenant, module=name,
                                                          defaults={"enabled": enabled})
                if not created and row.enabled != enabled:
                    row.enabled = enabled
                    row.changed_at = utcnow()
                    row.save()
            Tenant.update(revision=Tenant.revision + 1).where(Tenant.id == tenant.id).execute()
        self._runtimes.pop(slug, None)

    def module_states(self, slug: str) -> dict[str, bool]:
        with self.app.app_context():
            tenant = Tenant.get_or_none(Tenant.slug == slug)
            if tenant is None:
                raise TenantError(f"unknown tenant {slug!r}; see 'xietong tenant list'")
            return {m.module: m.enabled for m in tenant.modules}

    def migrate_all(self) -> dict[str, list[str]]:
        """Bring every tenant's enabled modules up to date (tables, then the defaults a newer
        version seeds, such as a new entity's rights); returns applied steps per tenant.

        A tenant whose migration fails is rolled back and the others still run; then the
        first failure is raised, carrying ``report`` (the tenants that succeeded) and
        ``failures`` (every failed tenant's error) so the CLI can say all of it.
        """
        report: dict[str, list[str]] = {}
        failures: list[MigrationError] = []
        for tenant in self.tenants():
            try:
                with self.tenant_context(tenant.slug) as runtime:
                    plans = list(self.each_plugin("crm_migrations", only=runtime.enabled, kernel=self))
                    report[tenant.slug] = migrate_tenant(self, tenant.slug, runtime.database, plans)
                    # A newer version may bring new entities or defaults (the rights of a new
                    # record type): seed them as enabling the module would. Seeding is
                    # idempotent and never redoes what an admin has since changed.
                    for _ in self.each_plugin("crm_module_enabled", only=runtime.enabled, kernel=self,
                                              tenant=runtime):
                        pass
            except MigrationError as exc:
                failures.append(exc)
        if failures:
            first = failures[0]
            first.report, first.failures = report, failures
            raise first
        return report

    def drop_tenant(self, slug: str) -> None:
        """Delete a tenant and its whole database. Only tests and explicit purges use this."""
        with self.app.app_context():
            tenant = Tenant.get_or_none(Tenant.slug == slug)
            if tenant:
                TenantModule.delete().where(TenantModule.tenant == tenant).execute()
                tenant.delete_instance()
        db = self._tenant_dbs.pop(slug, None)
        if db is not None and not db.is_closed():
            db.close()
        self._runtimes.pop(slug, None)
        self.databases.drop_tenant(slug)

    # -- tasks -----------------------------------------------------------------------------

    def enqueue(self, task_name: str, tenant: str, delay: float | None = None, **kwargs: Any) -> Any:
        """Put task ``task_name`` on the queue, to run inside tenant ``tenant``.

        ``delay`` (seconds) postpones it: retries with backoff, reminders.
        """
        return self.app.extensions["xietong.queue"].enqueue(task_name, tenant, kwargs, delay=delay)


class TenantHooks:
    """Hook callers that reach only one tenant's enabled plugins (cached per enabled set)."""

    def __init__(self, pm: pluggy.PluginManager, enabled: frozenset[str]):
        self._pm = pm
        self._remove = [
            plugin for name, plugin in pm.list_name_plugin() if name not in enabled
        ]
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        caller = self._callers.get(name)
        if caller is None:
            caller = self._pm.subset_hook_caller(name, self._remove)
            self._callers[name] = caller
        return caller
