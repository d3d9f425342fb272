"""Placement results for one process or one whole application (docs/design/placement.md); pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from supvisors_ext.model import StartingStrategies
from supvisors_ext.strategy.candidates import Candidate
from supvisors_ext.strategy.starting import choose_instance

NO_RESOURCE = "No resource available"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where something is placed: `reason` is '' on success, else why `identifier` is None."""

    identifier: str | None
    reason: str


def _placement(identifier: str | None) -> Placement:
    return Placement(identifier, "" if identifier is not None else NO_RESOURCE)


def place_process(
    strategy: StartingStrategies,
    candidates: Sequence[Candidate],
    load: int,
    local: str,
    all_instances: Sequence[Candidate] | None = None,
) -> Placement:
    """ALL_INSTANCES: one process among its candidates with its own load (choose_instance)."""
    return _placement(choose_instance(strategy, candidates, load, local, all_instances))


def place_single_instance(
    strategy: StartingStrategies,
    allowed: Sequence[Candidate],
    app_load: int,
    local: str,
    forced: str | None = None,
    all_instances: Sequence[Candidate] | None = None,
) -> Placement:
    """SINGLE_INSTANCE: one instance for the whole application with the application load.

    `forced` is the instance already running part of the application (repair,
    docs/design/jobs.md#automatic-start-and-repair): it is kept if it is allowed and still valid for
    `app_load` (the remaining load), else nothing is placed; the strategy is not consulted again.
    """
    if forced is not None:
        target = next((item for item in allowed if item.identifier == forced), None)
        return _placement(forced if target is not None and target.accepts(app_load) else None)
    return place_process(strategy, allowed, app_load, local, all_instances)
