"""Process control, restart_sequence and the Master's admission (docs/api.md)."""

from __future__ import annotations

import time
from typing import Any

from supervisor.http import NOT_DONE_YET

from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.model import ApplicationStates, split_namespec
from supvisors_ext.rpc.base import OPER, OPER_CONC, rpc_method, string_arg
from supvisors_ext.rpc.control import (
    WAIT_LIMIT,
    ControlMethods,
    _deferred,
    _still_waiting,
    stop_then_start,
)


class ProcessMethods(ControlMethods):
    """start_process, stop_process, restart_process, restart_sequence, admit_start."""

    @rpc_method
    def start_process(
        self, strategy: Any, namespec: str, extra_args: str = "", wait: bool = True
    ) -> Any:
        """Start one process, or every process of group:*, where the strategy and rules allow.

        @param string strategy a starting strategy name or code
        @param string namespec group:name, group:* or name
        @param string extra_args arguments appended to the command for this start
        @param boolean wait wait until the processes are RUNNING
        @return boolean True
        """
        chosen, records, extra_args, wait = self._start_arguments(
            strategy, namespec, extra_args, wait
        )
        running = [record.namespec for record in records if record.view().running_identifiers]
        if running:
            raise fault(Faults.ALREADY_STARTED, ", ".join(running))
        return _deferred(self._process_start_steps(records, chosen, extra_args, wait))

    def _start_arguments(
        self, strategy: Any, namespec: Any, extra_args: Any, wait: Any
    ) -> tuple[Any, list[Any], str, bool]:
        """Checks shared by start_process and restart_process, in the spec's order."""
        self._check_state(OPER)
        self._check_rules()
        chosen = self._strategy(strategy)
        records = self._processes(namespec)
        return chosen, records, string_arg(extra_args, "extra_args"), self._flag(wait, "wait")

    def _process_start_steps(
        self,
        records: list[Any],
        strategy: Any,
        extra_args: str,
        wait: bool,
        after_stop: bool = False,
    ) -> Any:
        """`after_stop`: the start half of a restart (see ControlMethods._start_steps)."""
        driver = self.plugin.driver
        application = self.plugin.context.applications[records[0].group]
        key = records[0].namespec if len(records) == 1 else f"{application.name}:*"
        managed = application.managed
        ticket = driver.admit(key, False, repair=after_stop) if managed else None
        deadline = time.monotonic() + WAIT_LIMIT
        job: Any = None

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
                return _still_waiting(deadline, key)
            stopped = [r.namespec for r in records if not r.view().running_identifiers]
            if stopped:
                raise fault(Faults.NOT_RUNNING, ", ".join(stopped))
            return True

        return step

    @rpc_method
    def stop_process(self, namespec: str, wait: bool = True) -> Any:
        """Stop one process, or every process of group:*, wherever it runs.

        @param string namespec group:name, group:* or name
        @param boolean wait wait until the processes are stopped
        @return boolean True
        """
        self._check_state(OPER_CONC)
        records = self._processes(namespec)
        wait = self._flag(wait, "wait")
        running = [record for record in records if record.view().running_identifiers]
        if not running:
            raise fault(Faults.NOT_RUNNING, string_arg(namespec, "namespec"))
        return _deferred(self._process_stop_steps(running, wait, lambda: True))

    def _process_stop_steps(self, records: list[Any], wait: bool, then: Any) -> Any:
        application = self.plugin.context.applications[records[0].group]
        key = "stop " + ",".join(record.namespec for record in records)
        job = self.plugin.driver.stop_processes(application, records, key)
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            if not wait:
                return then()
            if not job.ended:
                return _still_waiting(deadline, key)
            still = [r.namespec for r in records if r.view().running_identifiers]
            if still:
                raise fault(Faults.STILL_RUNNING, ", ".join(still))
            return then()

        return step

    @rpc_method
    def restart_process(
        self, strategy: Any, namespec: str, extra_args: str = "", wait: bool = True
    ) -> Any:
        """Stop a process (if running), then start it again; placement is evaluated again.

        @param string strategy a starting strategy name or code
        @param string namespec group:name, group:* or name
        @param string extra_args arguments appended to the command for this start
        @param boolean wait wait until the processes are RUNNING
        @return boolean True
        """
        chosen, records, extra_args, wait = self._start_arguments(
            strategy, namespec, extra_args, wait
        )
        running = [record for record in records if record.view().running_identifiers]
        if not running:
            return _deferred(self._process_start_steps(records, chosen, extra_args, wait))
        return stop_then_start(
            lambda then: self._process_stop_steps(running, True, then),
            lambda: self._process_start_steps(records, chosen, extra_args, wait, after_stop=True),
        )

    @rpc_method
    def restart_sequence(self, wait: bool = True) -> Any:
        """Run the automatic start of applications again (those never started or failed).

        @param boolean wait wait until every start has ended
        @return boolean True
        """
        self._check_state(OPER)
        self._check_rules()
        wait = self._flag(wait, "wait")
        plugin = self.plugin
        if plugin.starting_jobs() or plugin.stopping_jobs():
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "jobs are in progress")
        plugin.driver.start_distribution()
        if plugin.driver.distribution_done() and not plugin.driver.jobs.start_jobs:
            queued = plugin.driver.last_distribution_size
            if not queued:
                raise fault(Faults.ABNORMAL_TERMINATION, "nothing to start")
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            if not wait or plugin.driver.distribution_done():
                return True
            return _still_waiting(deadline, "restart_sequence")

        return _deferred(step)

    @rpc_method
    def admit_start(self, key: str, requester: str, repair: bool = False) -> str:
        """Used between peers: the Master grants (returns '') or refuses (returns why) a start.

        @param string key an application name or a namespec
        @param string requester the identifier of the instance that will drive the start
        @param boolean repair an automatic start completing a partly running application, or
            the start half of a restart whose stop the requester saw end (our view may lag):
            judged from grants and start jobs only
        @return string '' when granted, else the reason of the refusal
        """
        key = string_arg(key, "key")
        requester = string_arg(requester, "requester")
        plugin = self.plugin
        if plugin.fsm.master != plugin.context.local_identifier:
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "this instance is not the Master")
        group, name = split_namespec(key)
        application = plugin.context.applications.get(group)
        started = plugin.driver.starting_anywhere(group)
        repair = self._flag(repair, "repair")
        if application is not None and ":" not in key and not repair:
            started = started or application.status().state != ApplicationStates.STOPPED
        elif application is not None and name is not None and not repair:
            record = application.processes.get(name)
            started = started or bool(record and record.view().running_identifiers)
        return plugin.driver.grants.request(key, requester, time.monotonic(), started)

    @rpc_method
    def release_start(self, key: str, requester: str) -> bool:
        """Used between peers: the requester's start job has ended, its grant is released.

        @param string key the application name or namespec that was granted
        @param string requester the identifier of the instance that held the grant
        @return boolean True if a grant was released
        """
        key = string_arg(key, "key")
        requester = string_arg(requester, "requester")
        return self.plugin.driver.grants.release(key, requester)
