"""A test module built only with the UI/API framework: gadgets and their parts.

It is what a plugin author writes: models, schemas, one ``Resource`` per entity, and hooks.
The web, API and browser tests load it with ``xietong_plugins(GADGETS)``.
"""

from core.plugins import PluginMeta

plugin = PluginMeta(
    name="gadgets",
    version="1.0.0",
    hooks="tests.web.plugins.gadgets.hooks",
    title="Gadgets",
    title_zh="小工具",
    description="Framework test module.",
)
