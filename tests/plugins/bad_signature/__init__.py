"""Broken on purpose: one hook implementation asks for an argument the hookspec lacks."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="bad_signature", version="1.0.0", hooks="tests.plugins.bad_signature.hooks")
