"""Suite-wide pytest configuration: the real-process harness fixtures."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.harness.fixtures"]


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Disable pytest-benchmark under xdist before it warns about it.

    pytest-benchmark's pytest_configure warns "Benchmarks are automatically disabled because
    xdist plugin is active", which ``filterwarnings = error`` turns into an INTERNALERROR
    of ``pytest -n N``. Asking for what it would do anyway silences it.
    """
    xdist = config.getoption("dist", "no") != "no" or "PYTEST_XDIST_WORKER" in os.environ
    if xdist and hasattr(config.option, "benchmark_disable"):
        config.option.benchmark_disable = True
