"""Observability wiring of one supervisord run: the event hub, our HTTP routes and what feeds
them (docs/events.md). Main thread only.

Built by the plugin with nothing open (before the daemonizing fork); `start` installs the
routes on supervisord's HTTP servers at `SupervisorRunningEvent`; `stop` removes them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from supvisors_ext.cluster.context import ProcessRecord
from supvisors_ext.eventhub import EventHub
from supvisors_ext.host.event_stream import EVENTS_PATH, EventStreamRoute
from supvisors_ext.host.http_routes import HttpRouter
from supvisors_ext.model import LocalProcessInfo
from supvisors_ext.rpc import views

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
        "starting_jobs": plugin.starting_jobs(),
        "stopping_jobs": plugin.stopping_jobs(),
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
        self.last_keepalive = time.monotonic()
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
    def start(self, options: Any) -> None:
        count = self.router.install(options)
        self.plugin.logger.info(f"HTTP routes installed on {count} server(s): {EVENTS_PATH}")

    def stop(self) -> None:
        self.events_route.close_all()
        self.router.uninstall()

    # ----- publication hooks (main thread)
    def on_process_change(
        self, identifier: str, info: LocalProcessInfo | None, record: ProcessRecord
    ) -> None:
        context = self.plugin.context
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

    def on_state_published(self) -> None:
        self.hub.publish("supvisors", supvisors_state_payload(self.plugin))

    def on_tick(self) -> None:
        context = self.plugin.context
        for record in context.instances.values():
            self.hub.publish("instance", views.instance_info(context, record))
        now = time.monotonic()
        if now - self.last_keepalive >= KEEPALIVE_PERIOD:
            self.last_keepalive = now
            self.events_route.keepalive()
