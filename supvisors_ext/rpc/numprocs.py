"""`update_numprocs` of the `supvisors` namespace, across the cluster (docs/api.md); main thread.

The instance called resizes the program in its own supervisord (host/numprocs.py) and asks every
other RUNNING instance to do the same (`apply_numprocs`, between peers). Added processes are
published as PROCESS_ADDED, removed ones as PROCESS_REMOVED, so every view converges.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from supervisor.http import NOT_DONE_YET

from supvisors_ext.cluster.context import Context
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.host.numprocs import NumprocsEditor, NumprocsError
from supvisors_ext.model import InstanceStates
from supvisors_ext.net.peers import PeerReply, call
from supvisors_ext.rpc.base import OPER, NamespaceBase, rpc_method, string_arg
from supvisors_ext.rpc.control import WAIT_LIMIT, _deferred
from supvisors_ext.runtime.sync import PeerSync

Forget = Callable[[list[tuple[str, str]]], None]


class NumprocsUpdate:
    """Resize one program here, stop what is in excess, and tell the peers."""

    def __init__(
        self,
        editor: NumprocsEditor,
        adapter: SupervisorAdapter,
        context: Context,
        sync: PeerSync,
        forget: Forget,
        logger: PluginLogger,
    ) -> None:
        self.editor = editor
        self.adapter = adapter
        self.context = context
        self.sync = sync
        self.forget = forget
        self.logger = logger

    def known_anywhere(self, program: str) -> bool:
        if program in self.adapter.known_programs():
            return True
        return any(
            observation.info.program_name == program
            for record in self.context.iter_processes()
            for observation in record.observations.values()
        )

    def apply_local(self, program: str, numprocs: int, lazy: bool) -> list[Any]:
        """Resize here (nothing if the program is not configured here); return what to await."""
        if program not in self.adapter.known_programs():
            return []
        try:
            resized = self.editor.resize(program, numprocs)
        except NumprocsError as exc:
            raise fault(SupvisorsFaults.NOT_APPLICABLE, f"numprocs of {program}: {exc}") from None
        now = time.monotonic()
        for process in resized.added:
            info = self.adapter.local_info(process, now)
            self.context.update_process(self.context.local_identifier, info, now)
            self.sync.publish_process(info, added=True)
        self.forget(resized.removed)
        if lazy:
            return []
        for process in resized.obsolete:
            error = self.adapter.stop_process(f"{process.group.config.name}:{process.config.name}")
            if error:
                self.logger.warn(f"update_numprocs: cannot stop {process.config.name}: {error}")
        return resized.obsolete

    def forward(self, program: str, numprocs: int, lazy: bool) -> dict[str, PeerReply | None]:
        """Ask every other RUNNING instance; the dict fills in as their replies arrive."""
        replies: dict[str, PeerReply | None] = {}
        for record in self.context.instances.values():
            identifier = record.identifier
            if identifier == self.context.local_identifier:
                continue
            if record.state != InstanceStates.RUNNING:
                continue
            job = call("supvisors.apply_numprocs", program, numprocs, False, lazy)
            token = self.sync.submit(
                identifier,
                "apply_numprocs",
                job,
                lambda reply: replies.update({reply.identifier: reply}),
            )
            if token:
                replies[identifier] = None
        return replies

    def wait(self, obsolete: list[Any], replies: dict[str, PeerReply | None]) -> object:
        """Deferred True once the obsolete processes left and every peer answered."""
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            self.forget(self.editor.sweep())
            left = [p.config.name for p in obsolete if p.group.processes.get(p.config.name) is p]
            pending = [identifier for identifier, reply in replies.items() if reply is None]
            if not left and not pending:
                failed = [_why(reply) for reply in replies.values() if reply and not reply.ok]
                if failed:
                    raise fault(Faults.FAILED, "; ".join(failed))
                return True
            if time.monotonic() > deadline:
                raise fault(Faults.STILL_RUNNING, ", ".join(left + pending))
            return NOT_DONE_YET

        return _deferred(step)


def _why(reply: PeerReply) -> str:
    text = reply.fault.faultString if reply.fault is not None else reply.error
    return f"{reply.identifier}: {text}"


def _numprocs(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise fault(Faults.INCORRECT_PARAMETERS, f"numprocs must be an integer > 0, got {value!r}")
    return value


class NumprocsMethods(NamespaceBase):
    """Thin `supvisors` methods over `NumprocsUpdate`."""

    def _update(self) -> NumprocsUpdate:
        plugin = self.plugin
        return NumprocsUpdate(
            plugin.numprocs,
            plugin.adapter,
            plugin.context,
            plugin.sync,
            plugin.forget_local,
            plugin.logger,
        )

    def _flags(self, wait: object, lazy: object) -> tuple[bool, bool]:
        for value, what in ((wait, "wait"), (lazy, "lazy")):
            if not isinstance(value, (bool, int)):
                raise fault(Faults.INCORRECT_PARAMETERS, f"{what} must be a boolean, got {value!r}")
        return bool(wait), bool(lazy)

    @rpc_method
    def update_numprocs(
        self, program_name: str, numprocs: int, wait: bool = True, lazy: bool = False
    ) -> Any:
        """Change the numprocs of a program on every instance where it is configured.

        @param string program_name the program name ([program:x] section)
        @param int numprocs the new number of processes (> 0)
        @param boolean wait wait until the processes in excess are stopped and removed, and
            until every peer has applied the change
        @param boolean lazy processes in excess are removed once they stop by themselves
        @return boolean always True unless error
        """
        self._check_state(OPER)
        program = string_arg(program_name, "program_name")
        count = _numprocs(numprocs)
        wait, lazy = self._flags(wait, lazy)
        update = self._update()
        if not update.known_anywhere(program):
            raise fault(Faults.BAD_NAME, f"no program named {program!r}")
        obsolete = update.apply_local(program, count, lazy)
        replies = update.forward(program, count, lazy)
        return update.wait(obsolete, replies) if wait else True

    @rpc_method
    def apply_numprocs(
        self, program_name: str, numprocs: int, wait: bool = True, lazy: bool = False
    ) -> Any:
        """Used between peers: apply update_numprocs on this instance only.

        @param string program_name the program name ([program:x] section)
        @param int numprocs the new number of processes (> 0)
        @param boolean wait wait until the processes in excess are stopped and removed
        @param boolean lazy processes in excess are removed once they stop by themselves
        @return boolean always True unless error
        """
        program = string_arg(program_name, "program_name")
        count = _numprocs(numprocs)
        wait, lazy = self._flags(wait, lazy)
        update = self._update()
        obsolete = update.apply_local(program, count, lazy)
        return update.wait(obsolete, {}) if wait else True
