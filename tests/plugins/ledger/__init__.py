"""Ledger: a test plugin released twice, to test upgrades and a failing migration.

``plugin`` is version 1 (one migration). ``plugin_v2`` is the same plugin after an upgrade:
it adds a column (0002) and a backfill (0003) that refuses tenants holding a negative amount,
so one tenant's upgrade fails while the others' succeed.
"""

from core.toolkit import PluginMeta

plugin = PluginMeta(name="ledger", version="1.0.0", hooks="tests.plugins.ledger.hooks",
                    title="Ledger", title_zh="流水")
plugin_v2 = PluginMeta(name="ledger", version="2.0.0", hooks="tests.plugins.ledger.hooks_v2",
                       title="Ledger", title_zh="流水")
