"""Real plugin packages for the kernel tests: healthy ones and deliberately broken ones.

Each is a tiny package whose ``__init__`` declares ``plugin = PluginMeta(...)`` and whose
``hooks`` module holds the hook implementations, exactly like a third-party plugin.
Tests load them with ``@pytest.mark.xietong_plugins("tests.plugins.notes:plugin", ...)``.
"""
