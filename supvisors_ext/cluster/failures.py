"""Running failures (docs/design/failures.md): which crashes and losses count, and the one failure
job each application gets. Pure: the caller feeds it the context and carries out the jobs.

A *crash* is a process of a managed application reaching FATAL or EXITED with an unexpected
code on a live instance; a *loss* is a running process whose instance was declared lost (or a
RUNNING_FAILURE conciliation). Each is noted once: a crash is keyed by the run it ended (the
spawn time), so a process that crashes again after a restart is a new crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from supvisors_ext.cluster.context import Context, ProcessRecord
from supvisors_ext.compat import SLOTS
from supvisors_ext.model import ApplicationStates, ProcessStates, RunningFailureStrategies

R = RunningFailureStrategies
# merge order of application jobs (docs/design/failures.md#running-failures); SHUTDOWN/RESTART act
# on the whole system
APPLICATION_PRIORITY = {
    R.CONTINUE: 0,
    R.RESTART_PROCESS: 1,
    R.RESTART_APPLICATION: 2,
    R.STOP_APPLICATION: 3,
}
SYSTEM_STRATEGIES = (R.SHUTDOWN, R.RESTART)
RESTART_LOOP_GRACE = 10.0  # seconds after a restart's start-up during which a crash stops it


@dataclass(**SLOTS)
class FailureJob:
    """What one application must undergo, merged over all its failed processes."""

    application: str
    strategy: RunningFailureStrategies
    namespecs: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True, **SLOTS)
class Failure:
    """One crash or loss, before merging."""

    record: ProcessRecord
    identifier: str
    lost: bool
    reason: str


def is_crash(state: ProcessStates, expected: bool) -> bool:
    return state == ProcessStates.FATAL or (state == ProcessStates.EXITED and not expected)


def effective_strategy(strategy: RunningFailureStrategies, lost: bool) -> RunningFailureStrategies:
    """RESTART_PROCESS does nothing on a crash: supervisord's `autorestart` is for that."""
    if strategy == R.RESTART_PROCESS and not lost:
        return R.CONTINUE
    return strategy


@dataclass(**SLOTS)
class FailureBook:
    """Crashes already noted, and the pending failure jobs (one per application)."""

    # (namespec, identifier) -> (spawn time of the run whose end was noted, noted as a loss):
    # the run of a hung or cut-off instance outlives its loss, and may crash once back
    noted: dict[tuple[str, str], tuple[int, bool]] = field(default_factory=dict)
    jobs: dict[str, FailureJob] = field(default_factory=dict)
    system: RunningFailureStrategies | None = None
    # application -> (namespecs that caused its last automatic restart, end of the guard);
    # the end is None while the restart is still starting
    guards: dict[str, tuple[frozenset[str], float | None]] = field(default_factory=dict)

    def scan(
        self,
        context: Context,
        live: set[str],
        starting: Callable[[str], bool],
        since: float = float("-inf"),
    ) -> list[Failure]:
        """New crashes among the processes updated at or after `since` (local monotonic time).

        Crashes on dead instances, of unmanaged processes or during a start job of their
        application (a starting failure, docs/design/failures.md) are noted and dropped."""
        found = []
        for application in context.applications.values():
            if application.rules is None:
                continue
            for record in application.processes.values():
                if record.last_event_mtime < since:
                    continue
                for identifier, observation in record.observations.items():
                    info = observation.info
                    if not is_crash(info.state, info.expected):
                        continue
                    # the FATAL forced on a lost instance's processes is its loss, not a crash
                    lost = (
                        identifier not in live or info.spawnerr == f"Supervisor {identifier} lost"
                    )
                    key = (record.namespec, identifier)
                    if self.noted.get(key) == (info.start, lost):
                        continue
                    self.noted[key] = (info.start, lost)
                    if not lost and not starting(application.name):
                        reason = info.spawnerr or info.description or info.state.name
                        found.append(Failure(record, identifier, False, reason))
        return found

    def note_loss(
        self, context: Context, identifier: str, namespecs: Iterable[str]
    ) -> list[Failure]:
        """Processes that ran on a lost instance (already made FATAL in the context)."""
        found = []
        for namespec in namespecs:
            group, _, name = namespec.partition(":")
            record = context.find_process(group, name)
            application = context.applications.get(group)
            if record is None or application is None or application.rules is None:
                continue
            info = record.info_on(identifier)
            if info is not None:
                self.noted[(namespec, identifier)] = (info.start, True)
            found.append(Failure(record, identifier, True, f"{identifier} lost"))
        return found

    def add(self, failure: Failure, now: float) -> str:
        """Merge a failure into its application's job; returns a log line ('' if nothing to do)."""
        record = failure.record
        strategy = effective_strategy(record.rules.running_failure_strategy, failure.lost)
        what = f"{record.namespec} {'lost' if failure.lost else 'crashed'} ({failure.reason})"
        if strategy == R.CONTINUE:
            return ""
        if strategy in SYSTEM_STRATEGIES:
            if self.system != R.SHUTDOWN:  # a shutdown wins over a restart
                self.system = strategy
            return f"{what}: {strategy.name} of the whole system"
        # the guard is against a program that crashes again: the loss of its instance (a
        # hang, a cut) says nothing of the program (chaos soak, bench/CHAOS.md)
        if (
            strategy == R.RESTART_APPLICATION
            and not failure.lost
            and self._in_restart_loop(record, now)
        ):
            strategy = R.STOP_APPLICATION
            what += f": crashed again within {RESTART_LOOP_GRACE:.0f} s of its restart"
        job = self.jobs.get(record.group)
        if job is None:
            job = self.jobs[record.group] = FailureJob(record.group, strategy)
        elif APPLICATION_PRIORITY[strategy] > APPLICATION_PRIORITY[job.strategy]:
            job.strategy = strategy
        job.namespecs.add(record.namespec)
        job.reasons.append(what)
        return f"{what}: {strategy.name}"

    def _in_restart_loop(self, record: ProcessRecord, now: float) -> bool:
        guard = self.guards.get(record.group)
        if guard is None:
            return False
        namespecs, until = guard
        return record.namespec in namespecs and (until is None or now < until)

    def restarting(self, application: str, namespecs: Iterable[str]) -> None:
        """An automatic restart begins: a second crash until its start-up + grace stops it."""
        self.guards[application] = (frozenset(namespecs), None)

    def restarted(self, application: str, now: float) -> None:
        """The restart's start job ended: the guard lasts RESTART_LOOP_GRACE more seconds."""
        guard = self.guards.get(application)
        if guard is not None and guard[1] is None:
            self.guards[application] = (guard[0], now + RESTART_LOOP_GRACE)

    def forget_guards(self, now: float) -> None:
        for application, (_, until) in list(self.guards.items()):
            if until is not None and now >= until:
                del self.guards[application]

    def clear(self) -> None:
        """Another live Master handles failures: drop the kept jobs
        (docs/design/failures.md#running-failures)."""
        self.jobs.clear()
        self.system = None


