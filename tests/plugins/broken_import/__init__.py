"""Broken on purpose: its hooks module imports a package that does not exist."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="broken_import", version="1.0.0", hooks="tests.plugins.broken_import.hooks")
