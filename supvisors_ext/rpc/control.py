"""Application and process control methods of the `supvisors` namespace (xmlrpc-api.md §6-§8).

Waiting calls return a plain nested function with a `.delay`: supervisord polls it from its main
loop until it returns something else than NOT_DONE_YET (`supervisor/xmlrpc.py`
`DeferredXMLRPCResponse`), so supervisord is never blocked. Every wait has a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from supervisor.http import NOT_DONE_YET

from supvisors_ext.cluster.status import ProcessView
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.model import ApplicationStates, StartingStrategies, enum_names, parse_enum
from supvisors_ext.rpc.base import OPER, OPER_CONC, NamespaceBase, rpc_method, string_arg

POLL_DELAY = 0.05
WAIT_LIMIT = 600.0  # a caller never waits longer than this, whatever the job does


def stop_then_start(
    stop_steps: Callable[[Callable[[], object]], Callable[[], object]],
    start_steps: Callable[[], Callable[[], object]],
) -> object:
    """One deferred result for a restart: the stop steps, then (once stopped) the start steps.

    `stop_steps(then)` builds the stop's step function, calling `then()` when the stop is over.
    """
    stage: dict[str, Callable[[], object]] = {}

    def start_after_stop() -> object:
        stage["current"] = start_steps()
        return stage["current"]()

    stage["current"] = stop_steps(start_after_stop)
    return _deferred(lambda: stage["current"]())


def _deferred(step: Callable[[], object]) -> object:
    """Run `step` once now (immediate faults), then let supervisord poll it."""
    result = step()
    if result is not NOT_DONE_YET:
        return result

    def onwait() -> object:
        return step()

    onwait.delay = POLL_DELAY  # type: ignore[attr-defined]
    return onwait


class ControlMethods(NamespaceBase):
    """Start, stop and restart applications and processes anywhere in the cluster."""

    # ----- argument helpers
    def _strategy(self, value: object) -> StartingStrategies:
        try:
            return parse_enum(StartingStrategies, value)
        except ValueError:
            names = enum_names(StartingStrategies)
            raise fault(
                Faults.INCORRECT_PARAMETERS, f"strategy {value!r} is not one of {names}"
            ) from None

    def _flag(self, value: object, what: str) -> bool:
        if not isinstance(value, (bool, int)):
            raise fault(Faults.INCORRECT_PARAMETERS, f"{what} must be a boolean, got {value!r}")
        return bool(value)

    def _managed(self, application_name: object) -> Any:
        application = self._application(application_name)
        if not application.managed:
            raise fault(SupvisorsFaults.NOT_MANAGED, application.name)
        return application

    def _starting_somewhere(self, name: str) -> bool:
        return self.plugin.driver.starting_anywhere(name)

    # ----- applications
    @rpc_method
    def start_application(self, strategy: Any, application_name: str, wait: bool = True) -> Any:
        """Start a managed application where its rules and the strategy allow.

        @param string strategy a starting strategy name or code
        @param string application_name the application (group) name
        @param boolean wait wait until the start job has ended
        @return boolean True
        """
        self._check_state(OPER)
        self._check_rules()
        chosen = self._strategy(strategy)
        application = self._managed(application_name)
        wait = self._flag(wait, "wait")
        if application.status().state != ApplicationStates.STOPPED or self._starting_somewhere(
            application.name
        ):
            raise fault(Faults.ALREADY_STARTED, application.name)
        return _deferred(self._start_steps(application, chosen, wait, lambda: True))

    def _start_steps(
        self,
        application: Any,
        strategy: StartingStrategies,
        wait: bool,
        then: Callable[[], Any],
        after_stop: bool = False,
    ) -> Callable[[], object]:
        """`after_stop`: the start half of a restart. The Master's view may not show yet the
        stop this instance just saw end, so it judges from grants and start jobs only."""
        driver = self.plugin.driver
        starting = self._starting_somewhere(application.name)
        ticket = driver.admit(application.name, starting, repair=after_stop)
        deadline = time.monotonic() + WAIT_LIMIT
        job: Any = None

        def step() -> object:
            nonlocal job
            if job is None:
                if not ticket.decided:
                    if time.monotonic() > ticket.expires:
                        raise fault(
                            SupvisorsFaults.BAD_SUPVISORS_STATE, "the Master did not answer"
                        )
                    return NOT_DONE_YET
                if ticket.reason:
                    already = ticket.code == Faults.ALREADY_STARTED
                    raise fault(ticket.code, application.name if already else ticket.reason)
                job = driver.start_application(application, strategy)
                if job.ended and job.requests_sent == 0:
                    raise fault(Faults.ABNORMAL_TERMINATION, _failures(application.name, job))
                if not wait:
                    return then()
            if not job.ended:
                return _still_waiting(deadline, application.name)
            if application.status().state != ApplicationStates.RUNNING:
                raise fault(Faults.NOT_RUNNING, _failures(application.name, job))
            return then()

        return step

    @rpc_method
    def stop_application(self, application_name: str, wait: bool = True) -> Any:
        """Stop every process of a managed application wherever it runs, by stop stages.

        @param string application_name the application (group) name
        @param boolean wait wait until the application is stopped
        @return boolean True
        """
        self._check_state(OPER_CONC)
        self._check_rules()
        application = self._managed(application_name)
        wait = self._flag(wait, "wait")
        if not _runs(application):
            raise fault(Faults.NOT_RUNNING, application.name)
        return _deferred(self._stop_steps(application, wait, lambda: True))

    def _stop_steps(
        self, application: Any, wait: bool, then: Callable[[], Any]
    ) -> Callable[[], object]:
        job = self.plugin.driver.stop_application(application)
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            if not wait:
                return then()
            if not job.ended:
                return _still_waiting(deadline, application.name)
            if _runs(application):
                raise fault(Faults.STILL_RUNNING, application.name)
            return then()

        return step

    @rpc_method
    def restart_application(self, strategy: Any, application_name: str, wait: bool = True) -> Any:
        """Stop a managed application (if anything runs), then start it with the strategy.

        @param string strategy a starting strategy name or code
        @param string application_name the application (group) name
        @param boolean wait wait until the start job has ended
        @return boolean True
        """
        self._check_state(OPER)
        self._check_rules()
        chosen = self._strategy(strategy)
        application = self._managed(application_name)
        wait = self._flag(wait, "wait")
        if not _runs(application):
            return _deferred(self._start_steps(application, chosen, wait, lambda: True))
        return stop_then_start(
            lambda then: self._stop_steps(application, True, then),
            lambda: self._start_steps(application, chosen, wait, lambda: True, after_stop=True),
        )

    # ----- processes
    @rpc_method
    def start_args(self, namespec: str, extra_args: str = "", wait: bool = True) -> Any:
        """Start a process on THIS instance with extra arguments appended to its command.

        @param string namespec group:name or name
        @param string extra_args arguments appended for this start
        @param boolean wait wait until the process is RUNNING
        @return boolean True
        """
        namespec = string_arg(namespec, "namespec")
        extra_args = string_arg(extra_args, "extra_args")
        wait = self._flag(wait, "wait")
        [record] = self._single_process(namespec)
        if wait:
            error = self.plugin.adapter.start_process(record.namespec, extra_args)
        else:
            # what peers use: checked now, spawned through the paced local queue so that a
            # batch of starts never keeps this instance from ticking
            error = self.plugin.adapter.check_startable(record.namespec)
            if not error:
                self.plugin.driver.queue_local_start(record.namespec, extra_args)
        if error:
            code = _code_of(error)
            if code in (Faults.NO_FILE, Faults.NOT_EXECUTABLE):
                self.plugin.driver.force_fatal(record, error)
            raise fault(code, error.split(": ", 1)[-1])
        deadline = time.monotonic() + WAIT_LIMIT
        local = self.plugin.context.local_identifier

        def step() -> object:
            info = record.info_on(local)
            state = info.state.name if info else "UNKNOWN"
            if state == "RUNNING" or not wait:
                return True
            if state not in ("STARTING", "BACKOFF"):
                raise fault(Faults.ABNORMAL_TERMINATION, f"{record.namespec} is {state}")
            return _still_waiting(deadline, record.namespec)

        return _deferred(step)

    def _single_process(self, namespec: str) -> list[Any]:
        records = self._processes(namespec)
        if len(records) != 1:
            raise fault(Faults.BAD_NAME, f"{namespec!r} must name one process")
        return records


def _runs(application: Any) -> bool:
    return any(record.view().running_identifiers for record in application.processes.values())


def _still_waiting(deadline: float, name: str) -> object:
    if time.monotonic() > deadline:
        raise fault(Faults.FAILED, f"{name}: no end within {WAIT_LIMIT:g} s; the job goes on")
    return NOT_DONE_YET


def _failures(name: str, job: Any) -> str:
    return f"{name}: " + ("; ".join(job.failures) if job.failures else "not started")


def _code_of(text: str) -> int:
    name = text.split(":", 1)[0]
    return int(getattr(Faults, name, Faults.FAILED))


__all__ = ["ControlMethods", "ProcessView"]
