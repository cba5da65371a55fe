"""Xietong CRM kernel: app factory, plugins, tenants, identity, UI and API conventions."""

from core.version import __version__

__all__ = ["__version__", "create_app"]


def create_app(config=None):
    """Build an app; see :func:`core.app.create_app`."""
    from core.app import create_app as factory

    return factory(config)
