"""The `collections` namespace: the proposal's camelCase API, local semantics (docs/collections.md).

It acts only on the supervisord receiving the call, members resolved against its active process
groups, each member delegated to supervisor's own `startProcess`/`stopProcess`/`signalProcess`
(called in-process, as supervisor's `make_allfunc` does for its `*AllProcesses`). It needs no
`[rpcinterface:supvisors]`; when that plugin is loaded, a member of a managed application already
running on another instance is not started here (our choice). Main thread only.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Any, TypeVar

from supervisor.http import NOT_DONE_YET
from supervisor.rpcinterface import (
    SupervisorNamespaceRPCInterface,
    isNotRunning,
    isRunning,
    isSignallable,
)
from supervisor.states import SupervisorStates
from supervisor.xmlrpc import Faults, RPCError

from supvisors_ext.collections import CollectionDef
from supvisors_ext.host.collection_service import CollectionService

POLL_DELAY = 0.05
F = TypeVar("F", bound=Callable[..., Any])
Member = tuple[Any, Any]  # supervisord's (group, process)


def _guarded(method: F) -> F:
    """Bad argument counts give INCORRECT_PARAMETERS, any other unexpected exception FAILED."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self: CollectionsNamespace, *args: Any) -> Any:
        try:
            signature.bind(self, *args)
        except TypeError as exc:
            raise RPCError(Faults.INCORRECT_PARAMETERS, str(exc)) from None
        try:
            return method(self, *args)
        except RPCError:
            raise
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not become an HTTP 500
            self.service.logger.critical(f"collections: internal error in {method.__name__}")
            raise RPCError(Faults.FAILED, f"internal error: {exc!r}") from None

    return wrapper  # type: ignore[return-value]


def _result(member: Member, status: int, description: str) -> dict[str, object]:
    group, process = member
    return {
        "name": process.config.name,
        "group": group.config.name,
        "status": int(status),
        "description": description,
    }


def _namespec(member: Member) -> str:
    group, process = member
    name, group_name = process.config.name, group.config.name
    return name if name == group_name else f"{group_name}:{name}"


