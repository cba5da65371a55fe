"""Broken on purpose: depends on a plugin that is not installed."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="missing_dep", version="1.0.0", hooks="tests.plugins.missing_dep.hooks",
                    depends={"nowhere": ">=1.0"})
