"""Test suite of supvisors_ext (importable as ``tests`` for the harness)."""
