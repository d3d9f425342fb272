"""Pure derivations of process, application and operational status (docs/design/status.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from supvisors_ext.model import (
    RUNNING_STATES,
    ApplicationStates,
    LocalProcessInfo,
    ProcessStates,
)
from supvisors_ext.rules import FormulaEvaluationError, StatusFormula

# the state reported for a conflict: the first of these present
# (docs/design/status.md#process-synthesis)
CONFLICT_STATE_ORDER = (
    ProcessStates.RUNNING,
    ProcessStates.BACKOFF,
    ProcessStates.STARTING,
    ProcessStates.STOPPING,
)


@dataclass(frozen=True, slots=True)
class ForcedState:
    """A displayed state imposed by the plugin until the next real event
    (docs/design/status.md#forced-state)."""

    state: ProcessStates
    reason: str
    target: str  # identifier the start was aimed at, '' if none
    since: float  # local monotonic time


@dataclass(frozen=True, slots=True)
class Observation:
    """One instance's latest record of a process, with the local monotonic time it arrived."""

    identifier: str
    info: LocalProcessInfo
    received: float


@dataclass(frozen=True, slots=True)
class ProcessView:
    """The synthesized status of a process over every instance."""

    state: ProcessStates
    expected: bool
    running_identifiers: tuple[str, ...]
    reason: str  # forced reason or spawn error of the reported state, '' if none


def synthesize(observations: Iterable[Observation], forced: ForcedState | None) -> ProcessView:
    """Combine every instance's record into one process view (docs/design/status.md)."""
    observed = sorted(observations, key=lambda obs: obs.identifier)
    running = tuple(obs.identifier for obs in observed if obs.info.state in RUNNING_STATES)
    if forced is not None:
        return ProcessView(forced.state, False, running, forced.reason)
    if len(running) == 1:
        info = next(obs.info for obs in observed if obs.identifier == running[0])
        return ProcessView(info.state, info.expected, running, info.spawnerr)
    if running:
        states = {obs.info.state for obs in observed if obs.identifier in running}
        state = next(candidate for candidate in CONFLICT_STATE_ORDER if candidate in states)
        return ProcessView(state, True, running, "")
    if not observed:
        return ProcessView(ProcessStates.UNKNOWN, False, (), "")
    # a record of a process never started there (a newcomer's STOPPED) never hides another
    # instance's record of a real run (docs/design/jobs.md#automatic-start-and-repair)
    lived = [obs for obs in observed if obs.info.start or obs.info.state != ProcessStates.STOPPED]
    latest = max(lived or observed, key=lambda obs: obs.received)
    return ProcessView(latest.info.state, latest.info.expected, (), latest.info.spawnerr)


def is_failed(view: ProcessView) -> bool:
    """FATAL, UNKNOWN, or EXITED with an unexpected code
    (docs/design/status.md#operational-status)."""
    if view.state in (ProcessStates.FATAL, ProcessStates.UNKNOWN):
        return True
    return view.state == ProcessStates.EXITED and not view.expected


def is_true_for_formula(view: ProcessView) -> bool:
    """Truth of a process operand in an operational_status formula
    (docs/rules.md#operational_status-formula)."""
    if view.state in (ProcessStates.STARTING, ProcessStates.RUNNING, ProcessStates.BACKOFF):
        return True
    return view.state == ProcessStates.EXITED and view.expected


def application_state(views: Iterable[ProcessView]) -> ApplicationStates:
    """Managed application state from its processes' displayed states
    (docs/design/status.md#application-state)."""
    states = {view.state for view in views}
    if ProcessStates.STOPPING in states:
        return ApplicationStates.STOPPING
    if states & {ProcessStates.STARTING, ProcessStates.BACKOFF}:
        return ApplicationStates.STARTING
    if ProcessStates.RUNNING in states:
        return ApplicationStates.RUNNING
    return ApplicationStates.STOPPED


@dataclass(frozen=True, slots=True)
class OperationalStatus:
    state: ApplicationStates
    major_failure: bool
    minor_failure: bool
    formula_error: str  # why the formula could not be evaluated, '' if fine


def operational_status(
    views: Mapping[str, ProcessView],
    required: Mapping[str, bool],
    formula: StatusFormula | None,
) -> OperationalStatus:
    """State and failures of a managed application (docs/design/status.md).

    `views` and `required` are keyed by process name.
    """
    state = application_state(views.values())
    minor = any(is_failed(view) for name, view in views.items() if not required.get(name, False))
    if formula is None:
        major = any(
            is_failed(view)
            or (state != ApplicationStates.STOPPED and view.state == ProcessStates.STOPPED)
            for name, view in views.items()
            if required.get(name, False)
        )
        return OperationalStatus(state, major, minor, "")
    minor = any(is_failed(view) for view in views.values())
    truth = {name: is_true_for_formula(view) for name, view in views.items()}
    try:
        major = not formula.evaluate(truth)
        return OperationalStatus(state, major, minor, "")
    except FormulaEvaluationError as exc:
        return OperationalStatus(state, True, minor, str(exc))
