"""An automatic start that found no room is tried again once room appears (docs/failures.md).

Part of the repair handler (`repair.py`). A DISTRIBUTION or a restart that finds every server
full forces the first process FATAL with `No resource available`. Room comes back in many ways:
an instance joins, a conciliation stops the second copy of another application whose loads
were counted twice, someone stops an application. Only the starts the cluster made itself are
retried (the automatic start and the repairs, `Driver.no_room_automatic`): a user's start that
found no room is the user's to retry. The Master then starts it again, when:
nothing of it runs, no job or pending failure concerns it, no conflict inflates the loads, the
automatic start is over, and its first stage would be placed now (`Jobs.has_room`). Checked when
a record or the live set changed; one attempt per application every `retry_period` at most
(found by the chaos soak, bench/CHAOS.md).
"""

from __future__ import annotations

from collections.abc import Callable

from supvisors_ext.cluster.context import ApplicationRecord, Context
from supvisors_ext.cluster.failures import FailureBook
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.jobs.start import NO_RESOURCE
from supvisors_ext.runtime.driver import Driver


def found_no_room(application: ApplicationRecord | None) -> bool:
    """A start of the application failed for lack of room (its forced FATAL says so)."""
    return application is not None and any(
        record.forced is not None and record.forced.reason == NO_RESOURCE
        for record in application.processes.values()
    )


def runs(application: ApplicationRecord) -> bool:
    return any(record.view().running_identifiers for record in application.processes.values())


class RoomRetryMixin:
    """Needs the repair handler's context, driver, logger, book, busy() and _restart_start()."""

    context: Context
    driver: Driver
    logger: PluginLogger
    book: FailureBook
    busy: Callable[[str], bool]
    _restart_start: Callable[[ApplicationRecord, frozenset[str]], None]
    # (Context.revision, live instances) at the last check, whether one waits for its period,
    # and when each application was last tried
    room_key: tuple[int, frozenset[str]]
    room_waiting: bool
    room_tried: dict[str, float]

    def retry_period(self) -> float:
        return max(5.0, 10 * self.driver.jobs.tick_period)

    def _retry_without_room(self, now: float, live: frozenset[str]) -> None:
        """Master, once per driver step."""
        key = (self.context.revision, live)
        if key == self.room_key and not self.room_waiting:
            return
        if self.context.conflicts() or not self.driver.distribution_done():
            return  # loads counted twice, or the automatic start decides: checked again later
        self.room_key, self.room_waiting = key, False
        for application in self.context.applications.values():
            rules = application.rules
            if rules is None or rules.start_sequence <= 0 or not found_no_room(application):
                continue
            name = application.name
            wanted = self.driver.no_room_automatic
            if name in wanted and runs(application):
                wanted.discard(name)  # started meanwhile, by anybody
            if name not in wanted or runs(application) or self.busy(name):
                continue
            if name in self.book.jobs:
                continue
            if now - self.room_tried.get(name, float("-inf")) < self.retry_period():
                self.room_waiting = True
                continue
            jobs, strategy = self.driver.jobs, rules.starting_strategy
            if not jobs.has_room(application, strategy, self.driver.local):
                continue
            self.room_tried[name] = now
            wanted.discard(name)  # noted again if this start finds no room either
            self.logger.warn(f"{name}: room found, starting it again")
            self._restart_start(application, frozenset())
