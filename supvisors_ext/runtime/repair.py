"""Running failures and conciliation carried out on the main thread (docs/design/failures.md).

Every instance notes crashes and losses; only the Master acts. Failures noted while there is no
live Master are kept for the next one; an instance that follows a live Master drops its own (the
Master saw the same events). The decisions are in `failures.py` and `conciliation.py`; this
module turns them into the driver's stop and start jobs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from supvisors_ext.cluster.conciliation import (
    ConciliationPlan,
    FollowUp,
    plan_conciliation,
    whole_application_keeper,
)
from supvisors_ext.cluster.context import ApplicationRecord, Context, ProcessRecord
from supvisors_ext.cluster.failures import (
    SYSTEM_STRATEGIES,
    BackupBook,
    Failure,
    FailureBook,
    FailureJob,
    effective_strategy,
    resolve_strategy,
    still_relevant,
)
from supvisors_ext.compat import SLOTS
from supvisors_ext.faults import Faults
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.jobs.start import StartJob
from supvisors_ext.jobs.stop import StopCommand, StopJob
from supvisors_ext.model import ConciliationStrategies, InstanceStates, RunningFailureStrategies
from supvisors_ext.runtime.admission_client import Ticket
from supvisors_ext.runtime.driver import Driver
from supvisors_ext.runtime.room_retry import RoomRetryMixin, found_no_room, runs
from supvisors_ext.runtime.wholeness import KeepingWhole, WholenessMixin

R = RunningFailureStrategies


class Role(Enum):
    MASTER = "master"  # act on failures
    FOLLOWER = "follower"  # a live Master acts: drop ours
    NONE = "none"  # no live Master: keep failures for the next one


@dataclass(**SLOTS)
class Restart:
    """A RESTART_APPLICATION in progress: its stop job, then its start job."""

    application: str
    job: StopJob | StartJob | None  # None: waiting for the Master's admission
    namespecs: frozenset[str] = frozenset()  # the failed processes it repairs


@dataclass(**SLOTS)
class Conciliating:
    """A conflict being resolved: stops issued, then the follow-up."""

    plan: ConciliationPlan
    stop_job: StopJob | None
    deadline: float
    keeper: str | None = None  # a SINGLE_INSTANCE application kept whole on this instance


class RepairHandler(WholenessMixin, RoomRetryMixin):
    """Carries out failure jobs and conciliation plans with the driver's jobs."""

    def __init__(
        self,
        context: Context,
        driver: Driver,
        logger: PluginLogger,
        request_system: Callable[[RunningFailureStrategies], None],
    ) -> None:
        self.context = context
        self.driver = driver
        self.logger = logger
        self.request_system = request_system
        self.book = FailureBook()
        self.backups = BackupBook()
        # True on the one follower that applies the held jobs a Master left undone (plugin)
        self.deputy: Callable[[], bool] = lambda: False
        self.restarts: dict[str, Restart] = {}
        self.conciliating: dict[str, Conciliating] = {}
        self.keeping_whole: dict[str, KeepingWhole] = {}
        self.split_since: dict[str, float] = {}  # application -> first seen split
        self.mend_scanned = (float("-inf"), -1)
        self.scanned_at = float("-inf")
        # (Context.revision, live instances) at the previous scan
        self.scanned_key: tuple[int, frozenset[str]] = (-1, frozenset())
        self.tickets: list[tuple[Ticket, Callable[[], None]]] = []
        self.room_key: tuple[int, frozenset[str]] = (-1, frozenset())
        self.room_waiting = False
        self.room_tried: dict[str, float] = {}
        # failure jobs applied and conflicts planned, for the metrics (docs/metrics.md)
        self.failovers = 0
        self.conciliations = 0

    # ----- failures
    def note_loss(self, identifier: str, namespecs: Iterable[str], keep: bool) -> None:
        """An instance was lost with these running processes; `keep` unless another live
        Master will handle them."""
        failures = self.book.note_loss(self.context, identifier, namespecs)
        if keep:
            self._add(failures)
            return
        # a live Master handles it; held in case that Master goes before it is done
        spare = FailureBook()
        for failure in failures:
            spare.add(failure, time.monotonic())
        for job in spare.jobs.values():
            self.backups.hold(job, time.monotonic())

    def _add(self, failures: list[Failure]) -> None:
        now = time.monotonic()
        for failure in failures:
            line = self.book.add(failure, now)
            if line:
                self.logger.warn(line)

    def idle(self) -> bool:
        """No failure, restart, conciliation or admission waiting (the main loop may rest)."""
        return not (
            self.book.jobs
            or self.book.system is not None
            or self.restarts
            or self.conciliating
            or self.keeping_whole
            or self.tickets
        )

    def busy(self, application: str) -> bool:
        """A start or stop job of the application is in progress somewhere."""
        driver = self.driver
        return (
            driver.jobs.busy(application)
            or driver.starting_anywhere(application)
            or application in self.restarts
            or any(key.split(":", 1)[0] == application for key in driver.grants.grants)
        )

    def starting(self, application: str) -> bool:
        """A crash now belongs to a start job (a starting failure, docs/failures.md): a
        start or stop job runs here, or a peer publishes a start job. A start grant alone does
        not count: the Master keeps it until the requester's release arrives, after the job
        has ended and maybe after a crash that is a running failure (Req 25)."""
        driver = self.driver
        return (
            driver.jobs.busy(application)
            or driver.starting_anywhere(application)
            or application in self.restarts
        )

    def step(self, role: Role, conciliation: ConciliationStrategies | None) -> None:
        """On every driver step. `conciliation`: the Master in CONCILIATION applies it."""
        now = time.monotonic()
        live = {record.identifier for record in self.context.instances_in(InstanceStates.RUNNING)}
        # only what changed since the previous scan: this runs at every event and tick, and
        # at rest nothing changed at all (no walk over every process of the cluster). The live
        # set matters too: a crash is judged against it (a lost instance's FATAL is its loss)
        failures = []
        scan_key = (self.context.revision, frozenset(live))
        if scan_key != self.scanned_key:
            failures = self.book.scan(self.context, live, self.starting, self.scanned_at)
            self.scanned_at, self.scanned_key = now, scan_key
        if role == Role.FOLLOWER:
            for job in self.book.jobs.values():
                self.backups.hold(job, now)
            self.book.clear()
        else:
            self._add(failures)
        if role == Role.MASTER:
            for job in self.backups.take_all():
                self.book.jobs.setdefault(job.application, job)
        # what this instance began (a conciliate() call is served by any instance)
        self._use_tickets(now)
        self._advance_restarts(now)
        self._advance_conciliations(now)
        self._advance_keeping_whole(now)
        if role != Role.MASTER:
            self.split_since.clear()
            if role == Role.FOLLOWER:
                self._use_backups(now)
            return
        if self.book.system is not None:
            strategy, self.book.system = self.book.system, None
            self.request_system(strategy)
            return
        for name in list(self.book.jobs):
            if not self.busy(name):
                self._apply(self.book.jobs.pop(name))
        if conciliation is not None:
            self.conciliate(conciliation)
        self._mend_splits(now)
        self._retry_without_room(now, frozenset(live))
        self.book.forget_guards(now)

    def _use_backups(self, now: float) -> None:
        """The deputy applies the held jobs that no Master carried out (BackupBook)."""
        if not self.deputy():
            return
        grace = 2.0 + max(5.0, 2 * self.driver.jobs.tick_period)
        for name in list(self.backups.jobs):
            if found_no_room(self.context.applications.get(name)):
                # the Master tried and found no room: it retries once room appears
                # (room_retry.py); a retry here could take the room of a restart under way
                del self.backups.jobs[name]
        for job in self.backups.due(self.context, self.busy, now, grace):
            self.logger.warn(f"{job.application}: {job.strategy.name} left undone by the Master")
            self._apply(job)

    def abort(self) -> None:
        """The driver dropped its jobs (election, stop states): a restart under way is noted
        again, for this instance if it stays Master, or held if it follows (issue 14)."""
        for name, restart in self.restarts.items():
            guard = self.book.guards.get(name)
            if guard is not None and guard[1] is None:
                # the restart never got to its start-up: its guard would never end (forget_guards
                # drops ended ones only) and take any later crash for a loop (chaos soak)
                del self.book.guards[name]
            if name not in self.book.jobs:
                why = ["interrupted by an election"]
                self.book.jobs[name] = FailureJob(
                    name, R.RESTART_APPLICATION, set(restart.namespecs), why
                )
        self.restarts.clear()
        self.conciliating.clear()
        self.keeping_whole.clear()
        self.tickets.clear()

    def _apply(self, job: FailureJob) -> None:
        application = self.context.applications.get(job.application)
        strategy = resolve_strategy(job, self.context)
        if application is None or application.rules is None:
            return
        if not still_relevant(job, strategy, self.context):
            self.logger.info(f"{job.application}: {strategy.name} no longer needed")
            guard = self.book.guards.get(job.application)
            if guard is not None and guard[1] is None:
                del self.book.guards[job.application]  # no restart under way: nothing to guard
            if strategy != R.STOP_APPLICATION and runs(application):
                # a restart cut short by an election: its failed processes run again, but its
                # later stages may not (the automatic start left it to this job)
                self._complete(job.application)
            return
        self.failovers += 1
        if strategy == R.STOP_APPLICATION:
            self.logger.warn(f"{job.application}: running failure, stopping it")
            self.driver.stop_application(application)
        elif strategy == R.RESTART_APPLICATION:
            self.logger.warn(f"{job.application}: running failure, restarting it")
            self.book.restarting(job.application, job.namespecs)
            namespecs = frozenset(job.namespecs)
            if runs(application):
                stop = self.driver.stop_application(application)
                self.restarts[job.application] = Restart(job.application, stop, namespecs)
            else:
                self._restart_start(application, namespecs)
        elif strategy == R.RESTART_PROCESS:
            self._start_processes(application, job.namespecs)
        elif strategy in SYSTEM_STRATEGIES:
            self.request_system(strategy)

    # ----- admission: a remote Master answers later (docs/design/jobs.md#admission)
    def _when_admitted(self, key: str, act: Callable[[], None]) -> None:
        """Every start made here follows a stop this instance saw end, or completes a partly
        running application: a remote Master judges it from grants and start jobs only, as
        its view may still show what was just stopped (`admit_start` repair flag)."""
        group = key.split(":", 1)[0]
        ticket = self.driver.admit(key, self.driver.starting_anywhere(group), repair=True)
        self.tickets.append((ticket, act))
        self._use_tickets(time.monotonic())

    def _use_tickets(self, now: float) -> None:
        for item in list(self.tickets):
            ticket, act = item
            if not ticket.decided and now < ticket.expires:
                continue
            self.tickets.remove(item)
            if ticket.decided and not ticket.reason:
                act()
                continue
            why = ticket.reason or "the Master did not answer"
            self.logger.info(f"{ticket.key}: not restarted: {why}")
            self.book.guards.pop(ticket.key, None)
            restart = self.restarts.pop(ticket.key, None)
            if restart is not None and ticket.code != Faults.ALREADY_STARTED:
                # no Master to admit it (lost meanwhile): noted again, never dropped
                retry = FailureJob(ticket.key, R.RESTART_APPLICATION, set(restart.namespecs), [why])
                self.book.jobs.setdefault(ticket.key, retry)

    def _restart_start(self, application: ApplicationRecord, namespecs: frozenset[str]) -> None:
        name = application.name
        self.restarts[name] = Restart(name, None, namespecs)  # busy until the job is under way

        def start() -> None:
            current = self.context.applications.get(name)
            if current is None or current.rules is None:
                self.restarts.pop(name, None)
                return
            job = self.driver.start_application(
                current, current.rules.starting_strategy, repair=True
            )
            if job.ended:
                self._restarted(name, job)
            else:
                self.restarts[name] = Restart(name, job, namespecs)

        self._when_admitted(name, start)

    def _restarted(self, name: str, job: StartJob) -> None:
        self.restarts.pop(name, None)
        if job.failures:
            self.logger.warn(f"{name}: restart failed: {'; '.join(job.failures)}")
            self.driver.note_no_room(name, job)
            # nothing of it was left running (STOP) or placed (no room): a later crash, of a
            # run started by someone else, is no restart loop (chaos soak, bench/CHAOS.md)
            self.book.guards.pop(name, None)
            return
        self.book.restarted(name, time.monotonic())

    def _advance_restarts(self, now: float) -> None:
        for name, restart in list(self.restarts.items()):
            if restart.job is None or not restart.job.ended:
                continue
            application = self.context.applications.get(name)
            if isinstance(restart.job, StartJob):
                self._restarted(name, restart.job)
            elif application is None:
                del self.restarts[name]
            else:
                self._restart_start(application, restart.namespecs)

    def _start_processes(self, application: ApplicationRecord, namespecs: Iterable[str]) -> None:
        strategy = application.rules.starting_strategy if application.rules else None
        if strategy is None:
            return
        for record in application.processes.values():
            if record.namespec not in namespecs or record.view().running_identifiers:
                continue

            def start(record: ProcessRecord = record) -> None:
                if record.view().running_identifiers:
                    return
                self.logger.warn(f"{record.namespec}: starting it again")
                self.driver.start_processes(application, [record], strategy, "", repair=True)

            self._when_admitted(record.namespec, start)

    # ----- conciliation (docs/design/failures.md#conciliation)
    def conciliate(self, strategy: ConciliationStrategies) -> bool:
        """Apply a strategy to every conflict not already being resolved; False for USER."""
        if strategy == ConciliationStrategies.USER:
            return False
        now = time.monotonic()
        for record in self.context.conflicts():
            if record.namespec in self.conciliating:
                continue
            plan = plan_conciliation(strategy, record)
            if plan is None:
                continue
            application = self.context.applications[record.group]
            self.conciliations += 1
            where = ", ".join(plan.stop_on)
            self.logger.warn(f"{record.namespec}: conflict, {strategy.name} stops it on {where}")
            stop_job = None
            keeper = whole_application_keeper(plan, application)
            if plan.stop_everywhere:
                stop_job = self.driver.stop_processes(application, [record], record.namespec)
            elif keeper is not None:
                self._keep_whole(application, keeper, now, _stop_time(record))
            else:
                self.driver.execute([StopCommand(ident, record.namespec) for ident in plan.stop_on])
            deadline = now + 2 * self.driver.jobs.tick_period + _stop_time(record)
            self.conciliating[record.namespec] = Conciliating(plan, stop_job, deadline, keeper)
        return True

    def _advance_conciliations(self, now: float) -> None:
        for namespec, item in list(self.conciliating.items()):
            record = item.plan.record
            if item.stop_job is not None:
                if not item.stop_job.ended:
                    continue
            elif set(item.plan.stop_on) & set(record.view().running_identifiers):
                if now < item.deadline:
                    continue
                self.logger.warn(f"{namespec}: still running after the conciliation stops")
            del self.conciliating[namespec]
            self._follow_up(item.plan)

    def _follow_up(self, plan: ConciliationPlan) -> None:
        record = plan.record
        application = self.context.applications.get(record.group)
        if application is None or plan.follow_up == FollowUp.NOTHING:
            return
        if plan.follow_up == FollowUp.START_ONE:
            self._start_processes(application, {record.namespec})
            return
        strategy = effective_strategy(record.rules.running_failure_strategy, lost=True)
        job = FailureJob(record.group, strategy, {record.namespec}, ["conciliation"])
        self.logger.warn(f"{record.namespec}: conciliation applies {strategy.name}")
        self._apply(job)


def _stop_time(record: ProcessRecord) -> float:
    """How long a targeted stop may take: the process's stopwaitsecs plus the event margin."""
    infos = [obs.info for obs in record.observations.values()]
    return max((info.stopwaitsecs for info in infos), default=10) + 5.0
