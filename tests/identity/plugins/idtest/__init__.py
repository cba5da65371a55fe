"""idtest: two record types whose every path goes through the permission engine.

``idcontact`` has an owner (record scopes apply), a co-owner (a sharing rule: "records shared
with me") and a ``secret`` flag only managers and admins may see (a category-style veto).
``idmemo`` has no owner (scope does not apply). Routes: HTML list/detail pages and a JSON API
with list, search, detail, create, update, delete and CSV export.
"""

from core.toolkit import PluginMeta

plugin = PluginMeta(
    name="idtest",
    version="1.0.0",
    hooks="tests.identity.plugins.idtest.hooks",
    title="Identity test records",
    description="Test plugin for the permission matrix.",
)
