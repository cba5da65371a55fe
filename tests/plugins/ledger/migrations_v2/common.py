"""Helpers shared by the steps; not a step itself (its name has no number)."""

import importlib


def load_v1(step: str):
    return importlib.import_module(f"tests.plugins.ledger.migrations.{step}")
