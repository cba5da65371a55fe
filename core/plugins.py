"""Finding, checking and loading plugins.

Every plugin — built-in or third-party — is a ``PluginMeta`` published in the ``crm.plugins``
entry-point group. Each is loaded inside its own try: an import error, a missing or
incompatible dependency, a dependency cycle or a bad hook signature marks that plugin (and
every plugin that depends on it) broken with the reason, and the rest of the app runs.
"""

from __future__ import annotations

import importlib
import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from core import hookspecs
from core.version import __version__ as CORE_VERSION

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "crm.plugins"


@dataclass(frozen=True)
class PluginMeta:
    """What a plugin declares about itself in its package ``__init__``.

    ``hooks`` is the dotted path of the module holding its hook implementations; it is
    imported only when the plugin is loaded, so declaring a plugin has no side effects.
    ``depends`` maps plugin names to version ranges (PEP 440 specifiers, "" for any).
    """

    name: str
    version: str
    hooks: str
    title: str = ""
    title_zh: str = ""
    description: str = ""
    depends: dict[str, str] = field(default_factory=dict)
    core: str = ">=0.1,<1"
    builtin: bool = False


@dataclass
class LoadedPlugin:
    """A plugin as the kernel sees it after loading: ok, or broken with the reason."""

    name: str
    meta: PluginMeta | None = None
    module: Any = None
    status: str = "ok"
    reason: str = ""
    source: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def version(self) -> str:
        return self.meta.version if self.meta else "?"

    def mark_broken(self, reason: str) -> None:
        self.status = "broken"
        # One line: the reason is a column of `xietong plugins` and a one-line CLI error.
        self.reason = "; ".join(line.strip() for line in reason.splitlines() if line.strip())
        log.warning("plugin %s disabled: %s", self.name, self.reason)


def _candidates(selection: Iterable[Any] | None) -> list[tuple[str, str, Any]]:
    """(name, source, loader) for each plugin to consider; the loader returns its PluginMeta."""
    if selection is None:
        found = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            found.append((ep.name, f"entry point {ep.value}", ep.load))
        return sorted(found, key=lambda item: item[0])
    found = []
    for item in selection:
        if isinstance(item, PluginMeta):
            found.append((item.name, "given", lambda item=item: item))
        else:
            module_name, _, attr = str(item).partition(":")

            def load(module_name=module_name, attr=attr or "plugin"):
                return getattr(importlib.import_module(module_name), attr)

            found.append((module_name.rsplit(".", 1)[-1], str(item), load))
    return found


def _check_meta(meta: Any, name: str) -> str:
    """A reason why ``meta`` is unusable, or "" when it is fine."""
    if not isinstance(meta, PluginMeta):
        return f"entry point does not name a core.toolkit.PluginMeta (got {type(meta).__name__})"
    try:
        Version(meta.version)
    except InvalidVersion:
        return f"invalid version {meta.version!r}"
    try:
        if Version(CORE_VERSION) not in SpecifierSet(meta.core):
            return f"needs core {meta.core}, this is core {CORE_VERSION}"
    except InvalidSpecifier:
        return f"invalid core version range {meta.core!r}"
    for dep, spec in meta.depends.items():
        try:
            SpecifierSet(spec or "")
        except InvalidSpecifier:
            return f"invalid version range {spec!r} for dependency {dep}"
    return ""


def discover(selection: Iterable[Any] | None, skip: Iterable[str] = ()) -> dict[str, LoadedPlugin]:
    """Load every candidate's metadata; failures become broken entries, never exceptions."""
    plugins: dict[str, LoadedPlugin] = {}
    skipped = set(skip)
    for name, source, load in _candidates(selection):
        if name in skipped:
            continue
        entry = LoadedPlugin(name=name, source=source)
        try:
            meta = load()
        except Exception as exc:  # a plugin's import error must not stop the others
            entry.mark_broken(f"import failed: {type(exc).__name__}: {exc}")
            plugins[name] = entry
            continue
        problem = _check_meta(meta, name)
        if isinstance(meta, PluginMeta):  # broken or not, its name, version and depends show
            entry.name = meta.name
            entry.meta = meta
        if problem:
            entry.mark_broken(problem)
        if entry.name in plugins and plugins[entry.name].ok:
            entry.mark_broken(f"another plugin named {entry.name} is already installed")
            entry.name = f"{entry.name} ({source})"
        plugins[entry.name] = entry
    return plugins


def resolve_dependencies(plugins: dict[str, LoadedPlugin]) -> list[str]:
    """Mark plugins with missing, incompatible or cyclic dependencies broken.

    Returns the healthy plugins' names in dependency order (dependencies first).
    """
    state: dict[str, str] = {}  # name -> "visiting" | "done"
    order: list[str] = []

    def visit(name: str, path: list[str]) -> bool:
        entry = plugins[name]
        if state.get(name) == "done":
            return entry.ok
        if state.get(name) == "visiting":
            cycle = path[path.index(name):] + [name]
            for member in cycle[:-1]:
                plugins[member].mark_broken("dependency cycle: " + " → ".join(cycle))
            return False
        state[name] = "visiting"
        healthy = entry.ok
        for dep, spec in (entry.meta.depends.items() if entry.meta else ()):
            target = plugins.get(dep)
            if target is None:
                if entry.ok:
                    entry.mark_broken(f"missing dependency {dep}{spec or ''}")
                healthy = False
                continue
            dep_ok = visit(dep, path + [name])
            if not entry.ok:  # broken while visiting (a cycle through this plugin)
                healthy = False
                continue
            if not dep_ok:
                entry.mark_broken(f"depends on broken plugin {dep}")
                healthy = False
            elif target.meta and Version(target.meta.version) not in SpecifierSet(spec or ""):
                entry.mark_broken(f"needs {dep}{spec}, found {dep} {target.meta.version}")
                healthy = False
        state[name] = "done"
        if healthy and entry.ok:
            order.append(name)
        return healthy and entry.ok

    for name in sorted(plugins):
        visit(name, [])
    return order


def register_hooks(pm: pluggy.PluginManager, plugins: dict[str, LoadedPlugin], order: list[str]) -> list[str]:
    """Import each healthy plugin's hooks module and register it; return the registered names."""
    registered: list[str] = []
    for name in order:
        entry = plugins[name]
        broken_dep = next((d for d in entry.meta.depends if not plugins[d].ok), None)
        if broken_dep:
            entry.mark_broken(f"depends on broken plugin {broken_dep}")
            continue
        try:
            module = importlib.import_module(entry.meta.hooks)
            pm.register(module, name=name)
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            if pm.is_registered(module):
                pm.unregister(module)
            entry.mark_broken(f"bad hook implementation: {exc}")
            continue
        except Exception as exc:
            log.debug("plugin %s failed to load:\n%s", name, traceback.format_exc())
            entry.mark_broken(f"hooks failed to load: {type(exc).__name__}: {exc}")
            continue
        entry.module = module
        registered.append(name)
    return registered


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    return pm
