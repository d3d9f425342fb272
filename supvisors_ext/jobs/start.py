"""A start job: the stages of one application (or of a few processes) started in order.

Pure core (docs/design/jobs.md#start-jobs): the job reads process states from the context, is
advanced by `step(now)` on every process event and tick, and returns commands for the plugin
to carry out.
Placement is delegated to a callable so the job knows nothing of strategies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional, Union

from supvisors_ext.cluster.context import Context, ProcessRecord
from supvisors_ext.compat import SLOTS
from supvisors_ext.model import (
    RUNNING_STATES,
    InstanceStates,
    ProcessStates,
    StartingFailureStrategies,
)

NO_RESOURCE = "No resource available"
# states ending a request in failure once the process was spawned for it
# (docs/design/jobs.md#start-stages)
FAILED_STATES = frozenset(
    {ProcessStates.FATAL, ProcessStates.STOPPED, ProcessStates.STOPPING, ProcessStates.UNKNOWN}
)


class RequestStatus(Enum):
    WAITING = "waiting"  # its stage has not begun
    REQUESTED = "requested"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, **SLOTS)
class StartCommand:
    """Ask `identifier` to start `namespec` (supvisors.start_args there)."""

    identifier: str
    namespec: str
    extra_args: str


@dataclass(frozen=True, **SLOTS)
class ForceCommand:
    """Force the displayed state of a process (docs/design/status.md#forced-state) and publish
    it."""

    group: str
    name: str
    state: ProcessStates
    reason: str
    target: str


@dataclass(frozen=True, **SLOTS)
class StopApplicationCommand:
    """The STOP starting-failure strategy: stop what was started
    (docs/design/jobs.md#start-failures)."""

    application: str


# Union: a run-time alias (Python 3.9 has no `type | type`)
JobCommand = Union[StartCommand, ForceCommand, StopApplicationCommand]
# (record, load) -> chosen identifier or None; the job's driver owns the placement state
Placer = Callable[[ProcessRecord], Optional[str]]


# a start request waits at most this long for its STARTING event, however busy the target
BACKLOG_WAIT_LIMIT = 60.0


@dataclass(**SLOTS)
class ProcessRequest:
    record: ProcessRecord
    wait_exit: bool
    status: RequestStatus = RequestStatus.WAITING
    target: str = ""
    requested_at: float = 0.0
    progress_at: float = 0.0  # last STARTING/BACKOFF seen, for the RUNNING deadline
    seen_start: bool = False
    # (start, start_monotonic) before our request: `start` alone has a one-second resolution
    spawn_mark: tuple[int, float] = (0, 0.0)

    @property
    def namespec(self) -> str:
        return self.record.namespec


@dataclass(**SLOTS)
class StartJob:
    """Stages of processes to start for one application, in ascending start_sequence."""

    application: str
    stages: list[list[ProcessRequest]]
    placer: Placer
    failure_strategy_of: Callable[[ProcessRecord], StartingFailureStrategies]
    tick_period: float
    extra_args: str = ""
    # a repair (failover) restarts each process with the extra args of its last start
    reuse_extra_args: bool = False
    stage_index: int = -1
    aborted: bool = False
    stop_after: bool = False
    requests_sent: int = 0
    ended: bool = False
    resuming: bool = False  # part of the application ran when the job began (a repair)
    failures: list[str] = field(default_factory=list)

    @property
    def event_timeout(self) -> float:
        return max(5.0, 2 * self.tick_period)

    def current(self) -> list[ProcessRequest]:
        return self.stages[self.stage_index] if 0 <= self.stage_index < len(self.stages) else []

    def step(self, context: Context, now: float) -> list[JobCommand]:
        """Advance the job; return what must be done now."""
        if self.ended:
            return []
        commands: list[JobCommand] = self._watch_started()
        for request in self.current():
            if request.status == RequestStatus.REQUESTED:
                commands += self._follow(request, context, now)
        while not self.ended and self._stage_complete():
            commands += self._next_stage(context, now)
        return commands

    def on_request_refused(self, namespec: str, reason: str, context: Context) -> list[JobCommand]:
        """The target answered start_args with a fault (spawn error, not executable...)."""
        for request in self.current():
            if request.namespec == namespec and request.status == RequestStatus.REQUESTED:
                if "ALREADY_STARTED" in reason:
                    # it runs, or is STARTING/BACKOFF: its state decides (_follow), as a
                    # process between retries may still end FATAL (Req 14)
                    request.seen_start = True
                    if _started(request.record, request.target):
                        request.status = RequestStatus.SUCCEEDED
                    return []
                return self._fail(request, reason, force=False)
        return []

    # ----- internals
    def _watch_started(self) -> list[JobCommand]:
        """A process started by this job that crashes while the job runs is a starting failure
        (docs/design/failures.md#running-failures): with startsecs 0 it may succeed at RUNNING and
        exit just after."""
        commands: list[JobCommand] = []
        for stage in self.stages[: self.stage_index + 1]:
            for request in stage:
                if request.status != RequestStatus.SUCCEEDED or not request.target:
                    continue
                info = request.record.info_on(request.target)
                if info is None or (info.start, info.start_monotonic) == request.spawn_mark:
                    continue  # not spawned since (a stale record from before our request)
                crashed = info.state == ProcessStates.FATAL or (
                    info.state == ProcessStates.EXITED and not info.expected
                )
                if crashed:
                    commands += self._fail(request, f"{info.state.name} after RUNNING", False)
        return commands

    def _stage_complete(self) -> bool:
        return all(
            request.status in (RequestStatus.SUCCEEDED, RequestStatus.FAILED)
            for request in self.current()
        )

    def _next_stage(self, context: Context, now: float) -> list[JobCommand]:
        if self.aborted or self.stage_index + 1 >= len(self.stages):
            self.ended = True
            return [StopApplicationCommand(self.application)] if self.stop_after else []
        if self.stage_index < 0:
            application = context.applications.get(self.application)
            self.resuming = application is not None and any(
                record.view().running_identifiers for record in application.processes.values()
            )
        self.stage_index += 1
        commands: list[JobCommand] = []
        for request in self.current():
            commands += self._begin(request, context, now)
        return commands

    def _begin(self, request: ProcessRequest, context: Context, now: float) -> list[JobCommand]:
        record = request.record
        running = record.view().running_identifiers
        if running:
            # already running: skipped, but watched like our own starts (_watch_started)
            request.status, request.target = RequestStatus.SUCCEEDED, running[0]
            if not _started(record, running[0]):
                # STARTING/BACKOFF: not a success until RUNNING, a failure at FATAL (Req 14)
                request.status, request.seen_start = RequestStatus.REQUESTED, True
                request.requested_at = request.progress_at = now
                info = record.info_on(running[0])
                request.spawn_mark = (info.start, info.start_monotonic) if info else (0, 0.0)
            return []
        if request.wait_exit and self.resuming and _exited_ok(record):
            # done in the current run (docs/design/jobs.md)
            request.status = RequestStatus.SUCCEEDED
            return []
        target = self.placer(record)
        if target is None:
            request.status = RequestStatus.REQUESTED  # so that _fail accounts for it
            return self._fail(request, NO_RESOURCE, force=True)
        info = record.info_on(target)
        request.target = target
        request.status = RequestStatus.REQUESTED
        request.requested_at = request.progress_at = now
        request.spawn_mark = (info.start, info.start_monotonic) if info is not None else (0, 0.0)
        self.requests_sent += 1
        extra_args = last_extra_args(record) if self.reuse_extra_args else self.extra_args
        return [StartCommand(target, record.namespec, extra_args)]

    def _follow(self, request: ProcessRequest, context: Context, now: float) -> list[JobCommand]:
        instance = context.instances.get(request.target)
        if instance is None or instance.state != InstanceStates.RUNNING:
            return self._fail(request, f"{request.target} lost", force=False)
        observation = request.record.observations.get(request.target)
        info = observation.info if observation is not None else None
        state = info.state if info is not None else ProcessStates.UNKNOWN
        # a stopped-like state counts only once the process was spawned after our request
        fresh = info is not None and (
            (info.start, info.start_monotonic) != request.spawn_mark or request.seen_start
        )
        if observation is not None and state in (ProcessStates.STARTING, ProcessStates.BACKOFF):
            request.seen_start = True
            request.progress_at = max(request.progress_at, observation.received)
        if state == ProcessStates.RUNNING:
            request.seen_start = True
            if not request.wait_exit:
                request.status = RequestStatus.SUCCEEDED
            return []
        if state == ProcessStates.EXITED and fresh:
            if request.wait_exit and info is not None and info.expected:
                request.status = RequestStatus.SUCCEEDED
                return []
            return self._fail(request, f"exited ({info.description if info else ''})", False)
        if fresh and state in FAILED_STATES:
            return self._fail(request, f"{state.name}", force=False)
        return self._check_deadlines(request, state, now, context)

    def _check_deadlines(
        self, request: ProcessRequest, state: ProcessStates, now: float, context: Context
    ) -> list[JobCommand]:
        if not request.seen_start:
            # counted from our request, or from the target's last spawn if later: a target
            # spawning hundreds of processes (a large launch) gets to ours in its turn, while
            # one that spawns nothing for that long has lost the request (issue 18)
            spawned = context.last_spawn_seen.get(request.target, 0.0)
            waited = now - request.requested_at
            if waited > BACKLOG_WAIT_LIMIT or now - max(request.requested_at, spawned) > (
                self.event_timeout
            ):
                return self._fail(request, "STARTING event not received in time", force=True)
        if state in (ProcessStates.STARTING, ProcessStates.BACKOFF):
            info = request.record.info_on(request.target)
            startsecs = info.startsecs if info is not None else 0
            if now - request.progress_at > startsecs + self.event_timeout:
                return self._fail(request, "RUNNING event not received in time", force=True)
        return []

    def _fail(self, request: ProcessRequest, reason: str, force: bool) -> list[JobCommand]:
        request.status = RequestStatus.FAILED
        record = request.record
        self.failures.append(f"{record.namespec}: {reason}")
        commands: list[JobCommand] = []
        if force:
            commands.append(
                ForceCommand(record.group, record.name, ProcessStates.FATAL, reason, request.target)
            )
        if not record.rules.required:
            return commands
        strategy = self.failure_strategy_of(record)
        if strategy == StartingFailureStrategies.ABORT:
            self.aborted = True
        elif strategy == StartingFailureStrategies.STOP:
            self.aborted = self.stop_after = True
        return commands


def _started(record: ProcessRecord, identifier: str) -> bool:
    """Past its start-up there: RUNNING (or already stopping), not STARTING or BACKOFF."""
    info = record.info_on(identifier)
    return info is not None and info.state not in (ProcessStates.STARTING, ProcessStates.BACKOFF)


def _exited_ok(record: ProcessRecord) -> bool:
    """Its latest news is an expected exit; an instance where it never started (a newcomer
    merely reporting STOPPED) does not undo that exit
    (docs/design/jobs.md#automatic-start-and-repair)."""
    if record.forced is not None or record.view().running_identifiers:
        return False
    started = [
        obs
        for obs in record.observations.values()
        if obs.info.start or obs.info.state != ProcessStates.STOPPED
    ]
    latest = max(started, key=lambda obs: obs.received, default=None)
    return latest is not None and latest.info.state == ProcessStates.EXITED and latest.info.expected


def build_stages(
    records: list[ProcessRecord], use_wait_exit: bool, include_zero: bool
) -> list[list[ProcessRequest]]:
    """Group processes by start_sequence ascending (0 excluded unless `include_zero`)."""
    by_sequence: dict[int, list[ProcessRequest]] = {}
    for record in sorted(records, key=lambda r: r.name):
        sequence = record.rules.start_sequence
        if sequence == 0 and not include_zero:
            continue
        request = ProcessRequest(record, wait_exit=use_wait_exit and record.rules.wait_exit)
        by_sequence.setdefault(sequence, []).append(request)
    return [by_sequence[key] for key in sorted(by_sequence)]


def last_extra_args(record: ProcessRecord) -> str:
    """The extra args of the latest start of a process, whichever instance ran it.

    Every instance publishes them with its process records, and a lost instance's records are
    kept (FATAL), so any instance that restarts the process elsewhere knows them.
    """
    infos = [observation.info for observation in record.observations.values()]
    started = [info for info in infos if info.start]
    if not started:
        return ""
    return max(started, key=lambda info: info.start).extra_args


def is_running(record: ProcessRecord) -> bool:
    return any(
        info.state in RUNNING_STATES for info in (obs.info for obs in record.observations.values())
    )
