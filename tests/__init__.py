"""Kernel tests. ``tests.plugins`` holds real plugin packages the tests load."""
