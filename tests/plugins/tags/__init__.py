"""Tags: a healthy test plugin that depends on notes (dependency handling, record tabs)."""

from core.toolkit import PluginMeta

plugin = PluginMeta(
    name="tags",
    version="0.3.0",
    hooks="tests.plugins.tags.hooks",
    title="Tags",
    title_zh="标签",
    depends={"notes": ">=1.0,<2"},
)
