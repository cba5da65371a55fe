"""crashlab: a module whose widget hook raises; the desktop must lose its widgets only."""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="crashlab", version="1.0.0", hooks="plugins.desktop.tests.crashlab.hooks")
