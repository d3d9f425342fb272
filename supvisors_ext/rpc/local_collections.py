"""The `collections` namespace: the proposal's camelCase API, local semantics (docs/collections.md).

It acts only on the supervisord receiving the call, members resolved against its active process
groups, each member delegated to supervisor's own `startProcess`/`stopProcess`/`signalProcess`
(through `host/local_supervisor.py`). It needs no `[rpcinterface:supvisors]`; when that plugin is
loaded, a member of a managed application already running on another instance is not started
here (our choice). Main thread only; waiting results come from `rpc/deferred.py`, as those of
the `supvisors` namespace.

`CollectionsNamespace` depends on the local supervisord's operations, the collection
definitions, a logger and a getter of the running plugin's context (None without the plugin).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.collections import CollectionDef
from supvisors_ext.faults import Fault, Faults, fault
from supvisors_ext.host.collection_service import CollectionService
from supvisors_ext.host.local_supervisor import LocalSupervisor, Member, member_names
from supvisors_ext.rpc.base import CriticalLogger, rpc_method
from supvisors_ext.rpc.deferred import NOT_DONE_YET, MemberStep, Step, deferred, gather


class CollectionsNamespace:
    """listCollections, getCollectionProcessInfo, start/stop/signalCollection."""

    def __init__(
        self,
        local: LocalSupervisor,
        service: CollectionService,
        context: Callable[[], Context | None],
        logger: CriticalLogger,
    ) -> None:
        self._local = local
        self._service = service
        self._context = context
        self._logger = logger

    # ----- helpers
    def _refuse_when_shutting_down(self) -> None:
        if self._local.shutting_down():
            raise fault(Faults.SHUTDOWN_STATE)

    def _collection(self, name: object) -> CollectionDef:
        if not isinstance(name, str):
            raise fault(Faults.INCORRECT_PARAMETERS, f"name must be a string, got {name!r}")
        definition = self._service.get(name)
        if definition is None:
            raise fault(Faults.BAD_NAME, f"no collection named {name!r}")
        return definition

    def _running_elsewhere(self, member: Member) -> str:
        """The nick of another instance running this member of a managed application, or ''."""
        context = self._context()
        if context is None:
            return ""
        name, group = member_names(member)
        application = context.applications.get(group)
        if application is None or not application.managed:
            return ""
        record = application.processes.get(name)
        for identifier in record.view().running_identifiers if record else ():
            if identifier != context.local_identifier:
                instance = context.instances.get(identifier)
                return instance.id.nick if instance else identifier
        return ""

    def _for_each(
        self,
        definition: CollectionDef,
        accepts: Callable[[Member], bool],
        action: Callable[[Member], object],
    ) -> object:
        """Apply `action` to the members `accepts`; member results, member order."""
        steps: list[MemberStep] = []
        for member in self._service.local_members(definition):
            if accepts(member):
                name, group = member_names(member)
                steps.append((name, group, _acting_once(member, action)))
        return deferred(gather(steps))

    # ----- methods
    @rpc_method
    def listCollections(self) -> list[dict[str, object]]:  # noqa: N802 - the proposal's name
        """The collections of this supervisord's configuration, by (priority, name).

        @return array list of {name, priority, program_names, group_names}
        """
        return [definition.to_payload() for definition in self._service.ordered()]

    @rpc_method
    def getCollectionProcessInfo(self, name: str) -> list[dict[str, Any]]:  # noqa: N802
        """supervisor.getProcessInfo of every local member, in member order.

        @param string name the collection name
        @return array list of process info structs
        """
        definition = self._collection(name)
        members = self._service.local_members(definition)
        return [self._local.process_info(member) for member in members]

    @rpc_method
    def startCollection(self, name: str, wait: bool = True) -> object:  # noqa: N802
        """Start every local member that is not running (supervisor.startProcess).

        @param string name the collection name
        @param boolean wait wait for each process to be fully started
        @return array one result per member started
        """
        self._refuse_when_shutting_down()
        definition = self._collection(name)

        def start(member: Member) -> object:
            nick = self._running_elsewhere(member)
            if nick:
                raise Fault(Faults.ALREADY_STARTED, f"running on {nick}")
            return self._local.start(member, wait)

        return self._for_each(definition, self._local.not_running, start)

    @rpc_method
    def stopCollection(self, name: str, wait: bool = True) -> object:  # noqa: N802
        """Stop every local member that is running (supervisor.stopProcess).

        @param string name the collection name
        @param boolean wait wait for each process to be fully stopped
        @return array one result per member stopped
        """
        self._refuse_when_shutting_down()
        definition = self._collection(name)
        return self._for_each(
            definition, self._local.running, lambda member: self._local.stop(member, wait)
        )

    @rpc_method
    def signalCollection(self, name: str, signal: Any) -> object:  # noqa: N802
        """Send a signal to every local member in a signallable state (supervisor.signalProcess).

        @param string name the collection name
        @param string signal a signal name or number
        @return array one result per member signalled
        """
        self._refuse_when_shutting_down()
        definition = self._collection(name)
        return self._for_each(
            definition, self._local.signallable, lambda member: self._local.signal(member, signal)
        )


def _acting_once(member: Member, action: Callable[[Member], object]) -> Step:
    """The member's step: the action on the first call; then, if the action answered with a
    deferred callback, that callback on each later call (supervisord's first poll comes later,
    as when supervisor's own namespace answers)."""
    waiting: list[Step] = []

    def step() -> object:
        if waiting:
            return waiting[0]()
        value = action(member)
        if callable(value):
            waiting.append(value)
            return NOT_DONE_YET
        return value

    return step
