"""`enable` and `disable` of the `supvisors` namespace (docs/api.md); main thread.

The program is switched on this instance (as in Supvisors): its processes here are blocked
(host/disabilities.py), the running ones stopped, and the new flag published to the peers, whose
placement then skips this instance for them. The flag persists in `disabilities_file`.
"""

from __future__ import annotations

import time
from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.faults import Faults, fault
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.disabilities import DisabilitiesFile
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.model import RUNNING_STATES, ProcessStates
from supvisors_ext.rpc.base import OPER, Guards, flag_arg, string_arg
from supvisors_ext.rpc.deferred import NOT_DONE_YET, WAIT_LIMIT, deferred
from supvisors_ext.runtime.sync import PeerSync


class ProgramSwitch:
    """Disable or enable every local process of one program."""

    def __init__(
        self,
        guards: Guards,
        adapter: SupervisorAdapter,
        disabilities: DisabilitiesFile,
        context: Context,
        sync: PeerSync,
        logger: PluginLogger,
    ) -> None:
        self.guards = guards
        self.adapter = adapter
        self.disabilities = disabilities
        self.context = context
        self.sync = sync
        self.logger = logger

    def check_program(self, program_name: object) -> str:
        program = string_arg(program_name, "program_name")
        if program not in self.adapter.known_programs():
            raise fault(Faults.BAD_NAME, f"no program named {program!r} on this instance")
        return program

    def switch(self, program: str, disabled: bool) -> list[Any]:
        """Apply, persist and publish the flag; return the program's processes."""
        processes = self.adapter.set_disabled(program, disabled)
        error = self.disabilities.save(
            self.adapter.disabled_programs, self.adapter.known_programs()
        )
        if error:
            self.logger.error(error)
        self.logger.info(f"program {program} {'disabled' if disabled else 'enabled'}")
        self.publish(processes)
        return processes

    def publish(self, processes: list[Any]) -> None:
        now = time.monotonic()
        for process in processes:
            info = self.adapter.local_info(process, now)
            self.context.update_process(self.context.local_identifier, info, now)
            self.sync.publish_process(info)

    def stop_running(self, processes: list[Any]) -> list[Any]:
        """Ask supervisord to stop those still running; return them."""
        running = [p for p in processes if ProcessStates(p.get_state()) in RUNNING_STATES]
        for process in running:
            namespec = f"{process.group.config.name}:{process.config.name}"
            error = self.adapter.stop_process(namespec)
            if error is not None:
                self.logger.warn(f"disable: cannot stop {namespec}: {error}")
        return running

    def wait_stopped(self, processes: list[Any]) -> object:
        """Deferred True once every process is stopped; STILL_RUNNING past the deadline."""
        deadline = time.monotonic() + WAIT_LIMIT

        def step() -> object:
            running = [p for p in processes if ProcessStates(p.get_state()) in RUNNING_STATES]
            if not running:
                return True
            if time.monotonic() > deadline:
                names = ", ".join(p.config.name for p in running)
                raise fault(Faults.STILL_RUNNING, names)
            return NOT_DONE_YET

        return deferred(step)

    # ----- the methods of the namespace
    def enable(self, program_name: object, wait: object) -> object:
        self.guards.check_state(OPER)
        program = self.check_program(program_name)
        flag_arg(wait, "wait")  # enabling is immediate: nothing to wait for
        self.switch(program, disabled=False)
        return True

    def disable(self, program_name: object, wait: object) -> object:
        self.guards.check_state(OPER)
        program = self.check_program(program_name)
        waiting = flag_arg(wait, "wait")
        running = self.stop_running(self.switch(program, disabled=True))
        return self.wait_stopped(running) if waiting else True
