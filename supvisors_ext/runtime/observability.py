"""Observability wiring of one supervisord run: the event hub, our HTTP routes and what feeds
them (docs/events.md). Main thread only.

Built by the plugin with nothing open (before the daemonizing fork); `start` installs the
routes on supervisord's HTTP servers at `SupervisorRunningEvent`; `stop` removes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from supvisors_ext.cluster import views
from supvisors_ext.cluster.context import ProcessRecord
from supvisors_ext.eventhub import EventHub
from supvisors_ext.host.event_stream import EVENTS_PATH, EventStreamRoute
from supvisors_ext.host.http_routes import HttpRouter
from supvisors_ext.model import LocalProcessInfo
from supvisors_ext.net.bus_thread import Inbound
from supvisors_ext.net.event_publishers import (
    QueuedPublisher,
    WsEventPublisher,
    ZmqEventPublisher,
)
from supvisors_ext.obsconfig import EventLinks
from supvisors_ext.runtime.metrics import METRICS_PATH, Counters, Metrics
from supvisors_ext.runtime.statistics import StatisticsService, StatsSamples

if TYPE_CHECKING:
    from supvisors_ext.runtime.plugin import SupvisorsPlugin

KEEPALIVE_PERIOD = 15.0  # seconds between SSE keep-alive comments


def process_event_payload(identifier: str, nick: str, info: LocalProcessInfo) -> dict[str, Any]:
    """The `event` topic: one instance's view of a process change (Supvisors' keys)."""
    return {
        "identifier": identifier,
        "nick_identifier": nick,
        "name": info.name,
        "group": info.group,
        "state": int(info.state),
        "now": info.now,
        "now_monotonic": info.now_monotonic,
        "pid": info.pid,
        "expected": info.expected,
        "spawnerr": info.spawnerr,
        "extra_args": info.extra_args,
        "disabled": info.disabled,
    }


def supvisors_state_payload(plugin: SupvisorsPlugin) -> dict[str, Any]:
    """The `supvisors` topic: `get_supvisors_state()`."""
    context = plugin.context
    return {
        "identifier": context.local_identifier,
        "nick_identifier": context.local.id.nick,
        "now_monotonic": time.monotonic(),
        "fsm_statecode": int(plugin.fsm.state),
        "fsm_statename": plugin.fsm.state.name,
        "degraded_mode": plugin.fsm.degraded,
        "discovery_mode": plugin.config.multicast is not None,
        "master_identifier": plugin.fsm.master,
        "starting_jobs": plugin.loop.starting_jobs(),
        "stopping_jobs": plugin.loop.stopping_jobs(),
        "instance_states": {
            identifier: record.state.name for identifier, record in context.instances.items()
        },
        "rules_error": plugin.rules_error,
    }


class Observability:
    """Hub, routes and publication hooks of the plugin."""

    def __init__(self, plugin: SupvisorsPlugin) -> None:
        self.plugin = plugin
        self.hub = EventHub()
        self.router = HttpRouter(plugin.logger)
        self.events_route = EventStreamRoute(self.hub, plugin.logger)
        self.router.add(EVENTS_PATH, self.events_route)
        self.counters = Counters()
        self.metrics = Metrics(self)
        self.router.add(METRICS_PATH, self.metrics)
        self.last_keepalive = time.monotonic()
        self.publisher: QueuedPublisher | None = None
        self.publisher_problem = ""
        config = plugin.config
        self.statistics = StatisticsService(config.local.identifier, config.observability, self.hub)
        self._snapshots()
        plugin.context.process_listeners.append(self.on_process_change)

    def _snapshots(self) -> None:
        plugin, context = self.plugin, self.plugin.context
        hub = self.hub
        hub.set_snapshot("supvisors", lambda: [supvisors_state_payload(plugin)])
        hub.set_snapshot(
            "instance",
            lambda: [views.instance_info(context, r) for r in context.instances.values()],
        )
        hub.set_snapshot(
            "application",
            lambda: [
                views.application_info(context.applications[n])
                for n in sorted(context.applications)
            ],
        )
        hub.set_snapshot(
            "process",
            lambda: [
                views.process_info(r)
                for r in views.sorted_processes(list(context.iter_processes()))
            ],
        )

    # ----- lifecycle
    def start(self, options: Any, put: Callable[[object], None]) -> None:
        """After the fork: routes on the HTTP servers, publisher and statistics threads."""
        count = self.router.install(options)
        self.plugin.logger.info(
            f"HTTP routes installed on {count} server(s): {EVENTS_PATH}, {METRICS_PATH}"
        )
        self.start_publisher()
        context = self.plugin.context
        for record in context.iter_processes():
            info = record.info_on(context.local_identifier)
            if info is not None:
                self.statistics.set_pid(record.namespec, info.pid)
        self.statistics.start(put)

    def on_item(self, item: object) -> bool:
        """An inbox item of ours (statistics samples): handled here, True."""
        if isinstance(item, StatsSamples):
            self.statistics.on_samples(item)
            return True
        if isinstance(item, Inbound):
            topic = item.message.topic
            self.counters.on_bus_message(getattr(topic, "name", str(topic)))
        return False

    def start_publisher(self) -> None:
        config = self.plugin.config
        link = config.observability.event_link
        if link == EventLinks.NONE:
            return
        local = config.local
        port = config.observability.port_for(local.http_port)
        kind = ZmqEventPublisher if link == EventLinks.ZMQ else WsEventPublisher
        self.publisher = kind(local.host, port)
        self.publisher.start()
        self.hub.add_sink(self.publisher)
        self.plugin.logger.info(f"{link.name} event interface on {local.host}:{port}")

    def stop(self) -> None:
        if not self.statistics.stop():
            self.plugin.logger.error("the statistics thread did not stop in time")
        self.events_route.close_all()
        self.router.uninstall()
        if self.publisher is not None:
            self.hub.remove_sink(self.publisher)
            if not self.publisher.stop():
                self.plugin.logger.error("the event publisher thread did not stop in time")
            self.publisher = None

    # ----- publication hooks (main thread)
    def on_process_change(
        self, identifier: str, info: LocalProcessInfo | None, record: ProcessRecord
    ) -> None:
        """Context listener: runs inside `Context.update_process`, so it never raises."""
        try:
            self._process_change(identifier, info, record)
        except Exception as exc:  # noqa: BLE001 - the model update must go on regardless
            self.plugin.logger.error(f"event publication of {record.namespec} failed: {exc!r}")

    def _process_change(
        self, identifier: str, info: LocalProcessInfo | None, record: ProcessRecord
    ) -> None:
        context = self.plugin.context
        if identifier == context.local_identifier:
            self.statistics.set_pid(record.namespec, info.pid if info is not None else 0)
            if info is not None:
                self.counters.on_local_process(info.state, info.expected)
        elif info is not None and self._same_host(identifier):
            self.metrics.observe_remote_change(info.now_monotonic)
        if not self.hub.sinks:
            return  # nobody listens: no payload to build on the propagation path
        if info is not None:
            nick = context.instances[identifier].id.nick if identifier in context.instances else ""
            self.hub.publish("event", process_event_payload(identifier, nick, info))
        payload = views.process_info(record)
        if not record.observations:
            payload.update({"statecode": -1, "statename": "DELETED"})
        self.hub.publish("process", payload)
        application = context.applications.get(record.group)
        if application is not None:
            self.hub.publish("application", views.application_info(application))

    def _same_host(self, identifier: str) -> bool:
        context = self.plugin.context
        record = context.instances.get(identifier)
        return record is not None and record.id.host == context.local.id.host

    def on_state_published(self) -> None:
        if self.hub.sinks:
            self.hub.publish("supvisors", supvisors_state_payload(self.plugin))

    def on_tick(self) -> None:
        publisher = self.publisher
        if publisher is not None and publisher.problem != self.publisher_problem:
            self.publisher_problem = publisher.problem
            self.plugin.logger.error(publisher.problem)
        context = self.plugin.context
        for record in context.instances.values() if self.hub.sinks else ():
            self.hub.publish("instance", views.instance_info(context, record))
        now = time.monotonic()
        if now - self.last_keepalive >= KEEPALIVE_PERIOD:
            self.last_keepalive = now
            self.events_route.keepalive()
