"""State enumerations and small value types shared by every layer; pure (no I/O, no supervisor)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import TypeVar


class SupvisorsStates(IntEnum):
    """States of the cluster state machine (docs/design/state-machine.md#cluster-states)."""

    OFF = 0
    SYNCHRONIZATION = 1
    ELECTION = 2
    DISTRIBUTION = 3
    OPERATION = 4
    CONCILIATION = 5
    RESTARTING = 6
    SHUTTING_DOWN = 7
    FINAL = 8


class InstanceStates(IntEnum):
    """States of one instance as seen by the local instance
    (docs/design/state-machine.md#instance-states)."""

    STOPPED = 0
    CHECKING = 1
    CHECKED = 2
    RUNNING = 3
    FAILED = 4
    ISOLATED = 5


class ApplicationStates(IntEnum):
    """Derived state of a managed application (docs/design/status.md#application-state)."""

    STOPPED = 0
    STARTING = 1
    RUNNING = 2
    STOPPING = 3
    DELETED = 4


class ProcessStates(IntEnum):
    """Supervisor's process states and codes (copied so pure code needs no supervisor)."""

    STOPPED = 0
    STARTING = 10
    RUNNING = 20
    BACKOFF = 30
    STOPPING = 40
    EXITED = 100
    FATAL = 200
    UNKNOWN = 1000


class StartingStrategies(IntEnum):
    """Where a process or application is placed when started (docs/design/placement.md#load)."""

    CONFIG = 0
    LESS_LOADED = 1
    MOST_LOADED = 2
    LOCAL = 3
    LESS_LOADED_NODE = 4
    MOST_LOADED_NODE = 5


class StartingFailureStrategies(IntEnum):
    """What a failed required process does to a start in progress
    (docs/design/jobs.md#start-failures)."""

    ABORT = 0
    STOP = 1
    CONTINUE = 2


class RunningFailureStrategies(IntEnum):
    """What the crash or loss of a running process does
    (docs/design/failures.md#running-failures)."""

    CONTINUE = 0
    RESTART_PROCESS = 1
    STOP_APPLICATION = 2
    RESTART_APPLICATION = 3
    SHUTDOWN = 4
    RESTART = 5


class ConciliationStrategies(IntEnum):
    """How a process running on several instances is resolved
    (docs/design/failures.md#conciliation)."""

    SENICIDE = 0
    INFANTICIDE = 1
    USER = 2
    STOP = 3
    RESTART = 4
    RUNNING_FAILURE = 5


class SupvisorsFailureStrategies(IntEnum):
    """What the cluster does when its synchronization conditions are lost
    (docs/design/state-machine.md#cluster-states)."""

    CONTINUE = 0
    RESYNC = 1
    SHUTDOWN = 2


class DistributionRules(IntEnum):
    """Whether the processes of an application may spread over instances
    (docs/rules.md#document-structure)."""

    ALL_INSTANCES = 0
    SINGLE_INSTANCE = 1
    SINGLE_NODE = 2


class SynchronizationOptions(IntEnum):
    """Conditions that end the SYNCHRONIZATION state
    (docs/design/state-machine.md#cluster-states)."""

    STRICT = 0
    LIST = 1
    TIMEOUT = 2
    CORE = 3
    USER = 4


class LogLevels(IntEnum):
    """Log levels accepted by `loglevel` and `change_log_level`, with supervisor's codes."""

    critical = 50
    error = 40
    warn = 30
    info = 20
    debug = 10
    trace = 5
    blather = 3


# process states in which a process occupies an instance (it counts as "running there")
RUNNING_STATES = frozenset(
    {ProcessStates.STARTING, ProcessStates.RUNNING, ProcessStates.BACKOFF, ProcessStates.STOPPING}
)
# process states that count towards the load of an instance (docs/design/placement.md#load)
LOADING_STATES = frozenset({ProcessStates.STARTING, ProcessStates.RUNNING, ProcessStates.BACKOFF})
STOPPED_STATES = frozenset(
    {ProcessStates.STOPPED, ProcessStates.EXITED, ProcessStates.FATAL, ProcessStates.UNKNOWN}
)

E = TypeVar("E", bound=Enum)


def enum_names(enum_cls: type[Enum]) -> str:
    """Comma-separated member names, for error messages."""
    return ", ".join(member.name for member in enum_cls)


def parse_enum(enum_cls: type[E], value: object) -> E:
    """The member of `enum_cls` named or coded by `value`; ValueError listing the valid names."""
    if isinstance(value, str):
        try:
            return enum_cls[value.strip()]
        except KeyError:
            pass
    elif isinstance(value, int) and not isinstance(value, bool):
        for member in enum_cls:
            if member.value == value:
                return member
    raise ValueError(f"{value!r} is not one of {enum_names(enum_cls)}")


def make_namespec(group: str, name: str) -> str:
    """Supervisor's namespec: the bare name when group and process names are equal."""
    return name if group == name else f"{group}:{name}"


def split_namespec(namespec: str) -> tuple[str, str | None]:
    """Split `group:name` / `group:*` / `name`; the process part is None for `group:*`."""
    group, sep, name = namespec.partition(":")
    if not sep:
        return namespec, namespec
    if name == "*":
        return group, None
    return group, name


@dataclass(frozen=True, slots=True)
class InstanceId:
    """One item of `supvisors_list` (docs/configuration.md#supvisors_list-items)."""

    identifier: str  # canonical host:http_port
    nick: str
    host: str
    http_port: int
    internal_port: int


@dataclass(frozen=True, slots=True)
class LocalProcessInfo:
    """What an instance knows of one of its own processes (docs/api.md, local process info).

    It is the payload of PROCESS / PROCESS_ADDED bus messages and of `get_all_local_process_info`.
    """

    group: str
    name: str
    state: ProcessStates
    start: int  # POSIX seconds of the last spawn, 0 if never
    stop: int  # POSIX seconds of the last entry into a stopped state, 0 if never
    now: int  # POSIX seconds when this record was made
    pid: int
    description: str
    spawnerr: str
    expected: bool  # no spawn error and, if exited, an expected exit code
    start_monotonic: float
    stop_monotonic: float
    now_monotonic: float
    extra_args: str
    startsecs: int
    stopwaitsecs: int
    program_name: str
    process_index: int
    disabled: bool
    has_stdout: bool
    has_stderr: bool

    @property
    def namespec(self) -> str:
        return make_namespec(self.group, self.name)

    def to_payload(self) -> dict[str, object]:
        """Plain dict for XML-RPC and JSON: every field, the state as its code, plus `statename`."""
        payload: dict[str, object] = {field: getattr(self, field) for field in self.__slots__}
        payload["state"] = int(self.state)
        payload["statename"] = self.state.name
        return payload


@dataclass(frozen=True, slots=True)
class NicAddress:
    nic_name: str
    host_name: str
    aliases: tuple[str, ...]
    ipv4_address: str
    netmask: str


@dataclass(frozen=True, slots=True)
class NetworkInfo:
    """Identity of the instance and of the machine (node) it runs on."""

    identifier: str
    nick_identifier: str
    host_id: str
    http_port: int
    internal_port: int
    stereotypes: tuple[str, ...]
    fqdn: str
    machine_id: str  # colon-separated MAC from uuid.getnode(): instances sharing it share a node
    addresses: tuple[NicAddress, ...]
