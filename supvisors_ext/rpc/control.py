"""Application control of the `supvisors` namespace, and `start_args` (docs/api.md); main thread.

`ApplicationHandler` depends on the guards, the driver (admission and jobs), the host adapter
(local spawns for `start_args`) and the local identifier. Waiting calls return deferred results
(`rpc/deferred.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from supvisors_ext.cluster.context import ApplicationRecord
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.jobs.start import StartJob
from supvisors_ext.model import ApplicationStates, StartingStrategies
from supvisors_ext.rpc.base import OPER, OPER_CONC, Guards, flag_arg, strategy_arg, string_arg
from supvisors_ext.rpc.deferred import (
    NOT_DONE_YET,
    WAIT_LIMIT,
    Step,
    deferred,
    still_waiting,
    stop_then_start,
)
from supvisors_ext.runtime.driver import Driver


def runs(application: ApplicationRecord) -> bool:
    return any(record.view().running_identifiers for record in application.processes.values())


def failures(name: str, job: StartJob) -> str:
    return f"{name}: " + ("; ".join(job.failures) if job.failures else "not started")


class ApplicationHandler:
    """Start, stop and restart applications anywhere in the cluster; start_args locally."""

    def __init__(
        self, guards: Guards, driver: Driver, adapter: SupervisorAdapter, local_identifier: str
    ) -> None:
        self._guards = guards
        self._driver = driver
        self._adapter = adapter
        self._local = local_identifier

    def start_application(self, strategy: object, application_name: object, wait: object) -> object:
        self._guards.check_state(OPER)
        self._guards.check_rules()
        chosen = strategy_arg(strategy)
        application = self._guards.managed(application_name)
        waiting = flag_arg(wait, "wait")
        if (
            application.status().state != ApplicationStates.STOPPED
            or self._driver.starting_anywhere(application.name)
        ):
            raise fault(Faults.ALREADY_STARTED, application.name)
        return deferred(self._start_steps(application, chosen, waiting, lambda: True))

    def _start_steps(
        self,
        application: ApplicationRecord,
        strategy: StartingStrategies,
        wait: bool,
        then: Step,
        after_stop: bool = False,
    ) -> Step:
        """`after_stop`: the start half of a restart. The Master's view may not show yet the
        stop this instance just saw end, so it judges from grants and start jobs only."""
        driver = self._driver
        starting = driver.starting_anywhere(application.name)
        ticket = driver.admit(application.name, starting, repair=after_stop)
        deadline = time.monotonic() + WAIT_LIMIT
        job: StartJob | None = None
        begun = False  # the first checks of the job were made

        def begin() -> None:
            """The job begins as soon as the start is admitted (main thread)."""
            nonlocal job
            if job is None and ticket.decided and not ticket.reason:
                job = driver.start_application(application, strategy)

        ticket.on_decided = begin  # a peer Master's answer: begin at once, not at the next poll

        def step() -> object:
            nonlocal begun
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
                begin()
            if job is None:  # cannot happen: an admitted start always makes a job
                raise fault(Faults.FAILED, f"{application.name}: no start job")
            if not begun:
                begun = True
                if job.ended and job.requests_sent == 0:
                    raise fault(Faults.ABNORMAL_TERMINATION, failures(application.name, job))
                if not wait:
                    return then()
            if not job.ended:
                return still_waiting(deadline, application.name)
            if application.status().state != ApplicationStates.RUNNING:
                raise fault(Faults.NOT_RUNNING, failures(application.name, job))
            return then()

        return step

    def stop_application(self, application_name: object, wait: object) -> object:
        self._guards.check_state(OPER_CONC)
        self._guards.check_rules()
        application = self._guards.managed(application_name)
        waiting = flag_arg(wait, "wait")
        if not runs(application):
            raise fault(Faults.NOT_RUNNING, application.name)
        return deferred(self._stop_steps(application, waiting, lambda: True))

    def _stop_steps(self, application: ApplicationRecord, wait: bool, then: Step) -> Step:
        job = self._driver.stop_application(application)
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            if not wait:
                return then()
            if not job.ended:
                return still_waiting(deadline, application.name)
            if runs(application):
                raise fault(Faults.STILL_RUNNING, application.name)
            return then()

        return step

    def restart_application(
        self, strategy: object, application_name: object, wait: object
    ) -> object:
        self._guards.check_state(OPER)
        self._guards.check_rules()
        chosen = strategy_arg(strategy)
        application = self._guards.managed(application_name)
        waiting = flag_arg(wait, "wait")
        if not runs(application):
            return deferred(self._start_steps(application, chosen, waiting, lambda: True))
        start: Callable[[], Step] = lambda: self._start_steps(  # noqa: E731
            application, chosen, waiting, lambda: True, after_stop=True
        )
        return stop_then_start(lambda then: self._stop_steps(application, True, then), start)

    def start_args(self, namespec: object, extra_args: object, wait: object) -> object:
        namespec = string_arg(namespec, "namespec")
        extra_args = string_arg(extra_args, "extra_args")
        waiting = flag_arg(wait, "wait")
        record = self._guards.single_process(namespec)
        if waiting:
            error = self._adapter.start_process(record.namespec, extra_args)
        else:
            # what peers use: checked now, spawned through the paced local queue so that a
            # batch of starts never keeps this instance from ticking
            error = self._adapter.check_startable(record.namespec)
            if error is None:
                self._driver.queue_local_start(record.namespec, extra_args)
        if error is not None:
            if error.code in (Faults.NO_FILE, Faults.NOT_EXECUTABLE):
                self._driver.force_fatal(record, error.text)
            raise error
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            info = record.info_on(self._local)
            state = info.state.name if info else "UNKNOWN"
            if state == "RUNNING" or not waiting:
                return True
            if state not in ("STARTING", "BACKOFF"):
                raise fault(Faults.ABNORMAL_TERMINATION, f"{record.namespec} is {state}")
            return still_waiting(deadline, record.namespec)

        return deferred(step)
