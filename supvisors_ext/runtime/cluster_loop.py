"""The cluster loop: the state machine evaluated until stable, its actions turned into effects.

`ClusterLoop` owns what the local instance decides about the cluster: the user's
synchronization choice, the automatic start and global stop it asked for, its published state
& modes. It depends on the configuration, the context, the FSM, the driver, the repair handler,
the peer sync (publications), the host adapter (supervisord's exit) and the logger. The RPC
layer sees it as a `ClusterSteering` (`rpc/cluster.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from supvisors_ext import messages
from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.election import CORE_MIN_DELAY
from supvisors_ext.cluster.engine import Fsm
from supvisors_ext.cluster.fsm_io import (
    AbortJobs,
    Action,
    ClusterView,
    Conciliate,
    EnterState,
    ExitSupervisord,
    InstanceLost,
    InstanceView,
    PeerReport,
    SetInstanceState,
    StartDistribution,
    StartGlobalStop,
)
from supvisors_ext.cluster.membership import lose_processes
from supvisors_ext.config import Config
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.model import (
    InstanceStates,
    RunningFailureStrategies,
    SupvisorsStates,
    SynchronizationOptions,
)
from supvisors_ext.runtime.driver import Driver
from supvisors_ext.runtime.repair import RepairHandler, Role
from supvisors_ext.runtime.sync import PeerSync

RUNNING = InstanceStates.RUNNING
S = SupvisorsStates
WORKING = (S.DISTRIBUTION, S.OPERATION, S.CONCILIATION)
TRANSITIONS = (EnterState, SetInstanceState)


class ClusterLoop:
    """Evaluates the FSM over the cluster view and applies its actions."""

    def __init__(
        self,
        config: Config,
        rules_error: str,
        context: Context,
        fsm: Fsm,
        driver: Driver,
        repair: RepairHandler,
        sync: PeerSync,
        adapter: SupervisorAdapter,
        logger: PluginLogger,
    ) -> None:
        self.config = config
        self.rules_error = rules_error
        self.context = context
        self.fsm = fsm
        self.driver = driver
        self.repair = repair
        self.sync = sync
        self.adapter = adapter
        self.logger = logger
        self.started_at = time.monotonic()
        self.user_sync = False
        self.user_master = ""
        # set when the FSM asked for them; the driver says when they are over
        self.distribution_started = False
        self.global_stop_started = False
        # told when the published state & modes change (set by the plugin's observability)
        self.on_state_published: Callable[[], None] | None = None
        self.published_state: messages.StateModes | None = None
        self.peer_reports: dict[str, tuple[messages.StateModes, PeerReport]] = {}
        # the inputs the FSM was last found stable for (evaluate)
        self.stable_for: tuple[object, ...] | None = None

    # ----- running failures and conciliation (docs/design/failures.md)
    def repair_role(self) -> Role:
        if self.fsm.state in WORKING:
            local = self.fsm.master == self.context.local_identifier
            return Role.MASTER if local else Role.FOLLOWER
        if self.fsm.state in (S.RESTARTING, S.SHUTTING_DOWN, S.FINAL):
            return Role.FOLLOWER  # the cluster stops: nothing to repair
        return Role.NONE

    def step_repairs(self) -> None:
        role = self.repair_role()
        conciliating = role == Role.MASTER and self.fsm.state == S.CONCILIATION
        self.repair.step(role, self.config.conciliation_strategy if conciliating else None)
        # a job that began or ended is published at once, before the next process event: a
        # crash just after a start job ended reaches every peer after that end (Req 25)
        self.publish_state_if_changed()

    def is_repair_deputy(self) -> bool:
        """The follower that applies what a Master left undone: the first live non-Master."""
        master = self.fsm.master
        live = sorted(
            record.identifier
            for record in self.context.instances_in(RUNNING)
            if record.identifier != master
        )
        return bool(master) and bool(live) and live[0] == self.context.local_identifier

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
        """Evaluate until stable: a transition changes our own report, which may enable another.

        Skipped when nothing it reads changed since it was last stable: the FSM acts only on
        transitions, so the same inputs give no action (most ticks at rest, issue 18)."""
        self.adopt_user_master()
        if self.inputs_key() != self.stable_for:
            for _ in range(len(SupvisorsStates)):
                actions = self.fsm.evaluate(self.cluster_view())
                for action in actions:
                    self.apply(action)
                if not any(isinstance(action, TRANSITIONS) for action in actions):
                    break
            self.stable_for = self.inputs_key()
        if self.repair.book.jobs or self.repair.book.system is not None:
            self.driver.step()  # failures noted by this evaluation (a lost instance): act now
        self.publish_state_if_changed()

    def publish_state_if_changed(self) -> None:
        state_modes = self.state_modes()
        if state_modes != self.published_state:
            self.published_state = state_modes
            self.sync.publish_state(state_modes)
            if self.on_state_published is not None:
                self.on_state_published()  # the `supvisors` event topic (docs/events.md)

    def inputs_key(self) -> tuple[object, ...]:
        """Everything `cluster_view` gives the FSM, but the clock, of which the FSM only reads
        whether the two synchronization delays are over (cluster/election.py)."""
        elapsed = time.monotonic() - self.started_at
        timeout = float(self.config.synchro_timeout)
        return (
            self.fsm.state,
            self.fsm.master,
            tuple(
                (identifier, record.state, record.state_modes, record.stereotypes)
                for identifier, record in self.context.instances.items()
            ),
            bool(self.driver.jobs.start_jobs),
            bool(self.driver.jobs.stop_jobs),
            bool(self.context.conflicts()),
            self.distribution_started and self.driver.distribution_done(),
            self.global_stop_started and self.driver.global_stop_done(),
            self.user_sync,
            self.user_master,
            self.rules_error,
            elapsed >= timeout,
            elapsed >= min(CORE_MIN_DELAY, timeout),
        )

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

    def peer_report(self, identifier: str, modes: messages.StateModes) -> PeerReport:
        """What the FSM reads of a peer's state & modes, derived once per STATE received
        (every evaluation reads every instance's: N x N per tick otherwise)."""
        held = self.peer_reports.get(identifier)
        if held is not None and held[0] is modes:
            return held[1]
        running = frozenset(
            ident for ident, state in modes.instance_states if state == InstanceStates.RUNNING
        )
        report = PeerReport(modes.fsm_state, modes.master_identifier, running)
        self.peer_reports[identifier] = (modes, report)
        return report

    def cluster_view(self) -> ClusterView:
        core = set(self.config.core_identifiers)
        listed = {item.identifier for item in self.config.instances}
        views = []
        for record in self.context.instances.values():
            modes = record.state_modes
            report = None if modes is None else self.peer_report(record.identifier, modes)
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
