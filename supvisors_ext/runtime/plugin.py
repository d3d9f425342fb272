"""Composition root and lifecycle of the plugin inside one supervisord run (main thread).

Order of life (docs/architecture.md#the-supervisord-plugin-lifecycle): the factory builds this
object before supervisord daemonizes, so nothing here creates threads, pipes or sockets until
`SupervisorRunningEvent`; everything is released on `SupervisorStoppingEvent`; a supervisord
restart builds a fresh plugin. Local process events are handled by `LocalEvents`
(`local_events.py`), the state machine by `ClusterLoop` (`cluster_loop.py`); this module wires
them, owns the threads and dispatches what the worker threads hand over.
"""

from __future__ import annotations

import time
from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.engine import Fsm
from supvisors_ext.cluster.membership import Membership
from supvisors_ext.config import Config
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.disabilities import DisabilitiesFile
from supvisors_ext.host.http_sockets import enable_nodelay
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.host.mainloop import (
    Inbox,
    TickDue,
    Ticker,
    WakeupDispatcher,
    shorten_gil_switch_interval,
)
from supvisors_ext.host.numprocs import NumprocsEditor
from supvisors_ext.model import RunningFailureStrategies
from supvisors_ext.net.bus_thread import BusFailure, BusReady
from supvisors_ext.net.network import local_network_info
from supvisors_ext.net.peers import http_credentials
from supvisors_ext.rules import Rules
from supvisors_ext.runtime.cluster_loop import ClusterLoop
from supvisors_ext.runtime.driver import Driver
from supvisors_ext.runtime.local_events import LocalEvents
from supvisors_ext.runtime.observability import Observability
from supvisors_ext.runtime.repair import RepairHandler
from supvisors_ext.runtime.rest import RestGauge
from supvisors_ext.runtime.sync import PeerSync

STATE_REFRESH_PERIOD = 5.0  # seconds between unchanged STATE re-publications
WAKE_MARGIN = 0.005  # after a waiting call's poll delay, so that the pass finds it due


def strategies_payload(config: Config) -> dict[str, object]:
    """`get_strategies()`: what every instance must share (compared at handshake)."""
    return {
        "auto-fencing": config.auto_fence,
        "conciliation": config.conciliation_strategy.name,
        "starting": config.starting_strategy.name,
        "supvisors_failure": config.supvisors_failure_strategy.name,
    }


