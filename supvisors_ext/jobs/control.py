"""The local driver of start and stop jobs (docs/design/jobs.md): planning, placement, stepping.

Core, pure: it reads the context, keeps the jobs this instance drives, and returns commands.
Pending loads R(i) are derived from the jobs themselves (requests placed on i whose process does
not yet count in L(i)), so there is no separate bookkeeping to drift.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Union

from supvisors_ext.cluster.context import ApplicationRecord, Context, ProcessRecord
from supvisors_ext.compat import SLOTS
from supvisors_ext.jobs.start import (
    JobCommand,
    ProcessRequest,
    RequestStatus,
    StartJob,
    build_stages,
)
from supvisors_ext.jobs.stop import StopCommand, StopJob, build_stop_stages
from supvisors_ext.model import (
    LOADING_STATES,
    DistributionRules,
    InstanceStates,
    StartingStrategies,
)
from supvisors_ext.rules import application_rank
from supvisors_ext.strategy import (
    Candidate,
    assign_hash_application,
    assign_hash_program,
    choose_instance,
    choose_node,
    place_single_instance,
    resolve_identifiers,
)

HASH, AT = "#", "@"
# Union: a run-time alias (Python 3.9 has no `type | type`)
Command = Union[JobCommand, StopCommand]


@dataclass(frozen=True, **SLOTS)
class JobOutcome:
    """What a finished job leaves for the callers waiting on it."""

    key: str
    requests_sent: int
    failures: tuple[str, ...]


# a start job with no change in its records is still stepped this often, for its deadlines
JOB_RECHECK_PERIOD = 0.2


@dataclass(**SLOTS)
class Jobs:
    """Start and stop jobs driven by this instance, keyed by application (or namespec)."""

    context: Context
    tick_period: float
    start_jobs: dict[str, StartJob] = field(default_factory=dict)
    stop_jobs: dict[str, StopJob] = field(default_factory=dict)
    outcomes: dict[str, JobOutcome] = field(default_factory=dict)
    # program-level '#'/'@' assignments: (application, program) -> process_index -> identifier
    assignments: dict[tuple[str, str], dict[int, str | None]] = field(default_factory=dict)
    # start job key -> ((application revision, instance states), when) of its last step
    step_memo: dict[str, tuple[tuple[int, tuple[object, ...]], float]] = field(default_factory=dict)

    # ----- queries
    def starting_applications(self) -> tuple[str, ...]:
        return tuple(sorted({job.application for job in self.start_jobs.values()}))

    def stopping_applications(self) -> tuple[str, ...]:
        return tuple(sorted({job.application for job in self.stop_jobs.values()}))

    def busy(self, application: str) -> bool:
        return application in self.starting_applications() + self.stopping_applications()

    def pending_load(self, identifier: str) -> int:
        return self.pending_loads().get(identifier, 0)

    def pending_loads(self) -> dict[str, int]:
        """Load of the requests planned on each instance and not yet running there (a
        repair's running processes are already in its load), in one walk over the jobs."""
        totals: dict[str, int] = {}
        for job in self.start_jobs.values():
            for stage in job.stages:
                for request in stage:
                    target = request.target
                    if (
                        target
                        and request.status in (RequestStatus.WAITING, RequestStatus.REQUESTED)
                        and _state_on(request.record, target) not in LOADING_STATES
                    ):
                        weight = request.record.rules.expected_loading
                        totals[target] = totals.get(target, 0) + weight
        return totals

    # ----- placement
    def candidates(self) -> list[Candidate]:
        result = []
        loads, pending = self.context.loads(), self.pending_loads()
        for record in self.context.instances.values():
            network = record.network
            node = (network.machine_id if network is not None else "") or record.id.host
            result.append(
                Candidate(
                    identifier=record.identifier,
                    nick=record.id.nick,
                    stereotypes=record.stereotypes,
                    node=node,
                    running=record.state == InstanceStates.RUNNING,
                    load=loads.get(record.identifier, 0),
                    pending=pending.get(record.identifier, 0),
                )
            )
        return result

    def allowed(
        self, written: tuple[str, ...], records: list[ProcessRecord], app: str
    ) -> list[Candidate]:
        """Instances of an application's list where all its processes are configured (rules order).

        An application-level `#` keeps only R[(N-1) mod len(R)] (docs/rules.md#identifier-lists).
        """
        everyone = self.candidates()
        names = [name for name in written if name not in (HASH, AT)] or ["*"]
        identifiers, _unknown = resolve_identifiers(names, everyone)
        if HASH in written:
            identifiers = assign_hash_application(identifiers, application_rank(app))
        return self._configured(identifiers, records, everyone)

    def allowed_for_process(self, record: ProcessRecord, app: ApplicationRecord) -> list[Candidate]:
        """Instances where one process may go; a program-level `#`/`@` pins it to its share."""
        written = record.rules.identifiers
        everyone = self.candidates()
        names = [name for name in written if name not in (HASH, AT)] or ["*"]
        identifiers, _unknown = resolve_identifiers(names, everyone)
        if HASH in written or AT in written:
            assignment = self._program_assignment(record, app, identifiers, AT in written)
            target = assignment.get(_origin(record)[1])
            identifiers = [target] if target else []
        return self._configured(identifiers, [record], everyone)

    def _program_assignment(
        self, record: ProcessRecord, app: ApplicationRecord, reference: list[str], one_each: bool
    ) -> dict[int, str | None]:
        """Computed when first planned, then kept for the instance's life
        (docs/rules.md#identifier-lists)."""
        program = _origin(record)[0]
        key = (app.name, program)
        if key not in self.assignments:
            indexes = sorted(
                _origin(other)[1]
                for other in app.processes.values()
                if _origin(other)[0] == program
            )
            self.assignments[key] = assign_hash_program(reference, indexes, one_each)
        return self.assignments[key]

    @staticmethod
    def _configured(
        identifiers: list[str], records: list[ProcessRecord], everyone: list[Candidate]
    ) -> list[Candidate]:
        by_id = {candidate.identifier: candidate for candidate in everyone}
        return [
            by_id[identifier]
            for identifier in identifiers
            if all(_enabled_on(record, identifier) for record in records)
        ]

    # ----- planning
    def start_application(
        self,
        application: ApplicationRecord,
        strategy: StartingStrategies,
        local: str,
        now: float,
        extra_args: str = "",
        reuse_extra_args: bool = False,
    ) -> tuple[StartJob, list[Command]]:
        """Plan the start of an application's staged processes (start_sequence > 0)."""
        records = list(application.processes.values())
        stages = build_stages(records, use_wait_exit=True, include_zero=False)
        job = self._make_job(application, stages, strategy, local, extra_args)
        job.reuse_extra_args = reuse_extra_args
        self._end_start_job(application.name, "replaced by a new start job")
        self.start_jobs[application.name] = job
        return job, self._step_job(application.name, job, now)

    def has_room(
        self, application: ApplicationRecord, strategy: StartingStrategies, local: str
    ) -> bool:
        """Whether an automatic start of the application would place its first stage now
        (nothing is planned: the retry of a start that found no room asks this first)."""
        records = list(application.processes.values())
        stages = build_stages(records, use_wait_exit=True, include_zero=False)
        if not stages:
            return False
        job = self._make_job(application, stages, strategy, local, "")
        return all(
            job.placer(request.record) is not None
            for request in stages[0]
            if not request.record.view().running_identifiers
        )

    def start_processes(
        self,
        application: ApplicationRecord,
        records: list[ProcessRecord],
        strategy: StartingStrategies,
        local: str,
        now: float,
        extra_args: str = "",
        reuse_extra_args: bool = False,
    ) -> tuple[StartJob, list[Command]]:
        """Plan the start of some processes (start_process): wait_exit ignored, 0 included."""
        stages = build_stages(records, use_wait_exit=False, include_zero=True)
        job = self._make_job(application, stages, strategy, local, extra_args)
        job.reuse_extra_args = reuse_extra_args
        key = records[0].namespec if len(records) == 1 else f"{application.name}:*"
        self._end_start_job(key, "replaced by a new start job")
        self.start_jobs[key] = job
        return job, self._step_job(key, job, now)

    def stop_processes(
        self, application: ApplicationRecord, records: list[ProcessRecord], now: float, key: str
    ) -> tuple[StopJob, list[Command]]:
        """Plan the stop of processes by stop stages (a whole application: every process).

        The same stop already under way is joined (its callers keep waiting on it). Stopping a
        whole application ends its start jobs: nothing more is started
        (docs/design/jobs.md#start-stages).
        """
        existing = self.stop_jobs.get(key)
        if existing is not None:
            return existing, []
        if {record.name for record in records} >= set(application.processes):
            for start_key, start_job in list(self.start_jobs.items()):
                if start_job.application == application.name:
                    self._end_start_job(start_key, "stopped")
        job = StopJob(application.name, build_stop_stages(records), self.tick_period)
        self.stop_jobs[key] = job
        return job, self._step_stop(key, job, now)

    def _make_job(
        self,
        application: ApplicationRecord,
        stages: list[list[ProcessRequest]],
        strategy: StartingStrategies,
        local: str,
        extra_args: str,
    ) -> StartJob:
        rules = application.rules
        staged = [request.record for stage in stages for request in stage]
        distribution = rules.distribution if rules else DistributionRules.ALL_INSTANCES
        if distribution == DistributionRules.ALL_INSTANCES:
            placer = self._per_process_placer(strategy, local, application)
        elif distribution == DistributionRules.SINGLE_NODE:
            node = self._single_node(application, staged, strategy, local)
            placer = self._per_process_placer(strategy, local, application, node)
        else:
            target = self._single_target(application, staged, strategy, local)
            for stage in stages:
                for request in stage:
                    request.target = target or ""
            placer = lambda _record: target  # noqa: E731 - the whole application goes there
        return StartJob(
            application=application.name,
            stages=stages,
            placer=placer,
            failure_strategy_of=lambda record: record.rules.starting_failure_strategy,
            tick_period=self.tick_period,
            extra_args=extra_args,
        )

    def _per_process_placer(
        self,
        strategy: StartingStrategies,
        local: str,
        app: ApplicationRecord,
        node: str | None = None,
    ) -> Callable[[ProcessRecord], str | None]:
        """Each process placed when its stage begins; SINGLE_NODE: within the chosen node."""

        def place(record: ProcessRecord) -> str | None:
            if node == "":
                return None  # SINGLE_NODE with no node able to take the application
            allowed = self.allowed_for_process(record, app)
            if node is not None:
                allowed = [candidate for candidate in allowed if candidate.node == node]
            load = record.rules.expected_loading
            return choose_instance(strategy, allowed, load, local, self.candidates())

        return place

    def _single_node(
        self,
        application: ApplicationRecord,
        staged: list[ProcessRecord],
        strategy: StartingStrategies,
        local: str,
    ) -> str:
        """SINGLE_NODE: the node of the instance the strategy picks with the application load."""
        rules = application.rules
        written = rules.identifiers if rules else ("*",)
        allowed = self.allowed(written, list(application.processes.values()), application.name)
        running_on = {
            candidate.node
            for candidate in allowed
            for record in application.processes.values()
            if candidate.identifier in record.view().running_identifiers
        }
        if running_on:
            return sorted(running_on)[0]  # repair where it already runs (docs/design/jobs.md)
        nodes: dict[str, list[Candidate]] = {}
        for candidate in allowed:
            nodes.setdefault(candidate.node, []).append(candidate)
        load = sum(record.rules.expected_loading for record in staged)
        return choose_node(strategy, nodes, load, local, self.candidates()) or ""

    def _single_target(  # SINGLE_INSTANCE
        self,
        application: ApplicationRecord,
        staged: list[ProcessRecord],
        strategy: StartingStrategies,
        local: str,
    ) -> str | None:
        """SINGLE_INSTANCE/SINGLE_NODE: one instance for the application (repair: where it runs)."""
        rules = application.rules
        written = rules.identifiers if rules else ("*",)
        records = list(application.processes.values())
        allowed = self.allowed(written, records, application.name)
        running_on = {
            identifier for record in records for identifier in record.view().running_identifiers
        }
        forced = sorted(running_on)[0] if running_on else None
        load = sum(
            record.rules.expected_loading
            for record in staged
            if not record.view().running_identifiers
        )
        return place_single_instance(strategy, allowed, load, local, forced).identifier

    # ----- stepping
    def step(self, now: float) -> list[Command]:
        """Step every job. A start job whose application's records and instances' states did
        not change since its last step is left alone for up to `JOB_RECHECK_PERIOD` (its
        deadlines): a launch of 100 applications steps the driver at every process event, and
        stepping every job each time grew with the square of the applications (issue 18)."""
        commands: list[Command] = []
        instances = tuple(record.state for record in self.context.instances.values())
        for key, job in list(self.start_jobs.items()):
            application = self.context.applications.get(job.application)
            marker = (application.revision if application is not None else -1, instances)
            memo = self.step_memo.get(key)
            if memo is not None and memo[0] == marker and now - memo[1] < JOB_RECHECK_PERIOD:
                continue
            self.step_memo[key] = (marker, now)
            commands += self._step_job(key, job, now)
        for key, stop_job in list(self.stop_jobs.items()):
            commands += self._step_stop(key, stop_job, now)
        return commands

    def _step_job(self, key: str, job: StartJob, now: float) -> list[Command]:
        commands: list[Command] = list(job.step(self.context, now))
        if job.ended:
            self.start_jobs.pop(key, None)
            self.step_memo.pop(key, None)
            self.outcomes[key] = JobOutcome(key, job.requests_sent, tuple(job.failures))
        return commands

    def _step_stop(self, key: str, job: StopJob, now: float) -> list[Command]:
        commands: list[Command] = list(job.step(self.context, now))
        if job.ended:
            self.stop_jobs.pop(key, None)
            self.outcomes[key] = JobOutcome(key, 0, tuple(job.failures))
        return commands

    def refused(self, namespec: str, reason: str) -> list[Command]:
        """A start_args request was answered with a fault."""
        self.step_memo.clear()  # the job changed without a record change: step it next time
        commands: list[Command] = []
        for job in self.start_jobs.values():
            commands += job.on_request_refused(namespec, reason, self.context)
        return commands

    def abort_all(self) -> None:
        """Entering SYNCHRONIZATION/ELECTION/OFF/stop states: drop every job
        (docs/design/state-machine.md#cluster-states).

        Each dropped job is marked ended, so that a caller waiting on it gets its answer now
        rather than at the wait limit (the Master lost in the middle of a restart)."""
        self.step_memo.clear()
        for key in list(self.start_jobs):
            self._end_start_job(key, "aborted")
        for key, job in list(self.stop_jobs.items()):
            job.ended = True
            job.failures.append("aborted")
            self.outcomes[key] = JobOutcome(key, 0, tuple(job.failures))
        self.stop_jobs.clear()

    def _end_start_job(self, key: str, why: str) -> None:
        """End a start job before its time: its waiters see it ended with `why`."""
        job = self.start_jobs.pop(key, None)
        if job is None:
            return
        job.ended = True
        job.failures.append(why)
        self.outcomes[key] = JobOutcome(key, job.requests_sent, tuple(job.failures))


def _state_on(record: ProcessRecord, identifier: str) -> object:
    info = record.info_on(identifier)
    return info.state if info is not None else None


def _enabled_on(record: ProcessRecord, identifier: str) -> bool:
    """Configured there, and not disabled there (a disabled program is never placed)."""
    observation = record.observations.get(identifier)
    return observation is not None and not observation.info.disabled


def _origin(record: ProcessRecord) -> tuple[str, int]:
    """(program name, process index) of a process, from any instance's record of it."""
    for observation in record.observations.values():
        return observation.info.program_name, observation.info.process_index
    return record.name, 0
