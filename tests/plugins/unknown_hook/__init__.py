"""Broken on purpose: implements a crm_ hook that no hookspec declares (a typo)."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="unknown_hook", version="1.0.0", hooks="tests.plugins.unknown_hook.hooks")
