"""`GET /supvisors/metrics`: the Prometheus text exposition of this instance (docs/metrics.md).

Counters and the propagation latency histogram are plain numbers kept by the main thread; the
exposition (`metrics_exposition.py`, with `prometheus_client`) is imported at the first scrape.
"""

from __future__ import annotations

import bisect
import time
from typing import TYPE_CHECKING

from supvisors_ext.host.http_routes import Request
from supvisors_ext.model import ProcessStates

if TYPE_CHECKING:
    from supvisors_ext.runtime.metrics_exposition import Exposition
    from supvisors_ext.runtime.observability import Observability

METRICS_PATH = "/supvisors/metrics"
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
FAILED_STATES = (ProcessStates.BACKOFF, ProcessStates.FATAL)


class Counters:
    """Event counts of this instance since supervisord started (main thread)."""

    def __init__(self) -> None:
        self.starts = 0
        self.failures = 0
        self.bus_received: dict[str, int] = {}

    def on_local_process(self, state: ProcessStates, expected: bool) -> None:
        if state == ProcessStates.STARTING:
            self.starts += 1
        elif state in FAILED_STATES or (state == ProcessStates.EXITED and not expected):
            self.failures += 1

    def on_bus_message(self, topic: str) -> None:
        self.bus_received[topic] = self.bus_received.get(topic, 0) + 1


class LatencyHistogram:
    """Observations counted per bucket (upper bounds inclusive, as Prometheus buckets)."""

    name = "supvisors_propagation_latency_seconds"
    text = "Delay from a process change on a peer of the same host to its arrival here"

    def __init__(self, bounds: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.bounds = bounds
        self.counts = [0] * len(bounds)  # per bucket, not cumulative; above the last: count only
        self.count = 0
        self.total = 0.0

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.bounds, value)
        if index < len(self.counts):
            self.counts[index] += 1
        self.count += 1
        self.total += value


class Metrics:
    """Latency histogram and the route handler."""

    def __init__(self, observability: Observability) -> None:
        self.observability = observability
        self.latency = LatencyHistogram()
        self.exposition: Exposition | None = None  # built at the first scrape

    def observe_remote_change(self, sent_monotonic: float) -> None:
        """Monotonic clocks are comparable only between instances of one host."""
        delay = time.monotonic() - sent_monotonic
        if 0 <= delay < 60:
            self.latency.observe(delay)

    def __call__(self, request: Request) -> None:
        if request.method != "GET":
            request.reply_json(405, {"message": "GET only", "code": 405})
            return
        if request.path.rstrip("/") != METRICS_PATH:
            request.reply_json(404, {"message": f"no route for {request.path}", "code": 404})
            return
        if self.exposition is None:
            from supvisors_ext.runtime.metrics_exposition import Exposition

            self.exposition = Exposition(self.observability, self.latency)
        body, content_type = self.exposition.render()
        request.reply(200, body, content_type)
