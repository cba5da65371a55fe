"""Broken on purpose: needs notes 2.x, the installed notes is 1.2.0."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="needs_new_notes", version="1.0.0", hooks="tests.plugins.needs_new_notes.hooks",
                    depends={"notes": ">=2.0"})
