"""Composition root and lifecycle of the plugin inside one supervisord run (main thread).

Order of life (docs/architecture.md#the-supervisord-plugin-lifecycle): the factory builds this
object before supervisord daemonizes, so
nothing here creates threads, pipes or sockets until `SupervisorRunningEvent`; everything is
released on `SupervisorStoppingEvent`; a supervisord restart builds a fresh plugin.
"""

from __future__ import annotations

import os
import time
from typing import Any

from supvisors_ext import messages
from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.engine import (
    AbortJobs,
    Action,
    ClusterView,
    Conciliate,
    EnterState,
    ExitSupervisord,
    Fsm,
    InstanceLost,
    InstanceView,
    PeerReport,
    SetInstanceState,
    StartDistribution,
    StartGlobalStop,
)
from supvisors_ext.cluster.membership import Membership, lose_processes
from supvisors_ext.config import Config
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.conffiles import program_origins, read_config_files
from supvisors_ext.host.http_sockets import enable_nodelay
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.host.mainloop import Inbox, TickDue, Ticker, WakeupDispatcher
from supvisors_ext.model import (
    InstanceStates,
    ProcessStates,
    RunningFailureStrategies,
    SupvisorsStates,
    SynchronizationOptions,
)
from supvisors_ext.net.bus import BusFailure
from supvisors_ext.net.network import local_network_info
from supvisors_ext.net.peers import http_credentials
from supvisors_ext.rules import Rules
from supvisors_ext.runtime.driver import Driver
from supvisors_ext.runtime.repair import RepairHandler, Role
from supvisors_ext.runtime.sync import PeerSync

