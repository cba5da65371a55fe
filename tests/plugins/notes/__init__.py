"""Notes: a healthy test plugin that implements every hook the kernel offers."""

from core.toolkit import PluginMeta

plugin = PluginMeta(
    name="notes",
    version="1.2.0",
    hooks="tests.plugins.notes.hooks",
    title="Notes",
    title_zh="便签",
    description="Test plugin: a table, pages, API, tabs, widgets, rules, tasks, signals, CLI.",
)
