"""The Supvisors state machine (docs/design/state-machine.md): pure, `evaluate(view) -> actions`.

The plugin builds a `ClusterView` snapshot at every local tick and after every event that may
change the outcome, calls `Fsm.evaluate`, and carries out the returned actions. Time arrives in
the view; nothing here sleeps, logs or touches supervisor. The view and the actions are in
`fsm_io.py`, the synchronization conditions and the election in `election.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from supvisors_ext.cluster.election import (
    STRUCTURAL_OPTIONS,
    local_view,
    lost_condition,
    running_set,
    running_views,
    select_master,
    stable,
    synchro_conditions,
)
from supvisors_ext.cluster.fsm_io import (
    AbortJobs,
    Action,
    ClusterView,
    Conciliate,
    EnterState,
    ExitSupervisord,
    InstanceLost,
    PeerReport,
    SetInstanceState,
    StartDistribution,
    StartGlobalStop,
)
from supvisors_ext.model import (
    InstanceStates,
    SupvisorsFailureStrategies,
    SupvisorsStates,
)

S = SupvisorsStates
I = InstanceStates  # noqa: E741 - short alias used in tables

ALLOWED: dict[SupvisorsStates, frozenset[SupvisorsStates]] = {
    S.OFF: frozenset({S.SYNCHRONIZATION}),
    S.SYNCHRONIZATION: frozenset({S.OFF, S.ELECTION}),
    S.ELECTION: frozenset({S.OFF, S.SYNCHRONIZATION, S.DISTRIBUTION, S.SHUTTING_DOWN}),
    S.DISTRIBUTION: frozenset(
        {S.OFF, S.SYNCHRONIZATION, S.ELECTION, S.OPERATION, S.RESTARTING, S.SHUTTING_DOWN}
    ),
    S.OPERATION: frozenset(
        {S.OFF, S.SYNCHRONIZATION, S.ELECTION, S.CONCILIATION, S.RESTARTING, S.SHUTTING_DOWN}
    ),
    S.CONCILIATION: frozenset(
        {S.OFF, S.SYNCHRONIZATION, S.ELECTION, S.OPERATION, S.RESTARTING, S.SHUTTING_DOWN}
    ),
    S.RESTARTING: frozenset({S.FINAL}),
    S.SHUTTING_DOWN: frozenset({S.FINAL}),
    S.FINAL: frozenset(),
}
WORKING_STATES = frozenset({S.DISTRIBUTION, S.OPERATION, S.CONCILIATION})
# states in which the synchronization conditions are watched
# (docs/design/state-machine.md#cluster-states)
WATCHED_STATES = frozenset({S.ELECTION, S.DISTRIBUTION, S.OPERATION, S.CONCILIATION})


@dataclass(slots=True)
class Fsm:
    """The local instance's copy of the cluster state machine (main thread)."""

    local_identifier: str
    state: SupvisorsStates = S.OFF
    master: str = ""
    degraded: bool = False
    final_restart: bool = False  # FINAL reached from RESTARTING (restart) or SHUTTING_DOWN
    actions: list[Action] = field(default_factory=list)

    def request(self, target: SupvisorsStates) -> bool:
        """User/strategy request for RESTARTING or SHUTTING_DOWN; False if not allowed now."""
        if target not in ALLOWED[self.state]:
            return False
        self._enter(target)
        return True

    def evaluate(self, view: ClusterView) -> list[Action]:
        """Run the machine until it is stable for this view; return what must be done."""
        self.actions = []
        view = self._process_instances(view)
        for _ in range(len(SupvisorsStates) + 2):  # bounded: each pass is one transition
            before = (self.state, self.master)
            self._step(self._with_own_report(view))
            if (self.state, self.master) == before:
                break
        return self.actions

    def _with_own_report(self, view: ClusterView) -> ClusterView:
        """Our own report is what we are now, not what we last published."""
        own = PeerReport(self.state, self.master, running_set(view.instances))
        instances = tuple(
            replace(inst, report=own) if inst.identifier == self.local_identifier else inst
            for inst in view.instances
        )
        return replace(view, instances=instances)

    # ----- instance states (docs/design/state-machine.md#instance-states)
    def _process_instances(self, view: ClusterView) -> ClusterView:
        master_state = self._master_state(view)
        if master_state is None:
            # the Master's report is gone (it was lost just before): our own state stands for it
            master_state = self.state
        master_working = master_state in (S.ELECTION, *WORKING_STATES)
        updated = []
        for instance in view.instances:
            state = instance.state
            if state == I.FAILED:
                state = I.ISOLATED if view.auto_fence and master_working else I.STOPPED
                self.actions.append(InstanceLost(instance.identifier))
            elif state == I.CHECKED and self.state != S.DISTRIBUTION:
                state = I.RUNNING
                if self.state in (S.OPERATION, S.CONCILIATION):
                    self._enter(S.ELECTION)
            if state != instance.state:
                self.actions.append(SetInstanceState(instance.identifier, state))
                instance = replace(instance, state=state)
            updated.append(instance)
        return replace(view, instances=tuple(updated))

    # ----- the machine (docs/design/state-machine.md#cluster-states)
    def _step(self, view: ClusterView) -> None:
        local = local_view(view)
        if local.state != I.RUNNING:
            if self.state not in (S.OFF, S.FINAL, S.RESTARTING, S.SHUTTING_DOWN):
                self._enter(S.OFF)
            return
        handler = {
            S.OFF: self._off,
            S.SYNCHRONIZATION: self._synchronization,
            S.ELECTION: self._election,
            S.DISTRIBUTION: self._working,
            S.OPERATION: self._working,
            S.CONCILIATION: self._working,
            S.RESTARTING: self._stopping,
            S.SHUTTING_DOWN: self._stopping,
            S.FINAL: lambda _view: None,
        }[self.state]
        handler(view)

    def _off(self, view: ClusterView) -> None:
        self._enter(S.SYNCHRONIZATION)

    def _synchronization(self, view: ClusterView) -> None:
        met = synchro_conditions(view)
        self.degraded = not all(met.get(option, True) for option in STRUCTURAL_OPTIONS)
        if any(met.values()):
            if view.user_sync and view.user_master:
                self.master = view.user_master
            self._enter(S.ELECTION)

    def _election(self, view: ClusterView) -> None:
        if self._synchro_lost(view) or not stable(view):
            return
        running = running_views(view)
        named = {inst.report.master_identifier for inst in running if inst.report}
        alive = {inst.identifier for inst in running}
        # a Master named by everybody counts only while it runs (reports may be stale)
        if len(named) == 1 and self.master in named and self.master in alive:
            if self.master == view.local_identifier:
                self._enter(S.DISTRIBUTION)
            elif self._master_state(view) in WORKING_STATES:
                self._enter(S.DISTRIBUTION)
            return
        self.master = select_master(view)

    def _working(self, view: ClusterView) -> None:
        if self._synchro_lost(view):
            return
        if not self._master_valid(view):
            self._enter(S.ELECTION)
            return
        if self.master != view.local_identifier:
            self._follow(self._master_state(view))
            return
        if self.state == S.DISTRIBUTION and view.distribution_done:
            self._enter(S.OPERATION)
        elif self.state == S.OPERATION and view.conflicts and not view.jobs_in_progress:
            self._enter(S.CONCILIATION)
        elif self.state == S.CONCILIATION and not view.conflicts:
            self._enter(S.OPERATION)

    def _stopping(self, view: ClusterView) -> None:
        if self.master == view.local_identifier:
            # the others go to FINAL when they see us leave this state: they must see it first
            done = view.global_stop_done and not self._followers_behind(view)
        else:
            # the Master left its stopping state (FINAL, lost, or already restarted)
            master_state = self._master_state(view) if self._master_valid(view) else None
            done = master_state not in (S.RESTARTING, S.SHUTTING_DOWN)
        if done:
            self.final_restart = self.state == S.RESTARTING
            self._enter(S.FINAL)

    # ----- helpers
    def _followers_behind(self, view: ClusterView) -> bool:
        """A RUNNING follower still reports a working state under us: it has not seen ours yet.

        Lost followers stop being RUNNING, so this wait is bounded by the failure detection.
        """
        return any(
            inst.report.fsm_state in WORKING_STATES and inst.report.master_identifier == self.master
            for inst in running_views(view)
            if inst.identifier != view.local_identifier and inst.report is not None
        )

    def _follow(self, master_state: SupvisorsStates | None) -> None:
        """Take the Master's state; DISTRIBUTION reaches CONCILIATION through OPERATION."""
        if master_state in (None, self.state, S.OFF, S.SYNCHRONIZATION):
            return
        if master_state not in ALLOWED[self.state] and S.OPERATION in ALLOWED[self.state]:
            if master_state in ALLOWED[S.OPERATION]:
                self._enter(S.OPERATION)
        if master_state in ALLOWED[self.state]:
            self._enter(master_state)

    def _synchro_lost(self, view: ClusterView) -> bool:
        """Apply supvisors_failure_strategy when the sync conditions no longer hold."""
        met = synchro_conditions(view)
        self.degraded = not all(met.get(option, True) for option in STRUCTURAL_OPTIONS)
        lost = lost_condition(view, met)
        if not lost or view.failure_strategy == SupvisorsFailureStrategies.CONTINUE:
            return False
        if view.failure_strategy == SupvisorsFailureStrategies.RESYNC:
            self._enter(S.SYNCHRONIZATION)
        else:
            self._enter(S.SHUTTING_DOWN)
        return True

    def _master_state(self, view: ClusterView) -> SupvisorsStates | None:
        if self.master == view.local_identifier:
            return self.state  # the local instance never receives its own reports
        for inst in view.instances:
            if inst.identifier == self.master and inst.report is not None:
                return inst.report.fsm_state
        return None

    def _master_valid(self, view: ClusterView) -> bool:
        running = running_views(view)
        if self.master not in {inst.identifier for inst in running}:
            return False
        named = {inst.report.master_identifier for inst in running if inst.report}
        named.discard("")
        return named <= {self.master}

    def _enter(self, state: SupvisorsStates) -> None:
        if state == self.state:
            return
        self.state = state
        self.actions.append(EnterState(state, self.master))
        if state in (S.SYNCHRONIZATION, S.ELECTION, S.OFF, S.RESTARTING, S.SHUTTING_DOWN):
            self.actions.append(AbortJobs())
        if state in (S.OFF, S.SYNCHRONIZATION):
            self.master = ""
        if state == S.DISTRIBUTION and self.master == self.local_identifier:
            self.actions.append(StartDistribution())
        if state == S.CONCILIATION:
            self.actions.append(Conciliate())
        if state in (S.RESTARTING, S.SHUTTING_DOWN) and self.master == self.local_identifier:
            # only the Master stops the applications; followers wait for it
            # (docs/design/state-machine.md#cluster-states)
            self.actions.append(StartGlobalStop())
        if state == S.FINAL:
            self.actions.append(ExitSupervisord(self.final_restart))
