"""Broken on purpose: cycle_a depends on cycle_b, which depends on cycle_a."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="cycle_a", version="1.0.0", hooks="tests.plugins.cycle_a.hooks",
                    depends={"cycle_b": ""})
