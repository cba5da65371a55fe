"""Customers: the customer record and everything that hangs on it (MISSION.md module 1)."""

from core.toolkit import PluginMeta

plugin = PluginMeta(
    name="customers",
    version="1.0.0",
    hooks="plugins.customers.hooks",
    title="Customers",
    title_zh="客户管理",
    description="Customer records, categories, custom fields, contacts, notes, attachments, "
    "transactions, handover, Chinese-aware search, import and export.",
    core=">=0.1,<1",
    builtin=True,
)
