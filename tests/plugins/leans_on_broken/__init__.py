"""Healthy itself, but it depends on broken_import: it must be disabled with it."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="leans_on_broken", version="1.0.0", hooks="tests.plugins.leans_on_broken.hooks",
                    depends={"broken_import": ""})