RUNNING = InstanceStates.RUNNING
S = SupvisorsStates
WORKING = (S.DISTRIBUTION, S.OPERATION, S.CONCILIATION)
STATE_REFRESH_PERIOD = 5.0  # seconds between unchanged STATE re-publications


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
        self.membership = Membership(self.context, config.inactivity_ticks, strategies)
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
        self.driver.after_step = self._step_repairs
        self.repair.deputy = self.is_repair_deputy
        # a SHUTDOWN/RESTART running failure, applied on the next loop pass (not mid-step)
        self.system_failure: RunningFailureStrategies | None = None
        self.started_at = time.monotonic()
        self.state_refresh_ticks = max(1, round(STATE_REFRESH_PERIOD / config.tick_period))
        self.user_sync = False
        self.user_master = ""
        # set when the FSM asked for them; the driver says when they are over
        self.distribution_started = False
        self.global_stop_started = False
        self.published_state: messages.StateModes | None = None
        self.inbox: Inbox | None = None
        self.dispatcher: WakeupDispatcher | None = None
        self.ticker: Ticker | None = None
        # rules warnings already logged (pattern matching may add some when a group appears)
        self.rules_warnings_logged = len(rules.warnings)
        self._subscribe()
        self.read_program_origins()
        self.load_local_processes()

    # ----- lifecycle
    def _subscribe(self) -> None:
        self.adapter.subscribe_supervisord_events(
            on_running=self.on_running,
            on_stopping=self.on_stopping,
            on_process_state=self.on_process_state,
            on_group_added=self.on_group_added,
            on_group_removed=self.on_group_removed,
        )

    def is_current(self) -> bool:
        """Still bound to the running supervisord (False after a restart cleared the events)."""
        return self.adapter.is_subscribed()

    def on_running(self, _event: object) -> None:
        """First event-loop iteration, after the daemonizing fork: create threads and pipes."""
        self.inbox = Inbox()
        self.dispatcher = WakeupDispatcher(self.inbox, self.on_items, self.logger)
        self.dispatcher.register(self.adapter.socket_map())
        enable_nodelay(self.adapter.options)
        self.sync.start(self.inbox)
        self.driver.wakeup = self.inbox.wakeup
        self.ticker = Ticker(self.inbox, self.config.tick_period)
        self.ticker.start()
        self.logger.info(
            f"started as {self.config.local.nick} ({self.config.local.identifier}),"
            f" bus port {self.config.local.internal_port},"
            f" {len(self.config.instances)} instance(s) listed"
            + (", discovery mode" if self.config.multicast is not None else "")
        )

    def on_stopping(self, _event: object) -> None:
        """supervisord shuts down or restarts: stop threads, close fds, unsubscribe."""
        if self.ticker is not None and not self.ticker.stop():
            self.logger.error("the ticker thread did not stop in time")
        self.sync.stop()
        if self.dispatcher is not None:
            self.dispatcher.unregister(self.adapter.socket_map())
        if self.inbox is not None:
            self.inbox.close()
        self.ticker = self.dispatcher = self.inbox = None
        self.adapter.unsubscribe_all()
        self.logger.info("stopped")
        self.logger.close()

    def read_program_origins(self) -> None:
        """Recover program names and numprocs ranks from supervisord's own files."""
        configfile = self.adapter.options.configfile
        try:
            parser = read_config_files(configfile, os.environ)
            self.adapter.origins = program_origins(parser, os.path.dirname(configfile))
        except (OSError, ValueError, KeyError) as exc:
            self.logger.warn(f"cannot read program names from {configfile}: {exc}")

    # ----- supervisord events
    def load_local_processes(self) -> None:
        now = time.monotonic()
        for info in self.adapter.all_local_infos(now):
            self.context.update_process(self.context.local_identifier, info, now)
        self.log_new_rules_warnings()
        for group in self.adapter.supervisord.process_groups.values():
            self.own_restarts(group)

    def own_restarts(self, group: Any) -> None:
        """Processes whose crash stops or restarts their application must not be restarted by
        supervisord meanwhile (docs/design/failures.md#running-failures): their `autorestart` is
        turned off."""
        owned = (
            RunningFailureStrategies.STOP_APPLICATION,
            RunningFailureStrategies.RESTART_APPLICATION,
        )
        for process in group.processes.values():
            rules = self.context.program_rules(group.config.name, process.config.name)
            if rules.running_failure_strategy in owned and self.adapter.disable_autorestart(
                process
            ):
                self.logger.warn(
                    f"{group.config.name}:{process.config.name}: autorestart disabled"
                    f" ({rules.running_failure_strategy.name} handles its failures)"
                )

    def log_new_rules_warnings(self) -> None:
        """Log the warnings the rules produced while matching newly seen groups."""
        for issue in self.rules.warnings[self.rules_warnings_logged :]:
            self.logger.warn(issue.format_warning())
        self.rules_warnings_logged = len(self.rules.warnings)

    def on_process_state(self, event: Any) -> None:
        now = time.monotonic()
        self.adapter.note_state_change(event.process, now)
        info = self.adapter.local_info(event.process, now)
        if info.state == ProcessStates.STARTING and info.startsecs and self.ticker is not None:
            # supervisord checks `now - laststart > startsecs`: wake it just after
            self.ticker.wake_at(now + info.startsecs + 0.02)
        self.context.update_process(self.context.local_identifier, info, now)
        self.sync.publish_process(info)
        self.driver.step()
        self.rearm_waiting_calls()

    def on_group_added(self, event: Any) -> None:
        now = time.monotonic()
        group = self.adapter.supervisord.process_groups.get(event.group)
        if group is None:
            return
        for process in group.processes.values():
            info = self.adapter.local_info(process, now)
            self.context.update_process(self.context.local_identifier, info, now)
            self.sync.publish_process(info, added=True)
        self.log_new_rules_warnings()
        self.own_restarts(group)

    def on_group_removed(self, event: Any) -> None:
        now = time.monotonic()
        application = self.context.applications.get(event.group)
        if application is None:
            return
        for name in list(application.processes):
            self.context.remove_process(self.context.local_identifier, event.group, name, now)
            self.sync.publish_removed(event.group, name)

    # ----- items from worker threads
    def on_items(self, items: list[object]) -> None:
        # a bus failure before anything (the instance then stays OFF), then the heartbeat:
        # whatever else this pass does, peers must keep hearing us
        for item in items:
            if isinstance(item, BusFailure):
                self.sync.handle(item)
        if self.system_failure is not None:
            strategy, self.system_failure = self.system_failure, None
            self.apply_system_failure(strategy)
        if any(isinstance(item, TickDue) for item in items):
            self.on_tick()
        changed = False
        for item in items:
            if not isinstance(item, TickDue | BusFailure):
                changed = self.sync.handle(item) or changed
        if changed:
            self.log_new_rules_warnings()
            # grants used up by a start job that just ended are released before the failure
            # scan of driver.step: a crash right after that job is a running failure
            self.refresh_grants()
            self.driver.step()
            self.evaluate()
            self.rearm_waiting_calls()
        if self.driver.spawn_local_starts() and self.inbox is not None:
            self.inbox.wakeup()  # more to spawn: come back at the next loop pass

    def rearm_waiting_calls(self) -> None:
        """One more loop pass soon: supervisord re-polls waiting (deferred) RPC callbacks only
        when its loop wakes, and after this change nothing else might wake it for up to 1 s
        (`supervisor/http.py` `deferring_http_channel.writable`)."""
        if self.inbox is not None:
            self.inbox.wakeup()

    def on_tick(self) -> None:
        """Local heartbeat: count, detect silent peers, evaluate the FSM, publish."""
        if self.sync.failure:
            # without a bus this instance cannot take part: it stays OFF
            # (docs/design/state-machine.md)
            return
        now, wall = time.monotonic(), time.time()
        for identifier in self.membership.on_local_tick(now, wall):
            self.logger.warn(
                f"{identifier} FAILED: no tick for {self.config.inactivity_ticks} ticks"
            )
        self.driver.step()
        self.refresh_grants()
        self.evaluate()
        self.sync.publish_tick(now, wall)
        # published on change (evaluate); re-published every few seconds so that a message
        # lost to a late subscriber heals without costing every peer a decode per tick
        if self.membership.counter % self.state_refresh_ticks == 0:
            self.sync.publish_state(self.state_modes())

    def _peer_lost(self, identifier: str) -> None:
        self.evaluate()

    # ----- running failures and conciliation (docs/design/failures.md)
    def repair_role(self) -> Role:
        if self.fsm.state in WORKING:
            local = self.fsm.master == self.context.local_identifier
            return Role.MASTER if local else Role.FOLLOWER
        if self.fsm.state in (S.RESTARTING, S.SHUTTING_DOWN, S.FINAL):
            return Role.FOLLOWER  # the cluster stops: nothing to repair
        return Role.NONE

    def is_repair_deputy(self) -> bool:
        """The follower that applies what a Master left undone: the first live non-Master."""
        master = self.fsm.master
        live = sorted(
            record.identifier
            for record in self.context.instances_in(RUNNING)
            if record.identifier != master
        )
        return bool(master) and bool(live) and live[0] == self.context.local_identifier

    def _step_repairs(self) -> None:
        role = self.repair_role()
        conciliating = role == Role.MASTER and self.fsm.state == S.CONCILIATION
        self.repair.step(role, self.config.conciliation_strategy if conciliating else None)
        # a job that began or ended is published at once, before the next process event: a
        # crash just after a start job ended reaches every peer after that end (Req 25)
        self.publish_state_if_changed()

    def _on_system_failure(self, strategy: RunningFailureStrategies) -> None:
        self.system_failure = strategy
        if self.inbox is not None:
            self.inbox.wakeup()

    def apply_system_failure(self, strategy: RunningFailureStrategies) -> None:
        restart = strategy == RunningFailureStrategies.RESTART
        target = S.RESTARTING if restart else S.SHUTTING_DOWN
        self.logger.warn(f"running failure: {strategy.name} of the whole system")
        if not self.request_state(target):
            self.logger.error(
                f"running failure: cannot enter {target.name} from {self.fsm.state.name}"
            )

    def refresh_grants(self) -> None:
        """Master: release the start grants that were used or whose requester vanished."""
        if self.fsm.master != self.context.local_identifier:
            self.driver.grants.clear()
            return
        starting = {
            identifier: record.state_modes.starting_applications if record.state_modes else ()
            for identifier, record in self.context.instances.items()
        }
        starting[self.context.local_identifier] = self.driver.jobs.starting_applications()
        alive = {record.identifier for record in self.context.instances_in(RUNNING)}
        self.driver.grants.refresh(starting, alive, time.monotonic())

    # ----- state machine
    def end_sync(self, master: str) -> None:
        """end_sync(): the user ends the synchronization phase ('' for an election)."""
        self.user_sync, self.user_master = True, master
        self.evaluate()

    def request_state(self, target: SupvisorsStates) -> bool:
        """restart()/shutdown() on the Master: enter RESTARTING/SHUTTING_DOWN if allowed now."""
        self.fsm.actions = []
        if not self.fsm.request(target):
            return False
        for action in self.fsm.actions:
            self.apply(action)
        self.evaluate()
        return True

    def adopt_user_master(self) -> None:
        """USER sync: a Master named by a peer (set there by end_sync) is adopted here."""
        if SynchronizationOptions.USER not in self.config.synchro_options or self.user_sync:
            return
        if self.fsm.state != SupvisorsStates.SYNCHRONIZATION:
            return
        for record in self.context.instances.values():
            modes = record.state_modes
            if modes is not None and modes.master_identifier:
                self.user_sync, self.user_master = True, modes.master_identifier
                return

    def evaluate(self) -> None:
        """Evaluate until stable: a transition changes our own report, which may enable another."""
        self.adopt_user_master()
        for _ in range(len(SupvisorsStates)):
            actions = self.fsm.evaluate(self.cluster_view())
            for action in actions:
                self.apply(action)
            if not any(isinstance(action, EnterState | SetInstanceState) for action in actions):
                break
        if self.repair.book.jobs or self.repair.book.system is not None:
            self.driver.step()  # failures noted by this evaluation (a lost instance): act now
        self.publish_state_if_changed()

    def publish_state_if_changed(self) -> None:
        state_modes = self.state_modes()
        if state_modes != self.published_state:
            self.published_state = state_modes
            self.sync.publish_state(state_modes)

    def state_modes(self) -> messages.StateModes:
        return messages.StateModes(
            fsm_state=self.fsm.state,
            degraded_mode=self.fsm.degraded,
            discovery_mode=self.config.multicast is not None,
            master_identifier=self.fsm.master,
            starting_jobs=bool(self.driver.jobs.start_jobs),
            stopping_jobs=bool(self.driver.jobs.stop_jobs),
            instance_states=tuple(
                (identifier, record.state) for identifier, record in self.context.instances.items()
            ),
            rules_error=self.rules_error,
            starting_applications=self.driver.jobs.starting_applications(),
        )

    def cluster_view(self) -> ClusterView:
        core = set(self.config.core_identifiers)
        listed = {item.identifier for item in self.config.instances}
        views = []
        for record in self.context.instances.values():
            modes = record.state_modes
            report = None
            if modes is not None:
                running = frozenset(
                    ident
                    for ident, state in modes.instance_states
                    if state == InstanceStates.RUNNING
                )
                report = PeerReport(modes.fsm_state, modes.master_identifier, running)
            names = {record.identifier, record.id.nick, *record.stereotypes}
            views.append(
                InstanceView(
                    identifier=record.identifier,
                    nick=record.id.nick,
                    state=record.state,
                    listed=record.identifier in listed,
                    core=bool(core & names),
                    rules_error=self._has_rules_error(record.identifier, modes),
                    report=report,
                )
            )
        return ClusterView(
            now=time.monotonic(),
            local_identifier=self.context.local_identifier,
            instances=tuple(views),
            synchro_options=self.config.synchro_options,
            synchro_timeout=float(self.config.synchro_timeout),
            failure_strategy=self.config.supvisors_failure_strategy,
            auto_fence=self.config.auto_fence,
            started_at=self.started_at,
            user_sync=self.user_sync,
            user_master=self.user_master,
            jobs_in_progress=bool(self.starting_jobs() or self.stopping_jobs()),
            conflicts=bool(self.context.conflicts()),
            distribution_done=self.distribution_started and self.driver.distribution_done(),
            global_stop_done=self.global_stop_started and self.driver.global_stop_done(),
        )

    def _has_rules_error(self, identifier: str, modes: messages.StateModes | None) -> bool:
        """Our own error we know; a peer's comes with its published state & modes."""
        if identifier == self.context.local_identifier:
            return bool(self.rules_error)
        return modes is not None and bool(modes.rules_error)

    def apply(self, action: Action) -> None:
        if isinstance(action, SetInstanceState):
            self.context.instances[action.identifier].state = action.state
            if action.state == InstanceStates.ISOLATED:
                self.sync.disconnect(action.identifier)
            self.logger.info(f"{action.identifier} {action.state.name}")
        elif isinstance(action, InstanceLost):
            record = self.context.instances[action.identifier]
            record.state_modes = None  # its last report must not steer the election any more
            lost = lose_processes(self.context, record, time.monotonic())
            if lost:
                self.logger.warn(f"{action.identifier} lost with {', '.join(lost)}")
            # kept unless another live Master handles it (that Master notes the same loss)
            keep = self.fsm.master in ("", self.context.local_identifier, action.identifier)
            self.repair.note_loss(action.identifier, lost, keep)
        elif isinstance(action, EnterState):
            self.logger.info(f"state {action.state.name}, Master {action.master or 'none'}")
            if action.state == SupvisorsStates.OFF:
                self.started_at = time.monotonic()
        elif isinstance(action, StartDistribution):
            self.distribution_started = True
            # applications with a pending failure job are left to it (it may stop them)
            self.driver.start_distribution(exclude=set(self.repair.book.jobs))
        elif isinstance(action, AbortJobs):
            self.distribution_started = self.global_stop_started = False
            self.driver.abort()
            self.repair.abort()
        elif isinstance(action, Conciliate):
            if self.fsm.master == self.context.local_identifier:
                self.repair.conciliate(self.config.conciliation_strategy)
        elif isinstance(action, StartGlobalStop):
            self.global_stop_started = True
            self.driver.start_global_stop()
        elif isinstance(action, ExitSupervisord):
            self.adapter.exit_supervisord(restart=action.restart)
            self.logger.warn(
                f"cluster {'restart' if action.restart else 'shutdown'}: supervisord exits"
            )

    # ----- queries used by the RPC layer
    def starting_jobs(self) -> list[str]:
        """Instances with start jobs in progress (this one from its driver, peers as published)."""
        return self.context.instances_with_jobs(False, bool(self.driver.jobs.start_jobs))

    def stopping_jobs(self) -> list[str]:
        return self.context.instances_with_jobs(True, bool(self.driver.jobs.stop_jobs))
