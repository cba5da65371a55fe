"""Pulse: a small independent healthy test plugin (a second plugin set, signal senders)."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="pulse", version="2.0.0", hooks="tests.plugins.pulse.hooks", title="Pulse",
                    title_zh="脉搏")
