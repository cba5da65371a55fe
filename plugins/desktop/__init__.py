"""Desktop: the company desktop (公司桌面) and the personal desktop (个人桌面), MISSION.md module 7.

It shows whatever widgets the tenant's enabled modules offer through ``crm_dashboard_widgets``
and publishes announcements and policies. It depends on no business plugin.
"""

from core.toolkit import PluginMeta

plugin = PluginMeta(
    name="desktop",
    version="1.0.0",
    hooks="plugins.desktop.hooks",
    title="Desktop",
    title_zh="桌面",
    description="Company desktop arranged by the admin, personal desktops, widgets from every "
    "module (lazy, cached, permission-checked), announcements and policies with read receipts.",
    core=">=0.1,<1",
    builtin=True,
)
