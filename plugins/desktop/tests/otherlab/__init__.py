"""otherlab: a second module, enabled in some tenants only."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="otherlab", version="1.0.0", hooks="plugins.desktop.tests.otherlab.hooks",
                    depends={"widgetlab": ">=1.0"})
