"""The chaos soak of issue 14 (bench/chaos.py): setup, faults, invariants, report."""
