"""A SINGLE_INSTANCE application runs whole on one instance (docs/failures.md, issue 14).

Part of the repair handler (`repair.py`): after a conciliation keeps one copy of such an
application, and whenever the Master finds one split over two instances with nothing to
explain it, the other halves are stopped and the application is completed where it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from supvisors_ext.cluster.conciliation import split_keeper, split_processes
from supvisors_ext.cluster.context import ApplicationRecord, Context
from supvisors_ext.cluster.failures import FailureBook
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.jobs.stop import StopCommand
from supvisors_ext.runtime.driver import Driver

# the split scan walks every application: at most this often (its grace is 3 s or more), and
# only when a record changed or a split is pending (a launch of 100 applications, issue 18)
MEND_SCAN_PERIOD = 0.5


@dataclass
class KeepingWhole:
    """A SINGLE_INSTANCE application being gathered on one instance: the stops of its other
    halves were issued; once they are over (or at the deadline), it is completed there."""

    keeper: str
    deadline: float


class WholenessMixin:
    """Needs the repair handler's context, driver, logger, book, busy() and _when_admitted()."""

    context: Context
    driver: Driver
    logger: PluginLogger
    book: FailureBook
    keeping_whole: dict[str, KeepingWhole]
    split_since: dict[str, float]
    mend_scanned: tuple[float, int]  # (when, Context.revision) of the last split scan
    busy: Callable[[str], bool]
    _when_admitted: Callable[[str, Callable[[], None]], None]

    def _keep_whole(
        self, application: ApplicationRecord, keeper: str, now: float, stop_time: float
    ) -> None:
        """Stop every process of the application that runs elsewhere than `keeper`, then
        complete it there once those stops are over (_advance_keeping_whole)."""
        stops = split_processes(application, keeper)
        self.logger.warn(f"{application.name}: kept whole on {keeper}")
        self.driver.execute([StopCommand(ident, namespec) for namespec, ident in stops])
        deadline = now + 2 * self.driver.jobs.tick_period + stop_time
        self.keeping_whole[application.name] = KeepingWhole(keeper, deadline)

    def _advance_keeping_whole(self, now: float) -> None:
        for name, item in list(self.keeping_whole.items()):
            application = self.context.applications.get(name)
            if application is None:
                del self.keeping_whole[name]
                continue
            if split_processes(application, item.keeper) and now < item.deadline:
                continue  # completing now would place the missing processes on a stale half
            del self.keeping_whole[name]
            self._complete(name)

    def _mend_splits(self, now: float) -> None:
        """Master: an application split over two instances with no job to explain it (a
        conciliation or failover interrupted by a hang) is gathered whole on one."""
        scanned_at, revision = self.mend_scanned
        if now - scanned_at < MEND_SCAN_PERIOD or (
            revision == self.context.revision and not self.split_since
        ):
            return
        self.mend_scanned = (now, self.context.revision)
        split = set()
        # a conciliation made by another instance (conciliate() is served anywhere) gathers
        # the application by itself meanwhile: only a split lasting that long with nothing
        # else going on is the Master's to mend; conflicts are the user's under USER
        grace = max(3.0, 5 * self.driver.jobs.tick_period)
        conflicts = bool(self.context.conflicts())
        for application in self.context.applications.values():
            keeper = split_keeper(application)
            if keeper is None:
                continue
            name = application.name
            split.add(name)
            if conflicts or self._handling(application):
                self.split_since[name] = now  # the grace starts once nothing explains it
                continue
            since = self.split_since.setdefault(name, now)
            if now - since < grace:
                continue
            del self.split_since[name]
            where = sorted({i for _, i in split_processes(application, keeper)} | {keeper})
            self.logger.warn(f"{name}: split over {', '.join(where)}")
            self._keep_whole(application, keeper, now, 15.0)
        for name in set(self.split_since) - split:
            del self.split_since[name]

    def _handling(self, application: ApplicationRecord) -> bool:
        """Something already works on the application: a job, a failure job, a conflict."""
        return (
            self.busy(application.name)
            or application.name in self.book.jobs
            or application.name in self.keeping_whole
            or any(len(r.view().running_identifiers) > 1 for r in application.processes.values())
        )

    def _complete(self, name: str) -> None:
        """An automatically started application kept whole may miss the processes that were
        stopped elsewhere: start them where it runs (a repair,
        docs/design/jobs.md#automatic-start-and-repair)."""
        application = self.context.applications.get(name)
        rules = application.rules if application else None
        if application is None or rules is None or rules.start_sequence <= 0:
            return
        missing = any(
            record.rules.start_sequence > 0 and not record.view().running_identifiers
            for record in application.processes.values()
        )
        if not missing or self.busy(name):
            return

        def start() -> None:
            self.logger.warn(f"{name}: completing it where it runs")
            self.driver.start_application(application, rules.starting_strategy, repair=True)

        self._when_admitted(name, start)