class SupvisorsPlugin:
    """Owns the context, the state machine and the threads of one supervisord run."""

    def __init__(
        self,
        supervisord: Any,
        config: Config,
        rules: Rules,
        rules_error: str,
        logger: PluginLogger,
    ) -> None:
        self.config = config
        self.rules = rules
        self.rules_error = rules_error
        self.logger = logger
        self.adapter = SupervisorAdapter(supervisord, logger)
        self.context = Context(config.instances, config.local, rules)
        self.context.local.stereotypes = config.stereotypes
        self.context.local.network = local_network_info(config.local, config.stereotypes)
        self.fsm = Fsm(config.local.identifier)
        strategies = tuple(sorted(strategies_payload(config).items()))
        self.membership = Membership(self.context, strategies)
        credentials, problem = http_credentials(self.adapter.options.server_configs)
        if problem:
            logger.error(problem)
        self.sync = PeerSync(
            config, self.context, self.membership, logger, self._peer_lost, credentials
        )
        self.driver = Driver(
            self.context,
            self.adapter,
            self.sync,
            logger,
            config.tick_period,
            lambda: self.fsm.master,
        )
        self.repair = RepairHandler(self.context, self.driver, logger, self._on_system_failure)
        self.loop = ClusterLoop(
            config,
            rules_error,
            self.context,
            self.fsm,
            self.driver,
            self.repair,
            self.sync,
            self.adapter,
            logger,
        )
        self.driver.after_step = self.loop.step_repairs
        self.repair.deputy = self.loop.is_repair_deputy
        self.events = LocalEvents(
            self.adapter,
            self.context,
            rules,
            self.sync,
            self.driver,
            logger,
            self.rearm_waiting_calls,
        )
        # a SHUTDOWN/RESTART running failure, applied on the next loop pass (not mid-step)
        self.system_failure: RunningFailureStrategies | None = None
        self.last_state_refresh = float("-inf")
        # the main loop ticks slower at rest (runtime/rest.py)
        self.rest = RestGauge(config.tick_period, config.tick_period * config.inactivity_ticks)
        self.inbox: Inbox | None = None
        self.dispatcher: WakeupDispatcher | None = None
        self.ticker: Ticker | None = None
        self.observability = Observability(self)
        self.loop.on_state_published = self.observability.on_state_published
        self._subscribe()
        self.events.read_program_origins()
        self.disabilities = DisabilitiesFile(config.disabilities_file)
        self.restore_disabilities()
        self.numprocs = NumprocsEditor(supervisord, self.adapter, logger)
        self.events.load_local_processes()

    def restore_disabilities(self) -> None:
        """Before supervisord's first autostart pass: the programs disabled before a restart."""
        disabled, error = self.disabilities.load()
        if error:
            self.logger.error(error)
        self.adapter.disabled_programs = disabled
        self.adapter.apply_disabilities()
        if disabled:
            self.logger.info(f"disabled programs: {', '.join(sorted(disabled))}")

    # ----- lifecycle
    def _subscribe(self) -> None:
        self.adapter.subscribe_supervisord_events(
            on_running=self.on_running,
            on_stopping=self.on_stopping,
            on_process_state=self.events.on_process_state,
            on_group_added=self.events.on_group_added,
            on_group_removed=self.events.on_group_removed,
        )

    def is_current(self) -> bool:
        """Still bound to the running supervisord (False after a restart cleared the events)."""
        return self.adapter.is_subscribed()

    def on_running(self, _event: object) -> None:
        """First event-loop iteration, after the daemonizing fork: create threads and pipes."""
        shorten_gil_switch_interval()  # a publication leaves at once (docs/architecture.md)
        self.inbox = Inbox()
        self.dispatcher = WakeupDispatcher(self.inbox, self.on_items, self.logger)
        self.dispatcher.register(self.adapter.socket_map())
        self.inbox.watch_signals()
        enable_nodelay(self.adapter.options)
        self.observability.start(self.adapter.options, self.inbox.put)
        self.sync.start(self.inbox)
        self.driver.wakeup = self.inbox.wakeup
        self.ticker = Ticker(self.inbox, self.config.tick_period)
        self.ticker.start()
        self.events.ticker = self.ticker
        self.logger.info(
            f"started as {self.config.local.nick} ({self.config.local.identifier}),"
            f" bus port {self.config.local.internal_port},"
            f" {len(self.config.instances)} instance(s) listed"
            + (", discovery mode" if self.config.multicast is not None else "")
        )

    def catch_up(self) -> None:
        """Handle the items waiting in the inbox now (main thread; no-op before running).

        The wake-up byte stays in the pipe: the next loop pass finds an empty queue."""
        if self.inbox is not None:
            items = self.inbox.take_all()
            if items:
                self.on_items(items)

    def on_stopping(self, _event: object) -> None:
        """supervisord shuts down or restarts: stop threads, close fds, unsubscribe."""
        if self.ticker is not None and not self.ticker.stop():
            self.logger.error("the ticker thread did not stop in time")
        self.sync.stop()
        self.observability.stop()
        if self.dispatcher is not None:
            self.dispatcher.unregister(self.adapter.socket_map())
        if self.inbox is not None:
            self.inbox.unwatch_signals()
            self.inbox.close()
        self.ticker = self.dispatcher = self.inbox = self.events.ticker = None
        self.adapter.unsubscribe_all()
        self.logger.info("stopped")
        self.logger.close()

    def on_items(self, items: list[object]) -> None:
        # the bus state before anything: the instance leaves OFF only once its bus is bound,
        # and stays OFF when it cannot be; then the local tick, due or as soon as the bus is up
        for item in items:
            if isinstance(item, (BusFailure, BusReady)):
                self.sync.handle(item)
        if self.system_failure is not None:
            strategy, self.system_failure = self.system_failure, None
            self.loop.apply_system_failure(strategy)
        if any(isinstance(item, (TickDue, BusReady)) for item in items):
            self.on_tick()
        changed = False
        for item in items:
            if isinstance(item, (TickDue, BusFailure, BusReady)):
                continue
            if not self.observability.on_item(item):
                changed = self.sync.handle(item) or changed
        if changed:
            self.events.log_new_rules_warnings()
            # grants used up by a start job that just ended are released before the failure
            # scan of driver.step: a crash right after that job is a running failure
            self.loop.refresh_grants()
            self.driver.step()
            self.loop.evaluate()
            self.rearm_waiting_calls()
        if self.driver.spawn_local_starts() and self.inbox is not None:
            self.inbox.wakeup()  # more to spawn: come back at the next loop pass

    def rearm_waiting_calls(self) -> None:
        """One more loop pass soon: supervisord re-polls waiting (deferred) RPC callbacks only
        when its loop wakes, and after this change nothing else might wake it for up to 1 s
        (`supervisor/http.py` `deferring_http_channel.writable`). A pass within a call's poll
        delay of its previous poll skips it: a second pass comes once that delay is over."""
        if self.inbox is None:
            return
        self.inbox.wakeup()
        delay = self.adapter.waiting_call_delay()
        if delay and self.ticker is not None:
            self.ticker.wake_at(time.monotonic() + delay + WAKE_MARGIN)

    def on_tick(self) -> None:
        """Local tick: timers of the jobs and repairs, the FSM, the STATE refresh.

        The heartbeat (our TICK, the peers' silence) lives on the bus thread
        (docs/design/bus.md#heartbeat)."""
        if self.sync.failure or not self.sync.ready:
            # without a bus this instance cannot take part: it stays OFF until its bus is
            # bound, and for good if it cannot be (docs/design/state-machine.md)
            return
        now, wall = time.monotonic(), time.time()
        self.membership.on_local_tick(now, wall)
        self.events.forget_local(self.numprocs.sweep())
        self.driver.step()
        self.loop.refresh_grants()
        self.loop.evaluate()
        # published on change (evaluate); re-published every few seconds so that a message
        # lost to a late subscriber heals without costing every peer a decode per tick
        if now - self.last_state_refresh >= STATE_REFRESH_PERIOD:
            self.last_state_refresh = now
            self.sync.publish_state(self.loop.state_modes())
        self.observability.on_tick()
        if self.ticker is not None:
            self.ticker.set_period(self.tick_period(now))

    def tick_period(self, now: float) -> float:
        """The short tick period, or the long one when the cluster is at rest."""
        local = self.context.local_identifier
        return self.rest.period(
            now,
            (self.context.revision, self.loop.stable_for),
            self.fsm.state,
            not (self.driver.idle() and self.repair.idle() and self.sync.idle()),
            [
                (record.state, record.tick.local_mtime)
                for identifier, record in self.context.instances.items()
                if identifier != local
            ],
        )

    def _peer_lost(self, identifier: str) -> None:
        self.loop.evaluate()

    def _on_system_failure(self, strategy: RunningFailureStrategies) -> None:
        self.system_failure = strategy
        if self.inbox is not None:
            self.inbox.wakeup()
