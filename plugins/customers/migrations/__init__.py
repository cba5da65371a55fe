"""Numbered migrations of the customers plugin."""
