"""Benchmarks with their data generators (run as modules: python -m bench.<name>.bench)."""
