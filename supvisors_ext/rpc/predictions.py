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

from supervisor.http import NOT_DONE_YET

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
from supvisors_ext.rpc.base import OPER, rpc_method, string_arg
from supvisors_ext.rpc.control import POLL_DELAY
from supvisors_ext.rpc.processes import ProcessMethods

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


class PredictionMethods(ProcessMethods):
    """Thin `supvisors` methods over `StartPredictor`."""

    def _predictor(self) -> StartPredictor:
        plugin = self.plugin
        return StartPredictor(plugin.context, plugin.driver.jobs, plugin.context.local_identifier)

    @rpc_method
    def test_start_application(self, strategy: Any, application_name: str) -> list[Payload]:
        """Predict where a start of a managed application would place its processes.

        @param string strategy a starting strategy name or code
        @param string application_name the application (group) name
        @return array structs of application_name, process_name, state, forced_reason and
            running_identifiers; nothing is started
        """
        self._check_state(OPER)
        self._check_rules()
        chosen = self._strategy(strategy)
        application = self._managed(application_name)
        if application.status().state != ApplicationStates.STOPPED:
            raise fault(Faults.ALREADY_STARTED, application.name)
        return self._predictor().predict_application(application, chosen)

    @rpc_method
    def test_start_process(self, strategy: Any, namespec: str) -> list[Payload]:
        """Predict where a start of one process (or of group:*) would place it.

        @param string strategy a starting strategy name or code
        @param string namespec group:name, group:* or name
        @return array structs of application_name, process_name, state, forced_reason and
            running_identifiers; nothing is started
        """
        self._check_state(OPER)
        chosen = self._strategy(strategy)
        records = self._processes(namespec)
        running = [record.namespec for record in records if record.view().running_identifiers]
        if running:
            raise fault(Faults.ALREADY_STARTED, ", ".join(running))
        application = self.plugin.context.applications[records[0].group]
        return self._predictor().predict_processes(application, records, chosen)

    @rpc_method
    def start_any_process(
        self, strategy: Any, regex: str, extra_args: str = "", wait: bool = True
    ) -> Any:
        """Start one stopped process whose namespec matches the regex, where the strategy allows.

        @param string strategy a starting strategy name or code
        @param string regex a regular expression searched in the namespecs
        @param string extra_args arguments appended to the command for this start
        @param boolean wait wait until the process is RUNNING
        @return string the namespec of the process started
        """
        self._check_state(OPER)
        self._check_rules()
        chosen = self._strategy(strategy)
        pattern = _regex(regex)
        extra_args = string_arg(extra_args, "extra_args")
        wait = self._flag(wait, "wait")
        predictor = self._predictor()
        namespec = next(
            (
                record.namespec
                for record in _stopped_matches(self.plugin.context, pattern)
                if predictor.placeable(record, chosen)
            ),
            None,
        )
        if namespec is None:
            raise fault(Faults.FAILED, f"no candidate process matching {pattern.pattern!r}")
        return _then_value(self.start_process(strategy, namespec, extra_args, wait), namespec)


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


__all__ = ["PredictionMethods", "StartPredictor"]