class CollectionsNamespace:
    """listCollections, getCollectionProcessInfo, start/stop/signalCollection."""

    def __init__(
        self, supervisord: Any, service: CollectionService, plugin: Callable[[], Any]
    ) -> None:
        """`plugin()` gives the running `supvisors` plugin, or None without it."""
        self.supervisord = supervisord
        self.service = service
        self._plugin = plugin

    # ----- helpers
    def _update(self, text: str) -> None:
        """Refuse calls while supervisord shuts down (`SupervisorNamespaceRPCInterface._update`)."""
        mood = self.supervisord.options.mood
        if isinstance(mood, int) and mood < SupervisorStates.RUNNING:
            raise RPCError(Faults.SHUTDOWN_STATE)

    def _collection(self, name: object) -> CollectionDef:
        if not isinstance(name, str):
            raise RPCError(Faults.INCORRECT_PARAMETERS, f"name must be a string, got {name!r}")
        definition = self.service.get(name)
        if definition is None:
            raise RPCError(Faults.BAD_NAME, f"no collection named {name!r}")
        return definition

    def _rpc(self) -> SupervisorNamespaceRPCInterface:
        return SupervisorNamespaceRPCInterface(self.supervisord)

    def _running_elsewhere(self, member: Member) -> str:
        """The nick of another instance running this member of a managed application, or ''."""
        plugin = self._plugin()
        if plugin is None:
            return ""
        group, process = member
        application = plugin.context.applications.get(group.config.name)
        if application is None or not application.managed:
            return ""
        record = application.processes.get(process.config.name)
        local = plugin.context.local_identifier
        for identifier in record.view().running_identifiers if record else ():
            if identifier != local:
                instance = plugin.context.instances.get(identifier)
                return instance.id.nick if instance else identifier
        return ""

    def _for_each(
        self,
        members: list[Member],
        predicate: Callable[[Any], object],
        action: Callable[[Member], object],
    ) -> object:
        """Apply `action` to the members accepted by `predicate`; member results, member order.

        `action` returns a value (success), a deferred function (polled) or raises RPCError.
        """
        results: dict[int, dict[str, object]] = {}
        waiting: dict[int, tuple[Member, Callable[[], object]]] = {}
        for index, member in enumerate(members):
            if not predicate(member[1]):
                continue
            try:
                value = action(member)
            except RPCError as exc:
                results[index] = _result(member, exc.code, exc.text)
                continue
            if isinstance(value, types.FunctionType):
                waiting[index] = (member, value)
            else:
                results[index] = _result(member, Faults.SUCCESS, "OK")

        def step() -> object:
            for index, (member, callback) in list(waiting.items()):
                try:
                    value = callback()
                except RPCError as exc:
                    results[index] = _result(member, exc.code, exc.text)
                else:
                    if value is NOT_DONE_YET:
                        continue
                    results[index] = _result(member, Faults.SUCCESS, "OK")
                del waiting[index]
            if waiting:
                return NOT_DONE_YET
            return [results[index] for index in sorted(results)]

        if not waiting:
            return step()

        def onwait() -> object:
            return step()

        onwait.delay = POLL_DELAY  # type: ignore[attr-defined]
        return onwait

    # ----- methods
    @_guarded
    def listCollections(self) -> list[dict[str, object]]:  # noqa: N802 - the proposal's name
        """The collections of this supervisord's configuration, by (priority, name).

        @return array list of {name, priority, program_names, group_names}
        """
        return [definition.to_payload() for definition in self.service.ordered()]

    @_guarded
    def getCollectionProcessInfo(self, name: str) -> list[dict[str, Any]]:  # noqa: N802
        """supervisor.getProcessInfo of every local member, in member order.

        @param string name the collection name
        @return array list of process info structs
        """
        definition = self._collection(name)
        rpc = self._rpc()
        members = self.service.local_members(definition)
        return [rpc.getProcessInfo(_namespec(member)) for member in members]

    @_guarded
    def startCollection(self, name: str, wait: bool = True) -> object:  # noqa: N802
        """Start every local member that is not running (supervisor.startProcess).

        @param string name the collection name
        @param boolean wait wait for each process to be fully started
        @return array one result per member started
        """
        self._update("startCollection")
        definition = self._collection(name)
        rpc = self._rpc()

        def start(member: Member) -> object:
            nick = self._running_elsewhere(member)
            if nick:
                error = RPCError(Faults.ALREADY_STARTED)
                error.text = f"running on {nick}"
                raise error
            return rpc.startProcess(_namespec(member), wait)

        return self._for_each(self.service.local_members(definition), isNotRunning, start)

    @_guarded
    def stopCollection(self, name: str, wait: bool = True) -> object:  # noqa: N802
        """Stop every local member that is running (supervisor.stopProcess).

        @param string name the collection name
        @param boolean wait wait for each process to be fully stopped
        @return array one result per member stopped
        """
        self._update("stopCollection")
        definition = self._collection(name)
        rpc = self._rpc()
        members = self.service.local_members(definition)
        return self._for_each(
            members, isRunning, lambda member: rpc.stopProcess(_namespec(member), wait)
        )

    @_guarded
    def signalCollection(self, name: str, signal: Any) -> object:  # noqa: N802
        """Send a signal to every local member in a signallable state (supervisor.signalProcess).

        @param string name the collection name
        @param string signal a signal name or number
        @return array one result per member signalled
        """
        self._update("signalCollection")
        definition = self._collection(name)
        rpc = self._rpc()
        members = self.service.local_members(definition)
        return self._for_each(
            members, isSignallable, lambda member: rpc.signalProcess(_namespec(member), signal)
        )
