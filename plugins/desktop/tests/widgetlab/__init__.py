"""widgetlab: a test plugin offering widgets of every kind the desktop must handle."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="widgetlab", version="1.0.0", hooks="plugins.desktop.tests.widgetlab.hooks",
                    title="Widget lab", title_zh="组件实验室")
