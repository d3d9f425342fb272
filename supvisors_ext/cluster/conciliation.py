"""Conciliation plans (docs/design/failures.md#conciliation): which copies of a conflicting process
to stop, and what follows. Pure: the caller issues the stops and the follow-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from supvisors_ext.cluster.context import ApplicationRecord, ProcessRecord
from supvisors_ext.compat import SLOTS
from supvisors_ext.model import ConciliationStrategies, DistributionRules, ProcessStates

C = ConciliationStrategies
NOT_STAGED = 1 << 30  # start_sequence 0: started on request only, after any staged process


class FollowUp(Enum):
    NOTHING = "nothing"
    START_ONE = "start one"  # RESTART: start it again once every copy stopped
    # apply the process's running failure strategy (docs/design/failures.md)
    RUNNING_FAILURE = "running failure"


@dataclass(frozen=True, **SLOTS)
class ConciliationPlan:
    """For one conflicting process: the instances to stop it on, then what to do."""

    record: ProcessRecord
    stop_on: tuple[str, ...]
    follow_up: FollowUp
    stop_everywhere: bool  # every copy: a stop job (by stop stages) rather than targeted stops


def uptime_order(record: ProcessRecord) -> list[str]:
    """Instances running the process, youngest copy (latest spawn) first; ties by identifier."""
    running = record.view().running_identifiers
    return sorted(
        running,
        key=lambda identifier: (-_spawned(record, identifier), identifier),
    )


def _spawned(record: ProcessRecord, identifier: str) -> float:
    info = record.info_on(identifier)
    if info is None:
        return 0.0
    # `start` has a one-second resolution: the sender's monotonic spawn time breaks ties only
    # within one instance's clock, so the wall time decides first
    return float(info.start)


def plan_conciliation(
    strategy: ConciliationStrategies, record: ProcessRecord
) -> ConciliationPlan | None:
    """None for USER (the user resolves it) or if the conflict is already gone."""
    running = uptime_order(record)
    if strategy == C.USER or len(running) < 2:
        return None
    if strategy == C.SENICIDE:  # keep the youngest copy
        return ConciliationPlan(record, tuple(running[1:]), FollowUp.NOTHING, False)
    if strategy == C.INFANTICIDE:  # keep the oldest copy
        return ConciliationPlan(record, tuple(running[:-1]), FollowUp.NOTHING, False)
    follow_up = {
        C.STOP: FollowUp.NOTHING,
        C.RESTART: FollowUp.START_ONE,
        C.RUNNING_FAILURE: FollowUp.RUNNING_FAILURE,
    }[strategy]
    return ConciliationPlan(record, tuple(running), follow_up, True)


def whole_application_keeper(plan: ConciliationPlan, application: ApplicationRecord) -> str | None:
    """The instance where a SINGLE_INSTANCE application must keep every process, or None.

    Our choice: a per-process SENICIDE/INFANTICIDE could split such an application over two
    instances (a hung host resumed in the middle of a failover); the copy kept for the
    conflict decides for the whole application."""
    rules = application.rules
    if rules is None or rules.distribution != DistributionRules.SINGLE_INSTANCE:
        return None
    kept = set(plan.record.view().running_identifiers) - set(plan.stop_on)
    if plan.stop_everywhere or len(kept) != 1:
        return None
    return kept.pop()


def split_processes(application: ApplicationRecord, keep: str) -> list[tuple[str, str]]:
    """(namespec, identifier) of the application's processes running anywhere but `keep`."""
    return [
        (record.namespec, identifier)
        for record in application.processes.values()
        for identifier in record.view().running_identifiers
        if identifier != keep
    ]


def split_keeper(application: ApplicationRecord) -> str | None:
    """The instance to keep a SINGLE_INSTANCE application whole on, if it runs split over
    several instances (no process conflicts, yet two halves: a conciliation or a failover
    interrupted by a hang). None if it is not split.

    The instance running most of its processes wins; on a tie, the one running the process
    that starts first (the others depend on it: the Scenario 2 bus), then by identifier."""
    rules = application.rules
    if rules is None or rules.distribution != DistributionRules.SINGLE_INSTANCE:
        return None
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for record in application.processes.values():
        for identifier in record.view().running_identifiers:
            info = record.info_on(identifier)
            if info is not None and info.state == ProcessStates.STOPPING:
                continue  # going away (a conciliation by another instance, a stop job)
            counts[identifier] = counts.get(identifier, 0) + 1
            sequence = record.rules.start_sequence or NOT_STAGED
            first[identifier] = min(first.get(identifier, sequence), sequence)
    if len(counts) < 2:
        return None
    return min(counts, key=lambda identifier: (-counts[identifier], first[identifier], identifier))
