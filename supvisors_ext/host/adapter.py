"""The only module touching supervisord internals: process groups, process records, events.

Main thread only. Every supervisord callback we register is wrapped by `guarded`: an exception
escaping an event callback propagates out of `runforever` and kills supervisord, orphaning its
children (`supervisor/events.py` `notify` has no guard), so we catch, log and continue.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from typing import Any

from supervisor import events
from supervisor.options import BadCommand, NoPermission, NotExecutable, NotFound
from supervisor.rpcinterface import SupervisorNamespaceRPCInterface
from supervisor.states import ProcessStates as SupervisorProcessStates
from supervisor.states import SupervisorStates
from supervisor.xmlrpc import RPCError

from supvisors_ext.faults import Fault, Faults, SupvisorsFaults, fault
from supvisors_ext.host.conffiles import ProgramOrigin
from supvisors_ext.host.disabilities import block_spawn, is_blocked, unblock_spawn
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.model import RUNNING_STATES, LocalProcessInfo, ProcessStates, split_namespec

STOPPED_LIKE = frozenset(
    {SupervisorProcessStates.STOPPED, SupervisorProcessStates.EXITED, SupervisorProcessStates.FATAL}
)


def guarded(logger: PluginLogger, what: str, callback: Callable[..., None]) -> Callable[..., None]:
    """Wrap a supervisord callback so no exception reaches supervisord."""

    def wrapper(*args: Any) -> None:
        try:
            callback(*args)
        except Exception as exc:  # noqa: BLE001 - supervisord must survive any plugin bug
            logger.critical(f"internal error in {what}: {exc!r}")

    return wrapper


def describe(state: ProcessStates, pid: int, start: int, stop: int, now: int, spawnerr: str) -> str:
    """The `description` supervisor shows for a process."""
    if state == ProcessStates.RUNNING:
        seconds = max(0, now - start)
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        days, hours = divmod(hours, 24)
        uptime = f"{hours}:{minutes:02}:{secs:02}"
        if days:
            uptime = f"{days} day{'s' if days > 1 else ''}, {uptime}"
        return f"pid {pid}, uptime {uptime}"
    if state in (ProcessStates.FATAL, ProcessStates.BACKOFF):
        return spawnerr or "unknown error"
    if state in (ProcessStates.STOPPED, ProcessStates.EXITED):
        return time.strftime("%b %d %I:%M %p", time.localtime(stop)) if start else "Not started"
    return ""


class SupervisorAdapter:
    """Reads supervisord's process groups and turns its processes into `LocalProcessInfo`."""

    def __init__(self, supervisord: Any, logger: PluginLogger) -> None:
        self.supervisord = supervisord
        self.logger = logger
        self.origins: dict[tuple[str, str], ProgramOrigin] = {}
        # monotonic times of the last spawn / last stop seen, and extra args of the last start
        self.start_monotonic: dict[tuple[str, str], float] = {}
        self.stop_monotonic: dict[tuple[str, str], float] = {}
        self.extra_args: dict[tuple[str, str], str] = {}
        self.disabled_programs: set[str] = set()  # never spawned (host/disabilities.py)
        self._subscriptions: list[tuple[type, Callable[..., None]]] = []

    # ----- supervisord facts
    @property
    def options(self) -> Any:
        return self.supervisord.options

    def is_running(self) -> bool:
        """supervisord is in its RUNNING mood (not shutting down or restarting)."""
        mood = self.options.mood
        return not isinstance(mood, int) or mood >= SupervisorStates.RUNNING

    def socket_map(self) -> Any:
        return self.options.get_socket_map()

    def supervisor_rpc(self) -> Any:
        """supervisor's own namespace, used in-process for local starts and stops."""
        return SupervisorNamespaceRPCInterface(self.supervisord)

    def start_process(self, namespec: str, extra_args: str) -> Fault | None:
        """Spawn a local process now, extra args appended for this start; None or the fault.

        The command is changed only around the synchronous spawn, then restored.
        """
        group, name = split_namespec(namespec)
        process = self.find(group, name) if name is not None else None
        if process is None:
            return fault(Faults.BAD_NAME, namespec)
        if is_blocked(process):
            return fault(SupvisorsFaults.DISABLED, namespec)
        command = process.config.command
        if extra_args:
            process.config.command = f"{command} {extra_args}"
        # set before the spawn: its STARTING (and RUNNING) events are published from within it
        key = _key(process)
        previous = self.extra_args.get(key, "")
        self.extra_args[key] = extra_args
        try:
            self.supervisor_rpc().startProcess(namespec, False)
        except RPCError as error:
            self.extra_args[key] = previous
            return Fault(int(error.code), str(error.text))
        finally:
            process.config.command = command
        return None

    def check_startable(self, namespec: str) -> Fault | None:
        """The fault a start would raise before spawning (None if none), without spawning."""
        group, name = split_namespec(namespec)
        process = self.find(group, name) if name is not None else None
        if process is None:
            return fault(Faults.BAD_NAME, namespec)
        if is_blocked(process):
            return fault(SupvisorsFaults.DISABLED, namespec)
        if ProcessStates(process.get_state()) in RUNNING_STATES:
            return fault(Faults.ALREADY_STARTED, namespec)
        try:
            process.get_execv_args()
        except NotFound as why:
            return fault(Faults.NO_FILE, why.args[0])
        except (BadCommand, NotExecutable, NoPermission) as why:
            return fault(Faults.NOT_EXECUTABLE, why.args[0])
        return None

    def stop_process(self, namespec: str) -> Fault | None:
        """Ask supervisord to stop a local process (no wait); None or the fault."""
        try:
            self.supervisor_rpc().stopProcess(namespec, False)
        except RPCError as error:
            return Fault(int(error.code), str(error.text))
        return None

    def signal_process(self, namespec: str, signal: object) -> Fault | None:
        """Send a signal to a local process (supervisor.signalProcess); None or the fault."""
        try:
            self.supervisor_rpc().signalProcess(namespec, signal)
        except RPCError as error:
            return Fault(int(error.code), str(error.text))
        return None

    @staticmethod
    def disable_autorestart(process: Any) -> bool:
        """Turn off supervisord's `autorestart` of one process; True if it was on.

        The process gets its own copy of its config: the group's config, which `reloadConfig`
        compares with the files on `update`, keeps the original, so an update does not see a
        change and restart the group.
        """
        if not process.config.autorestart:
            return False
        own = copy.copy(process.config)
        own.autorestart = False
        process.config = own
        return True

    def exit_supervisord(self, restart: bool) -> None:
        """Make supervisord restart or shut down, as `supervisor.restart()`/`shutdown()` do."""
        self.options.mood = SupervisorStates.RESTARTING if restart else SupervisorStates.SHUTDOWN

    # ----- events
    def subscribe(self, event_type: type, callback: Callable[..., None], what: str) -> None:
        wrapped = guarded(self.logger, what, callback)
        events.subscribe(event_type, wrapped)
        self._subscriptions.append((event_type, wrapped))

    def subscribe_supervisord_events(
        self,
        on_running: Callable[[Any], None],
        on_stopping: Callable[[Any], None],
        on_process_state: Callable[[Any], None],
        on_group_added: Callable[[Any], None],
        on_group_removed: Callable[[Any], None],
    ) -> None:
        """The supervisord events the plugin lives by, each callback guarded."""
        self.subscribe(events.SupervisorRunningEvent, on_running, "supervisord running event")
        self.subscribe(events.SupervisorStoppingEvent, on_stopping, "supervisord stopping event")
        self.subscribe(events.ProcessStateEvent, on_process_state, "process state event")
        self.subscribe(events.ProcessGroupAddedEvent, on_group_added, "group added event")
        self.subscribe(events.ProcessGroupRemovedEvent, on_group_removed, "group removed event")

    def unsubscribe_all(self) -> None:
        """Remove only our callbacks (never `events.clear()`: other plugins use the bus)."""
        for event_type, callback in self._subscriptions:
            try:
                events.unsubscribe(event_type, callback)
            except ValueError:
                pass  # already gone: supervisord's restart clears the list
        self._subscriptions.clear()

    def is_subscribed(self) -> bool:
        """False after supervisord's `events.clear()` (a restart): our callbacks are gone."""
        return any(
            cb is wrapped for _, wrapped in self._subscriptions for _, cb in events.callbacks
        )

    # ----- processes
    def iter_processes(self) -> Iterator[Any]:
        for group in list(self.supervisord.process_groups.values()):
            yield from list(group.processes.values())

    def find(self, group_name: str, process_name: str) -> Any | None:
        group = self.supervisord.process_groups.get(group_name)
        return group.processes.get(process_name) if group is not None else None

    def group_names(self) -> list[str]:
        return sorted(self.supervisord.process_groups)

    def note_state_change(self, process: Any, now_monotonic: float) -> None:
        """Record monotonic spawn/stop times (supervisor only keeps wall-clock ones)."""
        key = _key(process)
        if process.state == SupervisorProcessStates.STARTING:
            self.start_monotonic[key] = now_monotonic
        elif process.state in STOPPED_LIKE:
            self.stop_monotonic[key] = now_monotonic

    def local_info(self, process: Any, now_monotonic: float) -> LocalProcessInfo:
        """Snapshot of one supervisord process as our value type."""
        config = process.config
        key = _key(process)
        state = ProcessStates(process.get_state())
        start, stop, now = int(process.laststart), int(process.laststop), int(time.time())
        spawnerr = process.spawnerr or ""
        exitstatus = process.exitstatus
        expected = not spawnerr and state != ProcessStates.FATAL
        if state == ProcessStates.EXITED:
            expected = expected and exitstatus in config.exitcodes
        origin = self.origins.get(key, ProgramOrigin(config.name, 0))
        return LocalProcessInfo(
            group=key[0],
            name=config.name,
            state=state,
            start=start,
            stop=stop,
            now=now,
            pid=int(process.pid or 0),
            description=describe(state, int(process.pid or 0), start, stop, now, spawnerr),
            spawnerr=spawnerr,
            expected=bool(expected),
            start_monotonic=self.start_monotonic.get(key, 0.0),
            stop_monotonic=self.stop_monotonic.get(key, 0.0),
            now_monotonic=now_monotonic,
            extra_args=self.extra_args.get(key, ""),
            startsecs=int(config.startsecs),
            stopwaitsecs=int(config.stopwaitsecs),
            program_name=origin.program_name,
            process_index=origin.process_index,
            disabled=is_blocked(process),
            has_stdout=bool(config.stdout_logfile),
            has_stderr=bool(config.stderr_logfile) and not config.redirect_stderr,
        )

    # ----- disabled programs (host/disabilities.py)
    def program_of(self, process: Any) -> str:
        """The `[program:x]` section a process comes from (its name when unknown)."""
        return self.origins.get(_key(process), ProgramOrigin(process.config.name, 0)).program_name

    def known_programs(self) -> set[str]:
        return {self.program_of(process) for process in self.iter_processes()}

    def program_processes(self, program: str) -> list[Any]:
        return [process for process in self.iter_processes() if self.program_of(process) == program]

    def apply_disabilities(self) -> None:
        """Block the spawn of every process of a disabled program, unblock the others."""
        for process in self.iter_processes():
            if self.program_of(process) in self.disabled_programs:
                block_spawn(process)
            else:
                unblock_spawn(process)

    def set_disabled(self, program: str, disabled: bool) -> list[Any]:
        """Disable or enable a program's processes; an enabled one may autostart again."""
        if disabled:
            self.disabled_programs.add(program)
        else:
            self.disabled_programs.discard(program)
        processes = self.program_processes(program)
        for process in processes:
            if disabled:
                block_spawn(process)
            elif is_blocked(process):
                unblock_spawn(process)
                # as a never-started process: supervisord's transition applies autostart
                if process.get_state() == SupervisorProcessStates.STOPPED:
                    process.laststart = 0
                process.transition()
        return processes

    def all_local_infos(self, now_monotonic: float) -> list[LocalProcessInfo]:
        return [self.local_info(process, now_monotonic) for process in self.iter_processes()]


def _key(process: Any) -> tuple[str, str]:
    group = process.group.config.name if process.group is not None else process.config.name
    return group, process.config.name
