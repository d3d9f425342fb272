"""The Prometheus side of `GET /supvisors/metrics` (docs/metrics.md), imported at the first
scrape only: `prometheus_client` costs about 2 MB of every supervisord's memory, and most
clusters are never scraped (issue 18).

The families are built at scrape time from what this instance already holds (no call to
peers), so a scrape costs a walk over local records.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from supvisors_ext.model import InstanceStates, SupvisorsStates, split_namespec

if TYPE_CHECKING:
    from supvisors_ext.runtime.metrics import LatencyHistogram
    from supvisors_ext.runtime.observability import Observability


class Exposition:
    """A registry of our own (never the global one: a supervisord restart builds a fresh
    plugin) with the cluster collector and the latency histogram."""

    def __init__(self, observability: Observability, latency: LatencyHistogram) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(ClusterCollector(observability))
        self.registry.register(HistogramCollector(latency))

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class HistogramCollector:
    def __init__(self, latency: LatencyHistogram) -> None:
        self.latency = latency

    def collect(self) -> Iterator[Metric]:
        latency = self.latency
        family = HistogramMetricFamily(latency.name, latency.text)
        cumulative, buckets = 0, []
        for bound, count in zip(latency.bounds, latency.counts):
            cumulative += count
            buckets.append((repr(float(bound)), float(cumulative)))
        buckets.append(("+Inf", float(latency.count)))
        family.add_metric([], buckets, latency.total)
        yield family


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
