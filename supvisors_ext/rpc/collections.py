"""Collection methods of the `supvisors` namespace: cluster-wide (docs/api.md#collections).

A collection owns nothing: each member is delegated to the cluster's own process operations
(start like `start_process` with its application's starting strategy, stop like
`stop_process`, signal with `supervisor.signalProcess` wherever it runs). Membership is resolved
at call time against every process known to the cluster context. Main thread only; waiting is a
deferred callback polled by supervisord, one result per member acted on.

`CollectionHandler` depends on the guards, the context, the configuration (default starting
strategy), the process steps, the driver (stop jobs), the host adapter (local signals), the peer
calls (remote signals), the collection definitions and a callback that re-arms waiting calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from supvisors_ext.cluster.context import Context, ProcessRecord
from supvisors_ext.collections import CollectionDef, MemberRef, resolve
from supvisors_ext.config import Config
from supvisors_ext.faults import Fault, Faults, fault
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.collection_service import CollectionService
from supvisors_ext.host.xmlrpc import is_signal
from supvisors_ext.jobs.stop import StopJob
from supvisors_ext.model import ProcessStates
from supvisors_ext.net.peers import PeerReply, call
from supvisors_ext.rpc import views
from supvisors_ext.rpc.base import ANY, OPER, OPER_CONC, QUERY, Guards, flag_arg, string_arg
from supvisors_ext.rpc.deferred import WAIT_LIMIT, MemberStep, Step, deferred, gather, still_waiting
from supvisors_ext.rpc.processes import ProcessSteps
from supvisors_ext.runtime.driver import Driver
from supvisors_ext.runtime.sync import PeerSync

SIGNALLABLE = frozenset({ProcessStates.STARTING, ProcessStates.RUNNING, ProcessStates.STOPPING})


def member(record: ProcessRecord, step: Step) -> MemberStep:
    return record.name, record.group, step


class CollectionHandler:
    """list_collections, get_collection_process_info, start/stop/signal_collection."""

    def __init__(
        self,
        guards: Guards,
        context: Context,
        config: Config,
        steps: ProcessSteps,
        driver: Driver,
        adapter: SupervisorAdapter,
        sync: PeerSync,
        service: Callable[[], CollectionService | None],
        rearm: Callable[[], None],
    ) -> None:
        self._guards = guards
        self._context = context
        self._config = config
        self._steps = steps
        self._driver = driver
        self._adapter = adapter
        self._sync = sync
        self._service = service
        self._rearm = rearm

    def _collection(self, name: object) -> CollectionDef:
        name = string_arg(name, "collection_name")
        service = self._service()
        definition = service.get(name) if service is not None else None
        if definition is None:
            raise fault(Faults.BAD_NAME, f"no collection named {name!r}")
        return definition

    def _members(self, definition: CollectionDef) -> list[ProcessRecord]:
        """Every process known to the cluster that the collection designates, member order."""
        records: dict[tuple[str, str], ProcessRecord] = {}
        candidates = []
        for record in self._context.iter_processes():
            program = next(
                (obs.info.program_name for obs in record.observations.values()), record.name
            )
            candidates.append(MemberRef(record.group, record.name, program))
            records[(record.group, record.name)] = record
        return [records[(ref.group, ref.name)] for ref in resolve(definition, candidates)]

    def list_collections(self) -> list[dict[str, object]]:
        self._guards.check_state(ANY)
        service = self._service()
        return [definition.to_payload() for definition in service.ordered()] if service else []

    def collection_process_info(self, collection_name: object) -> list[dict[str, Any]]:
        self._guards.check_state(QUERY)
        definition = self._collection(collection_name)
        return [views.process_info(record) for record in self._members(definition)]

    def start_collection(self, collection_name: object, wait: object) -> object:
        self._guards.check_state(OPER)
        self._guards.check_rules()
        definition = self._collection(collection_name)
        waiting = flag_arg(wait, "wait")
        steps: list[MemberStep] = []
        for record in self._members(definition):
            if record.view().running_identifiers:
                continue
            rules = self._context.applications[record.group].rules
            strategy = rules.starting_strategy if rules else self._config.starting_strategy
            steps.append(member(record, self._steps.start([record], strategy, "", waiting)))
        return deferred(gather(steps))

    def stop_collection(self, collection_name: object, wait: object) -> object:
        self._guards.check_state(OPER_CONC)
        definition = self._collection(collection_name)
        waiting = flag_arg(wait, "wait")
        by_group: dict[str, list[ProcessRecord]] = {}
        for record in self._members(definition):
            if record.view().running_identifiers:
                by_group.setdefault(record.group, []).append(record)
        deadline = time.monotonic() + WAIT_LIMIT
        steps: list[MemberStep] = []
        for group, records in by_group.items():
            application = self._context.applications[group]
            key = "stop " + ",".join(record.namespec for record in records)
            job = self._driver.stop_processes(application, records, key)
            steps.extend(
                member(record, _stop_step(job, record, waiting, deadline)) for record in records
            )
        return deferred(gather(steps))

    def signal_collection(self, collection_name: object, signal: object) -> object:
        self._guards.check_state(OPER_CONC)
        definition = self._collection(collection_name)
        if not is_signal(signal):
            raise fault(Faults.BAD_SIGNAL, str(signal))
        deadline = time.monotonic() + WAIT_LIMIT
        steps: list[MemberStep] = []
        for record in self._members(definition):
            targets = [
                identifier
                for identifier, obs in sorted(record.observations.items())
                if obs.info.state in SIGNALLABLE
            ]
            if targets:
                steps.append(member(record, self._signal_step(record, targets, signal, deadline)))
        return deferred(gather(steps))

    def _signal_step(
        self, record: ProcessRecord, targets: list[str], signal: object, deadline: float
    ) -> Step:
        """Signal the member on each target; its outcome is the first fault, if any."""
        outcomes: dict[str, Fault | None] = {}
        local = self._context.local_identifier
        for identifier in targets:
            if identifier == local:
                outcomes[identifier] = self._adapter.signal_process(record.namespec, signal)
                continue
            token = self._sync.submit(
                identifier,
                f"signalProcess({record.namespec})",
                call("supervisor.signalProcess", record.namespec, signal),
                self._signal_reply_handler(outcomes, identifier),
            )
            if not token:
                outcomes[identifier] = fault(Faults.FAILED, f"{identifier} cannot be reached")

        def step() -> object:
            if len(outcomes) < len(targets):
                return still_waiting(deadline, record.namespec)
            for identifier in targets:
                error = outcomes[identifier]
                if error is not None:
                    raise error
            return True

        return step

    def _signal_reply_handler(
        self, outcomes: dict[str, Fault | None], identifier: str
    ) -> Callable[[PeerReply], None]:
        """The outcome of a peer's signalProcess: its fault, a FAILED fault or None."""

        def on_reply(reply: PeerReply) -> None:
            outcomes[identifier] = _signal_outcome(identifier, reply)
            self._rearm()

        return on_reply


def _signal_outcome(identifier: str, reply: PeerReply) -> Fault | None:
    if reply.fault is not None:
        return reply.fault  # already `<FAULT_NAME>: <message>`
    if reply.error:
        return fault(Faults.FAILED, f"{identifier}: {reply.error}")
    return None


def _stop_step(job: StopJob, record: ProcessRecord, wait: bool, deadline: float) -> Step:
    def step() -> object:
        if not wait:
            return True
        if not job.ended:
            return still_waiting(deadline, record.namespec)
        if record.view().running_identifiers:
            raise fault(Faults.STILL_RUNNING, record.namespec)
        return True

    return step
