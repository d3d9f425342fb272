"""Process control, restart_sequence and the Master's admission (docs/api.md); main thread.

`ProcessSteps` builds the start and stop steps of a set of processes (shared with the
collections); it depends on the context and the driver. `ProcessHandler` depends on the guards,
the context, the FSM, the driver, its jobs and its grant book.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from supvisors_ext.cluster.admission import GrantBook
from supvisors_ext.cluster.context import Context, ProcessRecord
from supvisors_ext.cluster.engine import Fsm
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.jobs.control import Jobs
from supvisors_ext.jobs.start import StartJob
from supvisors_ext.model import ApplicationStates, StartingStrategies, split_namespec
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


class ProcessSteps:
    """The start and stop steps of a set of processes of one application."""

    def __init__(self, context: Context, driver: Driver) -> None:
        self._context = context
        self._driver = driver

    def start(
        self,
        records: list[ProcessRecord],
        strategy: StartingStrategies,
        extra_args: str,
        wait: bool,
        after_stop: bool = False,
    ) -> Step:
        """`after_stop`: the start half of a restart (see ApplicationHandler._start_steps)."""
        driver = self._driver
        application = self._context.applications[records[0].group]
        key = records[0].namespec if len(records) == 1 else f"{application.name}:*"
        ticket = driver.admit(key, False, repair=after_stop) if application.managed else None
        deadline = time.monotonic() + WAIT_LIMIT
        job: StartJob | None = None

        def step() -> object:
            nonlocal job
            if job is None:
                if ticket is not None and not ticket.decided:
                    if time.monotonic() > ticket.expires:
                        raise fault(
                            SupvisorsFaults.BAD_SUPVISORS_STATE, "the Master did not answer"
                        )
                    return NOT_DONE_YET
                if ticket is not None and ticket.reason:
                    raise fault(ticket.code, ticket.reason)
                job = driver.start_processes(application, records, strategy, extra_args)
                if job.ended and job.requests_sent == 0:
                    raise fault(Faults.ABNORMAL_TERMINATION, "; ".join(job.failures) or key)
                if not wait:
                    return True
            if not job.ended:
                return still_waiting(deadline, key)
            stopped = [r.namespec for r in records if not r.view().running_identifiers]
            if stopped:
                raise fault(Faults.NOT_RUNNING, ", ".join(stopped))
            return True

        return step

    def stop(self, records: list[ProcessRecord], wait: bool, then: Step) -> Step:
        application = self._context.applications[records[0].group]
        key = "stop " + ",".join(record.namespec for record in records)
        job = self._driver.stop_processes(application, records, key)
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            if not wait:
                return then()
            if not job.ended:
                return still_waiting(deadline, key)
            still = [r.namespec for r in records if r.view().running_identifiers]
            if still:
                raise fault(Faults.STILL_RUNNING, ", ".join(still))
            return then()

        return step


class ProcessHandler:
    """start_process, stop_process, restart_process, restart_sequence, admit/release_start."""

    def __init__(
        self,
        guards: Guards,
        context: Context,
        fsm: Fsm,
        driver: Driver,
        jobs: Jobs,
        grants: GrantBook,
        steps: ProcessSteps,
        catch_up: Callable[[], None] = lambda: None,
    ) -> None:
        self._guards = guards
        self._context = context
        self._fsm = fsm
        self._driver = driver
        self._jobs = jobs  # the driver's jobs: what this instance starts and stops
        self._grants = grants  # the driver's grant book, used when this instance is the Master
        self._steps = steps
        # applies what the bus already delivered to this instance but its loop has not handled
        # yet (the HTTP request may be served first in the same loop pass)
        self._catch_up = catch_up

    def _start_arguments(
        self, strategy: object, namespec: object, extra_args: object, wait: object
    ) -> tuple[StartingStrategies, list[ProcessRecord], str, bool]:
        """Checks shared by start_process and restart_process, in the spec's order."""
        self._guards.check_state(OPER)
        self._guards.check_rules()
        chosen = strategy_arg(strategy)
        records = self._guards.processes(namespec)
        return chosen, records, string_arg(extra_args, "extra_args"), flag_arg(wait, "wait")

    def start_process(
        self, strategy: object, namespec: object, extra_args: object, wait: object
    ) -> object:
        chosen, records, args, waiting = self._start_arguments(strategy, namespec, extra_args, wait)
        running = [record.namespec for record in records if record.view().running_identifiers]
        if running:
            raise fault(Faults.ALREADY_STARTED, ", ".join(running))
        return deferred(self._steps.start(records, chosen, args, waiting))

    def stop_process(self, namespec: object, wait: object) -> object:
        self._guards.check_state(OPER_CONC)
        records = self._guards.processes(namespec)
        waiting = flag_arg(wait, "wait")
        running = [record for record in records if record.view().running_identifiers]
        if not running:
            raise fault(Faults.NOT_RUNNING, string_arg(namespec, "namespec"))
        return deferred(self._steps.stop(running, waiting, lambda: True))

    def restart_process(
        self, strategy: object, namespec: object, extra_args: object, wait: object
    ) -> object:
        chosen, records, args, waiting = self._start_arguments(strategy, namespec, extra_args, wait)
        running = [record for record in records if record.view().running_identifiers]
        if not running:
            return deferred(self._steps.start(records, chosen, args, waiting))
        return stop_then_start(
            lambda then: self._steps.stop(running, True, then),
            lambda: self._steps.start(records, chosen, args, waiting, after_stop=True),
        )

    def restart_sequence(self, wait: object) -> object:
        self._guards.check_state(OPER)
        self._guards.check_rules()
        waiting = flag_arg(wait, "wait")
        driver, jobs = self._driver, self._jobs
        starting = self._context.instances_with_jobs(False, bool(jobs.start_jobs))
        stopping = self._context.instances_with_jobs(True, bool(jobs.stop_jobs))
        if starting or stopping:
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "jobs are in progress")
        driver.start_distribution()
        if driver.distribution_done() and not jobs.start_jobs:
            if not driver.last_distribution_size:
                raise fault(Faults.ABNORMAL_TERMINATION, "nothing to start")
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            if not waiting or driver.distribution_done():
                return True
            return still_waiting(deadline, "restart_sequence")

        return deferred(step)

    def admit_start(self, key: object, requester: object, repair: object) -> str:
        key = string_arg(key, "key")
        requester = string_arg(requester, "requester")
        # decide on the freshest view: a stop that ended elsewhere just before this request must
        # not be refused as ALREADY_STARTED because its news waits in our inbox
        self._catch_up()
        if self._fsm.master != self._context.local_identifier:
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "this instance is not the Master")
        group, name = split_namespec(key)
        application = self._context.applications.get(group)
        started = self._driver.starting_anywhere(group)
        repairing = flag_arg(repair, "repair")
        if application is not None and ":" not in key and not repairing:
            started = started or application.status().state != ApplicationStates.STOPPED
        elif application is not None and name is not None and not repairing:
            record = application.processes.get(name)
            started = started or bool(record and record.view().running_identifiers)
        return self._grants.request(key, requester, time.monotonic(), started)

    def release_start(self, key: object, requester: object) -> bool:
        key = string_arg(key, "key")
        requester = string_arg(requester, "requester")
        return self._grants.release(key, requester)


__all__ = ["ProcessHandler", "ProcessSteps"]
