"""Start predictions: `test_start_application`, `test_start_process`, `start_any_process`.

A prediction plans the start on a scratch copy of this instance's jobs (docs/api.md): stages in
start_sequence order, each process placed by the strategy as a real start would place it, the
load of the processes already placed counted as pending. Nothing is sent, nothing is started,
and the program-level `#`/`@` assignments of the real jobs are left as they are.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from supvisors_ext.cluster.context import ApplicationRecord, Context, ProcessRecord
from supvisors_ext.faults import Faults, fault
from supvisors_ext.jobs.control import Jobs
from supvisors_ext.jobs.start import NO_RESOURCE, RequestStatus, build_stages
from supvisors_ext.model import (
    ApplicationStates,
    ProcessStates,
    StartingFailureStrategies,
    StartingStrategies,
)
from supvisors_ext.rpc.base import OPER, Guards, flag_arg, strategy_arg, string_arg
from supvisors_ext.rpc.deferred import NOT_DONE_YET, POLL_DELAY
from supvisors_ext.rpc.processes import ProcessHandler

Payload = dict[str, Any]
_SCRATCH_KEY = "\x00prediction"


class StartPredictor:
    """Where a start would place processes now, from this instance's view."""

    def __init__(self, context: Context, jobs: Jobs, local: str) -> None:
        self.context = context
        self.jobs = jobs
        self.local = local

    def predict_application(
        self, application: ApplicationRecord, strategy: StartingStrategies
    ) -> list[Payload]:
        """The staged processes (start_sequence > 0), as `start_application` would start them."""
        records = list(application.processes.values())
        stages = build_stages(records, use_wait_exit=True, include_zero=False)
        return self._predict(application, stages, strategy)

    def predict_processes(
        self,
        application: ApplicationRecord,
        records: list[ProcessRecord],
        strategy: StartingStrategies,
    ) -> list[Payload]:
        """Some processes of one application, as `start_process` would start them."""
        stages = build_stages(records, use_wait_exit=False, include_zero=True)
        return self._predict(application, stages, strategy)

    def placeable(self, record: ProcessRecord, strategy: StartingStrategies) -> bool:
        application = self.context.applications[record.group]
        [entry] = self.predict_processes(application, [record], strategy)
        return bool(entry["running_identifiers"])

    def _predict(
        self, application: ApplicationRecord, stages: list, strategy: StartingStrategies
    ) -> list[Payload]:
        scratch = Jobs(self.context, self.jobs.tick_period)
        scratch.start_jobs = dict(self.jobs.start_jobs)
        scratch.assignments = copy.deepcopy(self.jobs.assignments)
        job = scratch._make_job(application, stages, strategy, self.local, "")  # noqa: SLF001
        scratch.start_jobs[_SCRATCH_KEY] = job  # its placed requests count as pending loads
        results: dict[str, Payload] = {}
        aborted = False
        for stage in stages:
            for request in stage:
                record = request.record
                if aborted:
                    results[record.namespec] = _entry(record, ProcessStates.STOPPED, "", [])
                    continue
                target = job.placer(record)
                if target is None:
                    results[record.namespec] = _entry(record, ProcessStates.FATAL, NO_RESOURCE, [])
                    continue
                request.target, request.status = target, RequestStatus.REQUESTED
                state = ProcessStates.EXITED if request.wait_exit else ProcessStates.RUNNING
                results[record.namespec] = _entry(record, state, "", [target])
            aborted = aborted or any(
                results[request.record.namespec]["forced_reason"]
                and request.record.rules.starting_failure_strategy
                != StartingFailureStrategies.CONTINUE
                for request in stage
            )
        return [results[key] for key in sorted(results, key=_sort_key(results))]


def _sort_key(results: dict[str, Payload]) -> Any:
    return lambda key: (results[key]["application_name"], results[key]["process_name"])


def _entry(
    record: ProcessRecord, state: ProcessStates, reason: str, identifiers: list[str]
) -> Payload:
    return {
        "application_name": record.group,
        "process_name": record.name,
        "state": state.name,
        "forced_reason": reason,
        "running_identifiers": identifiers,
    }


class PredictionHandler:
    """test_start_application, test_start_process, start_any_process."""

    def __init__(
        self, guards: Guards, context: Context, predictor: StartPredictor, processes: ProcessHandler
    ) -> None:
        self._guards = guards
        self._context = context
        self._predictor = predictor
        self._processes = processes

    def test_start_application(self, strategy: object, application_name: object) -> list[Payload]:
        self._guards.check_state(OPER)
        self._guards.check_rules()
        chosen = strategy_arg(strategy)
        application = self._guards.managed(application_name)
        if application.status().state != ApplicationStates.STOPPED:
            raise fault(Faults.ALREADY_STARTED, application.name)
        return self._predictor.predict_application(application, chosen)

    def test_start_process(self, strategy: object, namespec: object) -> list[Payload]:
        self._guards.check_state(OPER)
        chosen = strategy_arg(strategy)
        records = self._guards.processes(namespec)
        running = [record.namespec for record in records if record.view().running_identifiers]
        if running:
            raise fault(Faults.ALREADY_STARTED, ", ".join(running))
        application = self._context.applications[records[0].group]
        return self._predictor.predict_processes(application, records, chosen)

    def start_any_process(
        self, strategy: object, regex: object, extra_args: object, wait: object
    ) -> object:
        self._guards.check_state(OPER)
        self._guards.check_rules()
        chosen = strategy_arg(strategy)
        pattern = _regex(regex)
        extra_args = string_arg(extra_args, "extra_args")
        flag_arg(wait, "wait")
        namespec = next(
            (
                record.namespec
                for record in _stopped_matches(self._context, pattern)
                if self._predictor.placeable(record, chosen)
            ),
            None,
        )
        if namespec is None:
            raise fault(Faults.FAILED, f"no candidate process matching {pattern.pattern!r}")
        started = self._processes.start_process(strategy, namespec, extra_args, wait)
        return _then_value(started, namespec)


def _regex(value: object) -> re.Pattern[str]:
    text = string_arg(value, "regex")
    try:
        return re.compile(text)
    except re.error as exc:
        raise fault(Faults.INCORRECT_PARAMETERS, f"regex {text!r}: {exc}") from None


def _stopped_matches(context: Context, pattern: re.Pattern[str]) -> list[ProcessRecord]:
    """Matching processes running nowhere, in namespec order."""
    records = [
        record
        for record in context.iter_processes()
        if pattern.search(record.namespec) and not record.view().running_identifiers
    ]
    return sorted(records, key=lambda record: (record.group, record.name))


def _then_value(result: object, value: str) -> object:
    """A start's result (True or a deferred step) turned into `value` once it is True."""
    if not callable(result):
        return value

    def onwait() -> object:
        outcome = result()
        return NOT_DONE_YET if outcome is NOT_DONE_YET else value

    onwait.delay = POLL_DELAY  # type: ignore[attr-defined]
    return onwait


__all__ = ["PredictionHandler", "StartPredictor"]
