"""Broken on purpose: imports fine, but its crm_blueprints hook fails on a lazy import."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="broken_startup", version="0.9.0", hooks="tests.plugins.broken_startup.hooks")
