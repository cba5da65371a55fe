"""Clash: plugins loaded after notes (by name) whose contributions collide with its own."""

from core.toolkit import PluginMeta

entity = PluginMeta(name="stray_entity", version="1.0.0", hooks="tests.plugins.clash.entity_hooks")
blueprint = PluginMeta(name="stray_blueprint", version="1.0.0", hooks="tests.plugins.clash.blueprint_hooks")
task = PluginMeta(name="stray_task", version="1.0.0", hooks="tests.plugins.clash.task_hooks")
follower = PluginMeta(name="stray_follower", version="1.0.0", hooks="tests.plugins.clash.follower_hooks",
                      depends={"stray_blueprint": ""})
