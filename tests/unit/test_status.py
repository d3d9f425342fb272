"""Process synthesis, application state and operational status (docs/design/status.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from supvisors_ext.cluster.status import (
    ForcedState,
    Observation,
    ProcessView,
    application_state,
    is_failed,
    is_true_for_formula,
    operational_status,
    synthesize,
)
from supvisors_ext.model import ApplicationStates, LocalProcessInfo, ProcessStates
from supvisors_ext.rules import FormulaEvaluationError

P = ProcessStates


def info(state: ProcessStates, expected: bool = True, spawnerr: str = "") -> LocalProcessInfo:
    return LocalProcessInfo(
        group="app",
        name="proc",
        state=state,
        start=0,
        stop=0,
        now=0,
        pid=0,
        description="",
        spawnerr=spawnerr,
        expected=expected,
        start_monotonic=0.0,
        stop_monotonic=0.0,
        now_monotonic=0.0,
        extra_args="",
        startsecs=1,
        stopwaitsecs=10,
        program_name="proc",
        process_index=0,
        disabled=False,
        has_stdout=True,
        has_stderr=True,
    )


def obs(identifier: str, state: ProcessStates, received: float = 0.0, **kw: object) -> Observation:
    return Observation(identifier, info(state, **kw), received)  # type: ignore[arg-type]


def view(state: ProcessStates, expected: bool = True) -> ProcessView:
    return ProcessView(state, expected, (), "")


class TestSynthesize:
    def test_single_running_instance_gives_its_state(self) -> None:
        result = synthesize([obs("a", P.STOPPED), obs("b", P.RUNNING)], None)
        assert result.state == P.RUNNING
        assert result.running_identifiers == ("b",)

    @pytest.mark.parametrize(
        ("states", "expected"),
        [
            ((P.RUNNING, P.STARTING), P.RUNNING),
            ((P.STARTING, P.BACKOFF), P.BACKOFF),
            ((P.STOPPING, P.STARTING), P.STARTING),
            ((P.STOPPING, P.STOPPING), P.STOPPING),
        ],
    )
    def test_conflict_takes_first_of_priority_order(
        self, states: tuple[ProcessStates, ProcessStates], expected: ProcessStates
    ) -> None:
        result = synthesize([obs("a", states[0]), obs("b", states[1])], None)
        assert result.state == expected
        assert result.running_identifiers == ("a", "b")

    def test_nothing_running_takes_the_latest_arrival(self) -> None:
        result = synthesize(
            [obs("a", P.EXITED, 5.0, expected=False), obs("b", P.STOPPED, 2.0)], None
        )
        assert result.state == P.EXITED
        assert result.expected is False

    def test_never_started_record_does_not_hide_a_real_run(self) -> None:
        exited = Observation("a", replace(info(P.EXITED), start=100), 1.0)
        newcomer = obs("b", P.STOPPED, 9.0)  # start == 0: never started there
        result = synthesize([exited, newcomer], None)
        assert result.state == P.EXITED

    def test_forced_state_wins_and_keeps_reason(self) -> None:
        forced = ForcedState(P.FATAL, "No resource available", "", 1.0)
        result = synthesize([obs("a", P.STOPPED)], forced)
        assert (result.state, result.reason, result.expected) == (
            P.FATAL,
            "No resource available",
            False,
        )

    def test_no_observation_is_unknown(self) -> None:
        assert synthesize([], None).state == P.UNKNOWN


class TestFailures:
    @pytest.mark.parametrize(
        ("state", "expected", "failed"),
        [
            (P.FATAL, True, True),
            (P.UNKNOWN, True, True),
            (P.EXITED, False, True),
            (P.EXITED, True, False),
            (P.STOPPED, True, False),
            (P.RUNNING, True, False),
        ],
    )
    def test_is_failed(self, state: ProcessStates, expected: bool, failed: bool) -> None:
        assert is_failed(view(state, expected)) is failed

    @pytest.mark.parametrize(
        ("state", "expected", "truth"),
        [
            (P.STARTING, True, True),
            (P.RUNNING, True, True),
            (P.BACKOFF, True, True),
            (P.EXITED, True, True),
            (P.EXITED, False, False),
            (P.STOPPED, True, False),
            (P.FATAL, False, False),
        ],
    )
    def test_formula_truth(self, state: ProcessStates, expected: bool, truth: bool) -> None:
        assert is_true_for_formula(view(state, expected)) is truth


class TestApplicationState:
    @pytest.mark.parametrize(
        ("states", "expected"),
        [
            ((P.RUNNING, P.STOPPING), ApplicationStates.STOPPING),
            ((P.RUNNING, P.BACKOFF), ApplicationStates.STARTING),
            ((P.RUNNING, P.STARTING), ApplicationStates.STARTING),
            ((P.RUNNING, P.EXITED), ApplicationStates.RUNNING),
            ((P.FATAL, P.EXITED), ApplicationStates.STOPPED),
            ((), ApplicationStates.STOPPED),
        ],
    )
    def test_derivation(
        self, states: tuple[ProcessStates, ...], expected: ApplicationStates
    ) -> None:
        assert application_state(view(state) for state in states) is expected


class FakeFormula:
    def __init__(self, result: bool | Exception) -> None:
        self.result = result
        self.seen: dict[str, bool] = {}

    def evaluate(self, truth: dict[str, bool]) -> bool:
        self.seen = dict(truth)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


class TestOperationalStatus:
    def test_required_stopped_in_running_application_is_major(self) -> None:
        status = operational_status(
            {"bus": view(P.RUNNING), "proc": view(P.STOPPED)},
            {"bus": True, "proc": True},
            None,
        )
        assert status.state == ApplicationStates.RUNNING
        assert (status.major_failure, status.minor_failure) == (True, False)

    def test_required_stopped_in_stopped_application_is_fine(self) -> None:
        status = operational_status({"proc": view(P.STOPPED)}, {"proc": True}, None)
        assert (status.major_failure, status.minor_failure) == (False, False)

    def test_major_and_minor_are_independent(self) -> None:
        status = operational_status(
            {"bus": view(P.FATAL, False), "screen": view(P.EXITED, False)},
            {"bus": True, "screen": False},
            None,
        )
        assert (status.major_failure, status.minor_failure) == (True, True)

    def test_optional_failure_is_minor_only(self) -> None:
        status = operational_status(
            {"bus": view(P.RUNNING), "screen": view(P.EXITED, False)},
            {"bus": True, "screen": False},
            None,
        )
        assert (status.major_failure, status.minor_failure) == (False, True)

    def test_formula_replaces_required(self) -> None:
        formula = FakeFormula(True)
        status = operational_status(
            {"bus": view(P.FATAL, False), "screen": view(P.RUNNING)},
            {"bus": True, "screen": False},
            formula,
        )
        assert formula.seen == {"bus": False, "screen": True}
        assert (status.major_failure, status.minor_failure) == (False, True)

    def test_formula_false_is_major(self) -> None:
        status = operational_status({"bus": view(P.RUNNING)}, {}, FakeFormula(False))
        assert status.major_failure is True

    def test_formula_error_is_major_with_reason(self) -> None:
        error = FormulaEvaluationError("x")
        status = operational_status({"bus": view(P.RUNNING)}, {}, FakeFormula(error))
        assert status.major_failure is True
        assert status.formula_error == "x"


def test_observation_replace_keeps_identity() -> None:
    first = obs("a", P.RUNNING)
    assert replace(first, received=3.0).identifier == "a"
