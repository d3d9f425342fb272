"""The propagation latency histogram kept without prometheus_client, and the libraries a
supervisord loads only when it needs them (issue 18: the plugin's memory share)."""

from __future__ import annotations

import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families

from supvisors_ext.runtime.metrics import LatencyHistogram
from supvisors_ext.runtime.metrics_exposition import HistogramCollector


def test_buckets_are_inclusive_upper_bounds_and_cumulative_in_the_exposition() -> None:
    histogram = LatencyHistogram((0.001, 0.01, 0.1))
    for value in (0.0005, 0.001, 0.002, 0.05, 0.5):
        histogram.observe(value)
    assert histogram.counts == [2, 1, 1] and histogram.count == 5
    assert abs(histogram.total - 0.5535) < 1e-9
    (family,) = HistogramCollector(histogram).collect()
    buckets = {
        sample.labels["le"]: sample.value for sample in family.samples if "le" in sample.labels
    }
    assert buckets == {"0.001": 2.0, "0.01": 3.0, "0.1": 4.0, "+Inf": 5.0}


def test_the_exposition_parses_as_prometheus_text() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    histogram = LatencyHistogram()
    histogram.observe(0.003)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HistogramCollector(histogram))
    text = generate_latest(registry).decode()
    (family,) = text_string_to_metric_families(text)
    assert family.name == "supvisors_propagation_latency_seconds" and family.type == "histogram"
    count = next(s.value for s in family.samples if s.name.endswith("_count"))
    assert count == 1.0


def test_loading_the_plugin_leaves_the_optional_libraries_out() -> None:
    """prometheus_client (first scrape) and asyncio (WebSocket event link) cost about 2 MB
    each in every supervisord; they are imported only when used."""
    code = (
        "import sys, supervisor.supervisord, supvisors_ext.rpcinterface;"
        "print(sorted(m for m in ('asyncio', 'prometheus_client') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
