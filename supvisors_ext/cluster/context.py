"""The cluster context: instances, applications and processes as known locally (main thread only).

Pure: no supervisor, no zmq, no clock (times arrive as arguments). Every mutation comes from the
plugin's event handlers; every query is a derivation over the held records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from supvisors_ext.cluster.status import (
    ForcedState,
    Observation,
    OperationalStatus,
    ProcessView,
    operational_status,
    synthesize,
)
from supvisors_ext.compat import SLOTS
from supvisors_ext.messages import StateModes
from supvisors_ext.model import (
    LOADING_STATES,
    ApplicationStates,
    InstanceId,
    InstanceStates,
    LocalProcessInfo,
    NetworkInfo,
    ProcessStates,
    make_namespec,
)
from supvisors_ext.rules import ApplicationRules, ProgramRules, Rules


@dataclass(**SLOTS)
class TickData:
    """Heartbeat bookkeeping of one instance (docs/api.md, instance info)."""

    remote_sequence_counter: int = 0
    remote_mtime: float = 0.0
    remote_time: float = 0.0
    local_sequence_counter: int = 0
    local_mtime: float = 0.0
    local_time: float = 0.0
    run_id: str = ""  # the nonce of the instance's current run (TICK `run_id`), '' until known


@dataclass(**SLOTS)
class InstanceRecord:
    """What the local instance knows of one instance (itself included)."""

    id: InstanceId
    state: InstanceStates = InstanceStates.STOPPED
    stereotypes: tuple[str, ...] = ()
    tick: TickData = field(default_factory=TickData)
    # last state & modes published by that instance, None until received
    state_modes: StateModes | None = None
    network: NetworkInfo | None = None  # from the handshake (this instance's: gathered at start)
    # its last XML-RPC answer to us was HTTP 401 (our credentials refused); cleared by a success
    auth_refused: bool = False

    @property
    def identifier(self) -> str:
        return self.id.identifier


@dataclass(**SLOTS)
class ProcessRecord:
    """One process (group:name) over every instance where it is configured."""

    group: str
    name: str
    rules: ProgramRules
    observations: dict[str, Observation] = field(default_factory=dict)
    forced: ForcedState | None = None
    last_event_mtime: float = 0.0
    # the synthesis of the (immutable) observations and forced state, until `touch`
    cached_view: ProcessView | None = field(default=None, repr=False, compare=False)

    @property
    def namespec(self) -> str:
        return make_namespec(self.group, self.name)

    def view(self) -> ProcessView:
        """Synthesized once per change: the conflict check of every FSM evaluation and every
        status query read it (docs/architecture.md#keeping-supervisords-loop-cheap-and-punctual)."""
        if self.cached_view is None:
            self.cached_view = synthesize(self.observations.values(), self.forced)
        return self.cached_view

    def touch(self, now: float) -> None:
        """The observations or the forced state changed at `now`."""
        self.last_event_mtime = now
        self.cached_view = None

    def info_on(self, identifier: str) -> LocalProcessInfo | None:
        observation = self.observations.get(identifier)
        return observation.info if observation else None


@dataclass(**SLOTS)
class ApplicationRecord:
    """One application (supervisord group name) over every instance."""

    name: str
    rules: ApplicationRules | None  # None: unmanaged
    processes: dict[str, ProcessRecord] = field(default_factory=dict)
    revision: int = 0  # +1 at every change of one of its process records

    @property
    def managed(self) -> bool:
        return self.rules is not None

    def status(self) -> OperationalStatus:
        """Unmanaged applications are always STOPPED with no failure (spec README, vocabulary)."""
        if self.rules is None:
            return OperationalStatus(ApplicationStates.STOPPED, False, False, "")
        views = {name: record.view() for name, record in self.processes.items()}
        required = {name: record.rules.required for name, record in self.processes.items()}
        return operational_status(views, required, self.rules.operational_status)


class Context:
    """Instances, applications and processes; the single source the RPC views read."""

    def __init__(self, instances: tuple[InstanceId, ...], local: InstanceId, rules: Rules):
        """`rules` is empty (every application unmanaged) when no file or a broken one was given."""
        self.instances: dict[str, InstanceRecord] = {
            item.identifier: InstanceRecord(item) for item in instances
        }
        self.local_identifier = local.identifier
        self.rules = rules
        self.applications: dict[str, ApplicationRecord] = {}
        # +1 at every change of a process record: what is derived from all of them is kept
        # until the next change (every FSM evaluation asks for the conflicts)
        self.revision = 0
        self._conflicts: tuple[int, tuple[ProcessRecord, ...]] = (-1, ())
        # managed records running on more than one instance, kept at each change: most of the
        # time there are none, and the conflict check need not walk every process (issue 18)
        self._multi_running: dict[tuple[str, str], ProcessRecord] = {}
        # identifier -> when we last learnt of a process entering STARTING there: an instance
        # working through a backlog of spawns is not one that lost our start request
        self.last_spawn_seen: dict[str, float] = {}
        self._loads: tuple[int, dict[str, int]] = (-1, {})
        # told (identifier, info or None when removed, record) after each process change:
        # the event interface publishes from it (docs/events.md)
        self.process_listeners: list[
            Callable[[str, LocalProcessInfo | None, ProcessRecord], None]
        ] = []

    # ----- instances
    @property
    def local(self) -> InstanceRecord:
        return self.instances[self.local_identifier]

    def add_instance(self, instance: InstanceId, stereotypes: tuple[str, ...]) -> InstanceRecord:
        """Append an instance found at run time (discovery mode), STOPPED, last in the order.

        ValueError when its identifier is known, or its nick already names another instance
        (identifiers and nicks are interchangeable, so each must designate one instance).
        """
        if instance.identifier in self.instances:
            raise ValueError(f"instance {instance.identifier!r} is already known")
        for record in self.instances.values():
            if instance.nick in (record.identifier, record.id.nick) or (
                instance.identifier == record.id.nick
            ):
                raise ValueError(
                    f"nick {instance.nick!r} of {instance.identifier!r} clashes with"
                    f" {record.identifier!r} (nick {record.id.nick!r})"
                )
        record = InstanceRecord(instance, stereotypes=stereotypes)
        self.instances[instance.identifier] = record
        return record

    def instances_with_jobs(self, stopping: bool, local_busy: bool) -> list[str]:
        """Instances with start (or stop) jobs in progress: this one as told, peers as published
        (RUNNING peers only), sorted by identifier."""
        result = []
        for identifier, record in sorted(self.instances.items()):
            modes = record.state_modes
            if identifier == self.local_identifier:
                busy = local_busy
            elif record.state != InstanceStates.RUNNING or modes is None:
                busy = False
            else:
                busy = modes.stopping_jobs if stopping else modes.starting_jobs
            if busy:
                result.append(identifier)
        return result

    def find_instances(self, name: str) -> list[InstanceRecord]:
        """Instances designated by an identifier, a nick or a stereotype (instance order)."""
        for record in self.instances.values():
            if name in (record.identifier, record.id.nick):
                return [record]
        return [record for record in self.instances.values() if name in record.stereotypes]

    def instances_in(self, *states: InstanceStates) -> list[InstanceRecord]:
        return [record for record in self.instances.values() if record.state in states]

    def loading(self, identifier: str) -> int:
        """Sum of expected_loading of its STARTING/RUNNING/BACKOFF processes
        (docs/design/placement.md#load)."""
        return self.loads().get(identifier, 0)

    def loads(self) -> dict[str, int]:
        """`loading` of every instance, in one walk kept until a record changes: placing 100
        applications reads every instance's load several times each (issue 18)."""
        revision, loads = self._loads
        if revision != self.revision:
            loads = {}
            for record in self.iter_processes():
                weight = record.rules.expected_loading
                for identifier, observation in record.observations.items():
                    if observation.info.state in LOADING_STATES:
                        loads[identifier] = loads.get(identifier, 0) + weight
            self._loads = (self.revision, loads)
        return loads

    def process_failure(self, identifier: str) -> bool:
        """A process there is FATAL or exited unexpectedly."""
        for record in self.iter_processes():
            info = record.info_on(identifier)
            if info is None:
                continue
            if info.state == ProcessStates.FATAL or (
                info.state == ProcessStates.EXITED and not info.expected
            ):
                return True
        return False

    # ----- applications and processes
    def application(self, name: str) -> ApplicationRecord:
        """Get or create the record of an application (rules are matched once, on creation)."""
        record = self.applications.get(name)
        if record is None:
            record = ApplicationRecord(name, self.rules.application_rules(name))
            self.applications[name] = record
        return record

    def process(self, group: str, name: str) -> ProcessRecord:
        application = self.application(group)
        record = application.processes.get(name)
        if record is None:
            record = ProcessRecord(group, name, self.program_rules(group, name))
            application.processes[name] = record
        return record

    def program_rules(self, group: str, name: str) -> ProgramRules:
        return self.rules.program_rules(group, name)

    def find_process(self, group: str, name: str) -> ProcessRecord | None:
        application = self.applications.get(group)
        return application.processes.get(name) if application else None

    def iter_processes(self) -> Iterator[ProcessRecord]:
        for application in self.applications.values():
            yield from application.processes.values()

    def update_process(self, identifier: str, info: LocalProcessInfo, now: float) -> bool:
        """Store an instance's record of a process; False if it is older than the one held.

        A real event clears any forced state (docs/design/status.md#forced-state); a record
        of a process never started there is no event (a newcomer's first records).
        """
        record = self.process(info.group, info.name)
        held = record.observations.get(identifier)
        if held is not None and info.now_monotonic < held.info.now_monotonic:
            return False
        record.observations[identifier] = Observation(identifier, info, now)
        if info.state == ProcessStates.STARTING:
            self.last_spawn_seen[identifier] = now
        if info.start or info.state != ProcessStates.STOPPED:
            record.forced = None
        record.touch(now)
        self._changed(record)
        for listener in self.process_listeners:
            listener(identifier, info, record)
        return True

    def remove_process(self, identifier: str, group: str, name: str, now: float) -> None:
        """Forget an instance's record; drop the process and application when nobody has it."""
        record = self.find_process(group, name)
        if record is None:
            return
        record.observations.pop(identifier, None)
        record.touch(now)
        self._changed(record)
        if not record.observations:
            application = self.applications[group]
            del application.processes[name]
            if not application.processes:
                del self.applications[group]
        for listener in self.process_listeners:
            listener(identifier, None, record)

    def forget_instance(self, identifier: str, now: float) -> None:
        """Drop every record an instance gave (it restarts, or was isolated)."""
        for record in list(self.iter_processes()):
            if identifier in record.observations:
                self.remove_process(identifier, record.group, record.name, now)

    def force_state(self, group: str, name: str, forced: ForcedState) -> None:
        record = self.find_process(group, name)
        if record is not None:
            record.forced = forced
            record.touch(forced.since)
            self._changed(record)

    def _changed(self, record: ProcessRecord) -> None:
        self.revision += 1
        key = (record.group, record.name)
        application = self.applications.get(record.group)
        if application is not None:
            application.revision += 1
        managed = application is not None and application.managed  # rules are set at creation
        if managed and record.observations and len(record.view().running_identifiers) > 1:
            self._multi_running[key] = record
        else:
            self._multi_running.pop(key, None)

    def conflicts(self) -> list[ProcessRecord]:
        """Managed processes running on more than one instance
        (docs/design/failures.md#conciliation)."""
        if not self._multi_running:
            return []
        revision, found = self._conflicts
        if revision != self.revision:
            found = tuple(
                record
                for application in self.applications.values()
                if application.managed
                for record in application.processes.values()
                if len(record.view().running_identifiers) > 1
            )
            self._conflicts = (self.revision, found)
        return list(found)
