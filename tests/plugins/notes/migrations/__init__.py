"""Numbered migrations of the notes test plugin."""
