"""`GET /supvisors/metrics`: the Prometheus text exposition of this instance (docs/metrics.md).

Produced by `prometheus_client` from a registry of our own (never the global one: a
supervisord restart builds a fresh plugin). Families are built at scrape time from what this
instance already holds (no call to peers), so a scrape costs a walk over local records.
Counters are plain integers kept by the main thread; the propagation latency is a
`prometheus_client.Histogram`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from supvisors_ext.host.http_routes import Request
from supvisors_ext.model import InstanceStates, ProcessStates, SupvisorsStates, split_namespec

if TYPE_CHECKING:
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


class ClusterCollector:
    """prometheus_client collector reading the plugin at scrape time."""

    def __init__(self, observability: Observability) -> None:
        self.observability = observability

    def collect(self) -> Iterator[Metric]:
        obs = self.observability
        plugin = obs.plugin
        yield from self._states(plugin)
        yield from self._counters(obs, plugin)
        yield from self._statistics(obs, plugin)

    def _states(self, plugin: Any) -> Iterator[Metric]:
        context = plugin.context
        nick = context.local.id.nick
        state = GaugeMetricFamily(
            "supvisors_state", "Supvisors state seen by this instance", labels=["instance", "state"]
        )
        for member in SupvisorsStates:
            state.add_metric([nick, member.name], 1.0 if plugin.fsm.state == member else 0.0)
        yield state
        instances = GaugeMetricFamily(
            "supvisors_instance_state", "State of each instance", labels=["instance", "state"]
        )
        for record in context.instances.values():
            for instance_state in InstanceStates:
                instances.add_metric(
                    [record.id.nick, instance_state.name], float(record.state == instance_state)
                )
        yield instances
        applications = GaugeMetricFamily(
            "supvisors_application_state", "Application state (1 for the current one)",
            labels=["application", "state"],
        )  # fmt: skip
        failures = GaugeMetricFamily(
            "supvisors_application_failure", "Application failures (1 when set)",
            labels=["application", "kind"],
        )  # fmt: skip
        processes = GaugeMetricFamily(
            "supvisors_process_state", "Process state (1 for the current one)",
            labels=["application", "process", "state"],
        )  # fmt: skip
        for application in context.applications.values():
            status = application.status()
            applications.add_metric([application.name, status.state.name], 1.0)
            failures.add_metric([application.name, "major"], float(status.major_failure))
            failures.add_metric([application.name, "minor"], float(status.minor_failure))
            for record in application.processes.values():
                processes.add_metric([record.group, record.name, record.view().state.name], 1.0)
        yield applications
        yield failures
        yield processes

    def _counters(self, obs: Observability, plugin: Any) -> Iterator[Metric]:
        nick = plugin.context.local.id.nick
        counters = obs.counters
        simple = (
            ("supvisors_process_starts", "Local process starts", counters.starts),
            ("supvisors_process_failures", "Local process failures", counters.failures),
            ("supvisors_failovers", "Running-failure jobs applied", plugin.repair.failovers),
            ("supvisors_conciliations", "Conflicts conciliated", plugin.repair.conciliations),
            ("supvisors_events_published", "Events published on the hub", obs.hub.published),
        )
        for name, text, value in simple:
            family = CounterMetricFamily(name, text, labels=["instance"])
            family.add_metric([nick], value)
            yield family
        received = CounterMetricFamily(
            "supvisors_bus_messages_received", "Bus messages received", labels=["instance", "topic"]
        )
        for topic, value in sorted(counters.bus_received.items()):
            received.add_metric([nick, topic], value)
        yield received
        bus = plugin.sync.bus
        dropped = CounterMetricFamily(
            "supvisors_bus_dropped", "Bus messages dropped on sending", labels=["instance"]
        )
        dropped.add_metric([nick], bus.dropped_count if bus is not None else 0)
        yield dropped
        publisher = obs.publisher
        events = CounterMetricFamily(
            "supvisors_events_dropped",
            "Events dropped by the external publisher",
            labels=["instance"],
        )
        events.add_metric([nick], publisher.dropped if publisher is not None else 0)
        yield events

    def _statistics(self, obs: Observability, plugin: Any) -> Iterator[Metric]:
        nick = plugin.context.local.id.nick
        service = obs.statistics
        host = service.latest_host.get(str(service.compiler.periods[0]))
        cpu = GaugeMetricFamily(
            "supvisors_host_cpu_percent", "Host CPU use", labels=["instance", "cpu"]
        )
        memory = GaugeMetricFamily(
            "supvisors_host_memory_percent", "Host memory use", labels=["instance"]
        )
        io = GaugeMetricFamily(
            "supvisors_host_io_kbps", "Host I/O rates (kilobits per second)",
            labels=["instance", "kind", "device", "direction"],
        )  # fmt: skip
        usage = GaugeMetricFamily(
            "supvisors_host_disk_usage_percent", "Disk usage", labels=["instance", "partition"]
        )
        if host is not None and service.host_enabled:
            for index, value in enumerate(host["cpu"]):
                cpu.add_metric([nick, "total" if index == 0 else str(index - 1)], value)
            memory.add_metric([nick], host["mem"])
            for kind, directions in (("net", ("recv", "sent")), ("disk", ("read", "write"))):
                for device, rates in sorted(host[f"{kind}_io"].items()):
                    for direction, value in zip(directions, rates):  # noqa: B905
                        io.add_metric([nick, kind, device, direction], value)
            for partition, value in sorted(host["disk_usage"].items()):
                usage.add_metric([nick, partition], value)
        yield from (cpu, memory, io, usage)
        proc_cpu = GaugeMetricFamily(
            "supvisors_process_cpu_percent", "Process CPU use (IRIX: 100 = one core)",
            labels=["instance", "application", "process"],
        )  # fmt: skip
        proc_mem = GaugeMetricFamily(
            "supvisors_process_memory_percent", "Process memory use",
            labels=["instance", "application", "process"],
        )  # fmt: skip
        if service.process_enabled:
            for namespec, result in sorted(service.latest_processes.items()):
                if namespec not in service.pids:
                    continue
                group, name = split_namespec(namespec)
                name = name or group  # `make_namespec` writes group:group as group
                proc_cpu.add_metric([nick, group, name], result["cpu"])
                proc_mem.add_metric([nick, group, name], result["mem"])
        yield proc_cpu
        yield proc_mem


class Metrics:
    """Registry, latency histogram and the route handler."""

    def __init__(self, observability: Observability) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(ClusterCollector(observability))
        self.latency = Histogram(
            "supvisors_propagation_latency_seconds",
            "Delay from a process change on a peer of the same host to its arrival here",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

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
        request.reply(200, generate_latest(self.registry), CONTENT_TYPE_LATEST)
