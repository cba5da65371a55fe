"""Broken on purpose: cycle_b depends on cycle_a, which depends on cycle_b."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="cycle_b", version="1.0.0", hooks="tests.plugins.cycle_b.hooks",
                    depends={"cycle_a": ""})
