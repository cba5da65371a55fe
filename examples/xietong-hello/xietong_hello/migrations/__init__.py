"""Numbered migrations of the hello plugin: ``0001_initial.py``, ``0002_…``."""
