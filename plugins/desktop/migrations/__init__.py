"""Numbered migrations of the desktop plugin."""