def resolve_strategy(job: FailureJob, context: Context) -> RunningFailureStrategies:
    """RESTART_PROCESS becomes RESTART_APPLICATION when the application is STOPPED and a
    failed process has start_sequence > 0 (docs/design/failures.md#running-failures)."""
    if job.strategy != R.RESTART_PROCESS:
        return job.strategy
    application = context.applications.get(job.application)
    if application is None:
        return job.strategy
    if application.status().state == ApplicationStates.STOPPED and any(
        record.rules.start_sequence > 0
        for record in application.processes.values()
        if record.namespec in job.namespecs
    ):
        return R.RESTART_APPLICATION
    return job.strategy


def still_relevant(job: FailureJob, strategy: RunningFailureStrategies, context: Context) -> bool:
    """A job that waited for other jobs applies only if there is still something to do."""
    application = context.applications.get(job.application)
    if application is None:
        return False
    running = [
        record for record in application.processes.values() if record.view().running_identifiers
    ]
    if strategy == R.STOP_APPLICATION:
        return bool(running)
    failed_running = {record.namespec for record in running} & job.namespecs
    # restarts: pointless if every failed process already runs again (someone restarted it)
    return failed_running != job.namespecs


@dataclass
class BackupBook:
    """Failure jobs a follower holds in case its Master never carries them out (issue 14).

    A Master lost or changed in the middle of a repair, or one that never saw the loss (it was
    the lost one, falsely: a CPU-starved host), would drop the repair. Every follower holds the
    losses it noted; one of them, the deputy, applies a job that is still relevant once no
    job of its application was seen for `grace` seconds. Starts go through the Master's
    admission, so a repair the Master makes meanwhile is never doubled."""

    # application -> (job, local monotonic time the job was noted or last seen handled)
    jobs: dict[str, tuple[FailureJob, float]] = field(default_factory=dict)

    def hold(self, job: FailureJob, now: float) -> None:
        held = self.jobs.get(job.application)
        if held is None:
            self.jobs[job.application] = (job, now)
            return
        merged = held[0]
        if APPLICATION_PRIORITY[job.strategy] > APPLICATION_PRIORITY[merged.strategy]:
            merged.strategy = job.strategy
        merged.namespecs |= job.namespecs
        merged.reasons += job.reasons

    def due(
        self,
        context: Context,
        busy: Callable[[str], bool],
        now: float,
        grace: float,
    ) -> list[FailureJob]:
        """Jobs to apply now; those no longer relevant are forgotten, and a job of a busy
        application (somebody repairs it) waits `grace` again once it is idle."""
        ready = []
        for name, (job, since) in list(self.jobs.items()):
            strategy = resolve_strategy(job, context)
            if not still_relevant(job, strategy, context):
                del self.jobs[name]
            elif busy(name):
                self.jobs[name] = (job, now)
            elif now - since >= grace:
                del self.jobs[name]
                ready.append(job)
        return ready

    def take_all(self) -> list[FailureJob]:
        jobs = [job for job, _ in self.jobs.values()]
        self.jobs.clear()
        return jobs
