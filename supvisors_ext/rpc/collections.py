"""Collection methods of the `supvisors` namespace: cluster-wide (xmlrpc-api.md §9).

A collection owns nothing: each member is delegated to the cluster's own process operations
(start like `start_process` with its application's starting strategy, stop like
`stop_process`, signal with `supervisor.signalProcess` wherever it runs). Membership is resolved
at call time against every process known to the cluster context. Main thread only; waiting is a
deferred callback polled by supervisord, one result per member acted on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from supervisor.http import NOT_DONE_YET
from supervisor.options import signal_number

from supvisors_ext.cluster.context import ProcessRecord
from supvisors_ext.collections import CollectionDef, MemberRef, resolve
from supvisors_ext.faults import Faults, RPCError, fault
from supvisors_ext.host.collection_service import current_service
from supvisors_ext.model import ProcessStates
from supvisors_ext.net.peers import PeerReply, call
from supvisors_ext.rpc import views
from supvisors_ext.rpc.base import ANY, OPER, OPER_CONC, QUERY, rpc_method, string_arg
from supvisors_ext.rpc.control import WAIT_LIMIT, _deferred, _still_waiting
from supvisors_ext.rpc.processes import ProcessMethods

SIGNALLABLE = frozenset({ProcessStates.STARTING, ProcessStates.RUNNING, ProcessStates.STOPPING})
MemberStep = tuple[ProcessRecord, Callable[[], object]]


def member_result(record: ProcessRecord, status: int, description: str) -> dict[str, object]:
    """One member result (xmlrpc-api.md §4)."""
    return {
        "name": record.name,
        "group": record.group,
        "status": int(status),
        "description": description,
    }


def gather(steps: list[MemberStep]) -> Callable[[], object]:
    """One step function over per-member steps: the member results once all are over.

    A member step returns NOT_DONE_YET while it waits, anything else on success, and raises
    RPCError on failure.
    """
    pending = dict(enumerate(steps))
    results: dict[int, dict[str, object]] = {}

    def step() -> object:
        for index, (record, member_step) in list(pending.items()):
            try:
                value = member_step()
            except RPCError as exc:
                results[index] = member_result(record, exc.code, str(exc.text))
            else:
                if value is NOT_DONE_YET:
                    continue
                results[index] = member_result(record, Faults.SUCCESS, "OK")
            del pending[index]
        if pending:
            return NOT_DONE_YET
        return [results[index] for index in sorted(results)]

    return step


class CollectionMethods(ProcessMethods):
    """list_collections, get_collection_process_info, start/stop/signal_collection."""

    def _collection(self, name: object) -> CollectionDef:
        name = string_arg(name, "collection_name")
        service = current_service(self.plugin.adapter.supervisord)
        definition = service.get(name) if service is not None else None
        if definition is None:
            raise fault(Faults.BAD_NAME, f"no collection named {name!r}")
        return definition

    def _members(self, definition: CollectionDef) -> list[ProcessRecord]:
        """Every process known to the cluster that the collection designates, member order."""
        records: dict[tuple[str, str], ProcessRecord] = {}
        candidates = []
        for record in self.plugin.context.iter_processes():
            program = next(
                (obs.info.program_name for obs in record.observations.values()), record.name
            )
            candidates.append(MemberRef(record.group, record.name, program))
            records[(record.group, record.name)] = record
        return [records[(ref.group, ref.name)] for ref in resolve(definition, candidates)]

    @rpc_method
    def list_collections(self) -> list[dict[str, object]]:
        """The collections of this instance's configuration, by (priority, name).

        @return array list of {name, priority, program_names, group_names}
        """
        self._check_state(ANY)
        service = current_service(self.plugin.adapter.supervisord)
        return [definition.to_payload() for definition in service.ordered()] if service else []

    @rpc_method
    def get_collection_process_info(self, collection_name: str) -> list[dict[str, Any]]:
        """Process info of every member of a collection, in member order.

        @param string collection_name the collection name
        @return array list of process info
        """
        self._check_state(QUERY)
        definition = self._collection(collection_name)
        return [views.process_info(record) for record in self._members(definition)]

    @rpc_method
    def start_collection(self, collection_name: str, wait: bool = True) -> Any:
        """Start every member that is not running, each with its application's strategy.

        @param string collection_name the collection name
        @param boolean wait wait until every start has ended
        @return array one member result per member started
        """
        self._check_state(OPER)
        self._check_rules()
        definition = self._collection(collection_name)
        wait = self._flag(wait, "wait")
        steps: list[MemberStep] = []
        for record in self._members(definition):
            if record.view().running_identifiers:
                continue
            application = self.plugin.context.applications[record.group]
            rules = application.rules
            strategy = rules.starting_strategy if rules else self.plugin.config.starting_strategy
            steps.append((record, self._process_start_steps([record], strategy, "", wait)))
        return _deferred(gather(steps))

    @rpc_method
    def stop_collection(self, collection_name: str, wait: bool = True) -> Any:
        """Stop every running member wherever it runs.

        @param string collection_name the collection name
        @param boolean wait wait until every member is stopped
        @return array one member result per member stopped
        """
        self._check_state(OPER_CONC)
        definition = self._collection(collection_name)
        wait = self._flag(wait, "wait")
        by_group: dict[str, list[ProcessRecord]] = {}
        for record in self._members(definition):
            if record.view().running_identifiers:
                by_group.setdefault(record.group, []).append(record)
        deadline = time.monotonic() + WAIT_LIMIT
        steps: list[MemberStep] = []
        for group, records in by_group.items():
            application = self.plugin.context.applications[group]
            key = "stop " + ",".join(record.namespec for record in records)
            job = self.plugin.driver.stop_processes(application, records, key)
            steps.extend((record, _stop_step(job, record, wait, deadline)) for record in records)
        return _deferred(gather(steps))

    @rpc_method
    def signal_collection(self, collection_name: str, signal: Any) -> Any:
        """Send a signal to every member in STARTING/RUNNING/STOPPING, wherever it is so.

        @param string collection_name the collection name
        @param string signal a signal name (HUP, SIGHUP) or number
        @return array one member result per member signalled
        """
        self._check_state(OPER_CONC)
        definition = self._collection(collection_name)
        try:
            signal_number(signal)
        except (ValueError, TypeError, AttributeError):
            raise fault(Faults.BAD_SIGNAL, str(signal)) from None
        deadline = time.monotonic() + WAIT_LIMIT
        steps: list[MemberStep] = []
        for record in self._members(definition):
            targets = [
                identifier
                for identifier, obs in sorted(record.observations.items())
                if obs.info.state in SIGNALLABLE
            ]
            if targets:
                steps.append((record, self._signal_step(record, targets, signal, deadline)))
        return _deferred(gather(steps))

    def _signal_step(
        self, record: ProcessRecord, targets: list[str], signal: Any, deadline: float
    ) -> Callable[[], object]:
        """Signal the member on each target; its outcome is the first fault, if any."""
        outcomes: dict[str, RPCError | None] = {}
        local = self.plugin.context.local_identifier
        for identifier in targets:
            if identifier == local:
                try:
                    self.plugin.adapter.supervisor_rpc().signalProcess(record.namespec, signal)
                    outcomes[identifier] = None
                except RPCError as exc:
                    outcomes[identifier] = exc
                continue
            token = self.plugin.sync.submit(
                identifier,
                f"signalProcess({record.namespec})",
                call("supervisor.signalProcess", record.namespec, signal),
                partial(self._on_signal_reply, outcomes, identifier),
            )
            if not token:
                outcomes[identifier] = fault(Faults.FAILED, f"{identifier} cannot be reached")

        def step() -> object:
            if len(outcomes) < len(targets):
                return _still_waiting(deadline, record.namespec)
            for identifier in targets:
                error = outcomes[identifier]
                if error is not None:
                    raise error
            return True

        return step

    def _on_signal_reply(
        self, outcomes: dict[str, RPCError | None], identifier: str, reply: PeerReply
    ) -> None:
        if reply.fault is not None:
            error = RPCError(reply.fault.faultCode)
            error.text = reply.fault.faultString  # already `<FAULT_NAME>: <message>`
            outcomes[identifier] = error
        elif reply.error:
            outcomes[identifier] = fault(Faults.FAILED, f"{identifier}: {reply.error}")
        else:
            outcomes[identifier] = None
        self.plugin.rearm_waiting_calls()


def _stop_step(
    job: Any, record: ProcessRecord, wait: bool, deadline: float
) -> Callable[[], object]:
    def step() -> object:
        if not wait:
            return True
        if not job.ended:
            return _still_waiting(deadline, record.namespec)
        if record.view().running_identifiers:
            raise fault(Faults.STILL_RUNNING, record.namespec)
        return True

    return step
