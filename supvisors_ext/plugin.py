"""Composition root and lifecycle of the plugin inside one supervisord run (main thread).

Order of life (STYLE.md §2): the factory builds this object before supervisord daemonizes, so
nothing here creates threads, pipes or sockets until `SupervisorRunningEvent`; everything is
released on `SupervisorStoppingEvent`; a supervisord restart builds a fresh plugin.
"""

from __future__ import annotations

import time
from typing import Any

from supervisor import events

from .config import Config
from .context import Context
from .engine import (
    AbortJobs,
    Action,
    ClusterView,
    EnterState,
    ExitSupervisord,
    Fsm,
    InstanceView,
    PeerReport,
    SetInstanceState,
    StartDistribution,
)
from .log import PluginLogger
from .mainloop import Inbox, TickDue, Ticker, WakeupDispatcher
from .model import InstanceStates, SupvisorsStates
from .rules import Rules
from .supervisor_adapter import SupervisorAdapter


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
        self.fsm = Fsm(config.local.identifier)
        self.started_at = time.monotonic()
        self.sequence_counter = 0
        self.user_sync = False
        self.user_master = ""
        self.distribution_done = False
        self.global_stop_done = False
        self.inbox: Inbox | None = None
        self.dispatcher: WakeupDispatcher | None = None
        self.ticker: Ticker | None = None
        # rules warnings already logged (pattern matching may add some when a group appears)
        self.rules_warnings_logged = len(rules.warnings)
        self._subscribe()
        self.load_local_processes()

    # ----- lifecycle
    def _subscribe(self) -> None:
        subscribe = self.adapter.subscribe
        subscribe(events.SupervisorRunningEvent, self.on_running, "supervisord running event")
        subscribe(events.SupervisorStoppingEvent, self.on_stopping, "supervisord stopping event")
        subscribe(events.ProcessStateEvent, self.on_process_state, "process state event")
        subscribe(events.ProcessGroupAddedEvent, self.on_group_added, "group added event")
        subscribe(events.ProcessGroupRemovedEvent, self.on_group_removed, "group removed event")

    def is_current(self) -> bool:
        """Still bound to the running supervisord (False after a restart cleared the events)."""
        return self.adapter.is_subscribed()

    def on_running(self, _event: object) -> None:
        """First event-loop iteration, after the daemonizing fork: create threads and pipes."""
        self.inbox = Inbox()
        self.dispatcher = WakeupDispatcher(self.inbox, self.on_items, self.logger)
        self.dispatcher.register(self.adapter.socket_map())
        self.ticker = Ticker(self.inbox, self.config.tick_period)
        self.ticker.start()
        self.logger.info(
            f"started as {self.config.local.nick} ({self.config.local.identifier}),"
            f" {len(self.config.instances)} instance(s) listed"
        )

    def on_stopping(self, _event: object) -> None:
        """supervisord shuts down or restarts: stop threads, close fds, unsubscribe."""
        if self.ticker is not None and not self.ticker.stop():
            self.logger.error("the ticker thread did not stop in time")
        if self.dispatcher is not None:
            self.dispatcher.unregister(self.adapter.socket_map())
        if self.inbox is not None:
            self.inbox.close()
        self.ticker = self.dispatcher = self.inbox = None
        self.adapter.unsubscribe_all()
        self.logger.info("stopped")
        self.logger.close()

    # ----- supervisord events
    def load_local_processes(self) -> None:
        now = time.monotonic()
        for info in self.adapter.all_local_infos(now):
            self.context.update_process(self.context.local_identifier, info, now)
        self.log_new_rules_warnings()

    def log_new_rules_warnings(self) -> None:
        """Log the warnings the rules produced while matching newly seen groups."""
        for issue in self.rules.warnings[self.rules_warnings_logged :]:
            self.logger.warn(issue.format_warning())
        self.rules_warnings_logged = len(self.rules.warnings)

    def on_process_state(self, event: Any) -> None:
        now = time.monotonic()
        self.adapter.note_state_change(event.process, now)
        info = self.adapter.local_info(event.process, now)
        self.context.update_process(self.context.local_identifier, info, now)

    def on_group_added(self, event: Any) -> None:
        now = time.monotonic()
        group = self.adapter.supervisord.process_groups.get(event.group)
        if group is None:
            return
        for process in group.processes.values():
            info = self.adapter.local_info(process, now)
            self.context.update_process(self.context.local_identifier, info, now)
        self.log_new_rules_warnings()

    def on_group_removed(self, event: Any) -> None:
        now = time.monotonic()
        application = self.context.applications.get(event.group)
        if application is None:
            return
        for name in list(application.processes):
            self.context.remove_process(self.context.local_identifier, event.group, name, now)

    # ----- items from worker threads
    def on_items(self, items: list[object]) -> None:
        for item in items:
            if isinstance(item, TickDue):
                self.on_tick(item)

    def on_tick(self, _item: TickDue) -> None:
        """Local heartbeat: advance our counter, update our own instance, evaluate the FSM."""
        self.sequence_counter += 1
        now, wall = time.monotonic(), time.time()
        local = self.context.local
        tick = local.tick
        tick.remote_sequence_counter = tick.local_sequence_counter = self.sequence_counter
        tick.remote_mtime = tick.local_mtime = now
        tick.remote_time = tick.local_time = wall
        if local.state == InstanceStates.STOPPED:
            # the local instance loads its own data directly: no handshake call
            local.state = InstanceStates.CHECKED
        self.evaluate()

    # ----- state machine
    def evaluate(self) -> None:
        """Evaluate until stable: a transition changes our own report, which may enable another."""
        for _ in range(len(SupvisorsStates)):
            actions = self.fsm.evaluate(self.cluster_view())
            for action in actions:
                self.apply(action)
            if not any(isinstance(action, EnterState) for action in actions):
                return

    def cluster_view(self) -> ClusterView:
        now = time.monotonic()
        running = frozenset(
            record.identifier for record in self.context.instances_in(InstanceStates.RUNNING)
        )
        core = set(self.config.core_identifiers)
        listed = {item.identifier for item in self.config.instances}
        views = []
        for record in self.context.instances.values():
            if record.identifier == self.context.local_identifier:
                report = PeerReport(self.fsm.state, self.fsm.master, running)
                rules_error = bool(self.rules_error)
            else:
                report = None
                rules_error = False
            views.append(
                InstanceView(
                    identifier=record.identifier,
                    nick=record.id.nick,
                    state=record.state,
                    listed=record.identifier in listed,
                    core=bool(
                        core & ({record.identifier, record.id.nick} | set(record.stereotypes))
                    ),
                    rules_error=rules_error,
                    report=report,
                )
            )
        return ClusterView(
            now=now,
            local_identifier=self.context.local_identifier,
            instances=tuple(views),
            synchro_options=self.config.synchro_options,
            synchro_timeout=float(self.config.synchro_timeout),
            failure_strategy=self.config.supvisors_failure_strategy,
            auto_fence=self.config.auto_fence,
            started_at=self.started_at,
            user_sync=self.user_sync,
            user_master=self.user_master,
            jobs_in_progress=False,
            conflicts=bool(self.context.conflicts()),
            distribution_done=self.distribution_done,
            global_stop_done=self.global_stop_done,
        )

    def apply(self, action: Action) -> None:
        if isinstance(action, SetInstanceState):
            self.context.instances[action.identifier].state = action.state
        elif isinstance(action, EnterState):
            self.logger.info(f"state {action.state.name}, Master {action.master or 'none'}")
            if action.state == SupvisorsStates.OFF:
                self.started_at = time.monotonic()
        elif isinstance(action, StartDistribution):
            # the automatic start of applications comes with application control
            self.distribution_done = True
        elif isinstance(action, AbortJobs):
            self.distribution_done = False
        elif isinstance(action, ExitSupervisord):
            self.logger.warn("cluster stop requested: supervisord exits")

    # ----- queries used by the RPC layer
    def starting_jobs(self) -> list[str]:
        return []

    def stopping_jobs(self) -> list[str]:
        return []
