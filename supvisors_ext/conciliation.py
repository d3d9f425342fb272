"""Conciliation plans (behaviour.md §11): which copies of a conflicting process to stop, and what
follows. Pure: the caller issues the stops and the follow-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .context import ProcessRecord
from .model import ConciliationStrategies

C = ConciliationStrategies


class FollowUp(Enum):
    NOTHING = "nothing"
    START_ONE = "start one"  # RESTART: start it again once every copy stopped
    RUNNING_FAILURE = "running failure"  # apply the process's running failure strategy (§10)


@dataclass(frozen=True, slots=True)
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
