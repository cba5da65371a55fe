"""Funnel (直销管理): the quantified sales process — deals through stages, quotas worked
backwards, forecasts from pipeline value and the boss's salespeople × stages view."""

from core.toolkit import PluginMeta

plugin = PluginMeta(
    name="funnel",
    version="1.0.0",
    hooks="plugins.funnel.hooks",
    title="Sales funnel",
    title_zh="直销管理",
    description="Pipelines and stages with win probabilities, deals with co-owners and stage "
    "history, quota decomposition, forecasts, customer value ranking and the boss's matrix.",
    depends={"customers": ">=1.0,<2"},
    core=">=0.1,<1",
    builtin=True,
)
