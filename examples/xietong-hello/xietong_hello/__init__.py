"""Hello: an example third-party plugin for Xietong CRM.

Declaring the plugin has no side effects: the kernel imports ``xietong_hello.hooks`` only
when it loads the plugin.
"""

from core.toolkit import PluginMeta

__version__ = "1.0.0"

plugin = PluginMeta(
    name="hello",
    version=__version__,
    hooks="xietong_hello.hooks",
    title="Hello",
    title_zh="你好",
    description="Greetings for customers: a table, a page, an API, a record tab and a widget.",
    core=">=0.1,<1",
)
