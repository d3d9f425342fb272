"""`update_numprocs` of the `supvisors` namespace, across the cluster (docs/api.md); main thread.

The instance called resizes the program in its own supervisord (host/numprocs.py) and asks every
other RUNNING instance to do the same (`apply_numprocs`, between peers). Added processes are
published as PROCESS_ADDED, removed ones as PROCESS_REMOVED, so every view converges.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.host.numprocs import NumprocsEditor, NumprocsError
from supvisors_ext.model import InstanceStates
from supvisors_ext.net.peers import PeerReply, call
from supvisors_ext.rpc.base import OPER, Guards, flag_arg, string_arg
from supvisors_ext.rpc.deferred import NOT_DONE_YET, WAIT_LIMIT, deferred
from supvisors_ext.runtime.sync import PeerSync

Forget = Callable[[list[tuple[str, str]]], None]


class NumprocsUpdate:
    """Resize one program here, stop what is in excess, and tell the peers."""

    def __init__(
        self,
        guards: Guards,
        editor: NumprocsEditor,
        adapter: SupervisorAdapter,
        context: Context,
        sync: PeerSync,
        forget: Forget,
        logger: PluginLogger,
    ) -> None:
        self.guards = guards
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
            if error is not None:
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

        return deferred(step)

    # ----- the methods of the namespace
    def update_numprocs(
        self, program_name: object, numprocs: object, wait: object, lazy: object
    ) -> object:
        self.guards.check_state(OPER)
        program = string_arg(program_name, "program_name")
        count = _numprocs(numprocs)
        waiting, lazy_mode = flag_arg(wait, "wait"), flag_arg(lazy, "lazy")
        if not self.known_anywhere(program):
            raise fault(Faults.BAD_NAME, f"no program named {program!r}")
        obsolete = self.apply_local(program, count, lazy_mode)
        replies = self.forward(program, count, lazy_mode)
        return self.wait(obsolete, replies) if waiting else True

    def apply_numprocs(
        self, program_name: object, numprocs: object, wait: object, lazy: object
    ) -> object:
        program = string_arg(program_name, "program_name")
        count = _numprocs(numprocs)
        waiting, lazy_mode = flag_arg(wait, "wait"), flag_arg(lazy, "lazy")
        obsolete = self.apply_local(program, count, lazy_mode)
        return self.wait(obsolete, {}) if waiting else True


def _why(reply: PeerReply) -> str:
    text = reply.fault.text if reply.fault is not None else reply.error
    return f"{reply.identifier}: {text}"


def _numprocs(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise fault(Faults.INCORRECT_PARAMETERS, f"numprocs must be an integer > 0, got {value!r}")
    return value
