"""supervisor's own namespace, called in-process by the local `collections` namespace.

As supervisor's `make_allfunc` does for its `*AllProcesses`, each member is delegated to
`startProcess`/`stopProcess`/`signalProcess`; their RPCErrors (raised at once or by the deferred
callback they return) come out as `Fault` values, so `rpc/` never handles supervisor's types.
"""

from __future__ import annotations

from typing import Any

from supervisor.rpcinterface import (
    SupervisorNamespaceRPCInterface,
    isNotRunning,
    isRunning,
    isSignallable,
)
from supervisor.states import SupervisorStates

from supvisors_ext.host.xmlrpc import faults_as_values

Member = tuple[Any, Any]  # supervisord's (group, process)


def member_namespec(member: Member) -> str:
    group, process = member
    name, group_name = process.config.name, group.config.name
    return name if name == group_name else f"{group_name}:{name}"


def member_names(member: Member) -> tuple[str, str]:
    """(process name, group name) of a member."""
    group, process = member
    return process.config.name, group.config.name


class LocalSupervisor:
    """The local supervisord's process operations, faults as values."""

    def __init__(self, supervisord: Any) -> None:
        self._supervisord = supervisord

    def shutting_down(self) -> bool:
        """supervisord refuses calls below RUNNING (`SupervisorNamespaceRPCInterface._update`)."""
        mood = self._supervisord.options.mood
        return isinstance(mood, int) and mood < SupervisorStates.RUNNING

    def _rpc(self) -> SupervisorNamespaceRPCInterface:
        return SupervisorNamespaceRPCInterface(self._supervisord)

    def process_info(self, member: Member) -> dict[str, Any]:
        return faults_as_values(self._rpc().getProcessInfo, member_namespec(member))  # type: ignore[no-any-return]

    def start(self, member: Member, wait: bool) -> object:
        """True, or a deferred callback when waiting; raises Fault."""
        return faults_as_values(self._rpc().startProcess, member_namespec(member), wait)

    def stop(self, member: Member, wait: bool) -> object:
        return faults_as_values(self._rpc().stopProcess, member_namespec(member), wait)

    def signal(self, member: Member, signal: object) -> object:
        return faults_as_values(self._rpc().signalProcess, member_namespec(member), signal)

    @staticmethod
    def not_running(member: Member) -> bool:
        return bool(isNotRunning(member[1]))

    @staticmethod
    def running(member: Member) -> bool:
        return bool(isRunning(member[1]))

    @staticmethod
    def signallable(member: Member) -> bool:
        return bool(isSignallable(member[1]))
