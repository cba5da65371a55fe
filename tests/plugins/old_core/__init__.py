"""Broken on purpose: written for a core version this kernel is not."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="old_core", version="3.1.0", hooks="tests.plugins.old_core.hooks", core=">=9,<10")
