"""Wire schema of the internal bus: versioned message dataclasses and their JSON encoding.

Pure: json and dataclasses only (no zmq, no supervisor, no clock). A message travels as two
frames, the ASCII topic and a UTF-8 JSON object carrying `v`, `identifier`, `now_monotonic` and
the keys of its topic (docs/design/bus.md). Keys are flat, so the PROCESS / PROCESS_ADDED payload is
the local process info dict itself, and its `now_monotonic` is the envelope's. `decode` is the
single gate for untrusted input: it returns a fully validated message or raises `MessageError`
saying precisely what is wrong; it never raises anything else; it lives in `message_decoder`.
Unknown extra keys are ignored (forward compatibility).
"""

from __future__ import annotations

import json
from dataclasses import Field, dataclass, fields
from enum import StrEnum
from typing import Any, ClassVar, TypeAlias

from supvisors_ext.model import InstanceStates, LocalProcessInfo, ProcessStates, SupvisorsStates

PROTOCOL_VERSION = 1
MAX_FRAME_BYTES = 1 << 20  # checked before any parsing
MAX_INT = 2**53  # largest integer that every JSON implementation represents exactly
MAX_FLOAT = 1e15  # seconds (~31 million years): beyond any POSIX or monotonic clock reading
MAX_PORT = 65535
_ENVELOPE = ("identifier", "now_monotonic")


class Topic(StrEnum):
    """First frame of every bus message."""

    TICK = "TICK"
    PROCESS = "PROCESS"
    PROCESS_ADDED = "PROCESS_ADDED"
    PROCESS_REMOVED = "PROCESS_REMOVED"
    PROCESS_FORCED = "PROCESS_FORCED"
    STATE = "STATE"


class MessageError(ValueError):
    """Inbound frames are not a valid message; `sender`: the identifier claimed, '' if unknown."""

    def __init__(self, reason: str, sender: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.sender = sender


class _FlatBody:
    """Body = every field but the envelope (json writes tuples as lists, IntEnum as its code)."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def body(self) -> dict[str, object]:
        """Topic keys of the JSON object."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _ENVELOPE}


@dataclass(frozen=True, slots=True)
class TickMessage(_FlatBody):
    """TICK: the sender's heartbeat, published every tick period."""

    topic: ClassVar[Topic] = Topic.TICK
    identifier: str
    now_monotonic: float
    nick_identifier: str
    sequence_counter: int
    when: float
    when_monotonic: float
    http_port: int
    internal_port: int
    stereotypes: tuple[str, ...]


class _InfoCarrier:
    """Shared behaviour of the messages whose payload is one local process info."""

    __slots__ = ()
    now_monotonic: float
    info: LocalProcessInfo

    def __post_init__(self) -> None:
        # the wire carries one `now_monotonic` for the envelope and the process info
        if self.now_monotonic != self.info.now_monotonic:
            raise ValueError(
                f"now_monotonic {self.now_monotonic!r} differs from info.now_monotonic "
                f"{self.info.now_monotonic!r} (the wire carries one value)"
            )

    def body(self) -> dict[str, object]:
        """Topic keys of the JSON object."""
        return self.info.to_payload()


@dataclass(frozen=True, slots=True)
class ProcessMessage(_InfoCarrier):
    """PROCESS: a state change of one of the sender's own processes (full local process info)."""

    topic: ClassVar[Topic] = Topic.PROCESS
    identifier: str
    now_monotonic: float  # must equal info.now_monotonic
    info: LocalProcessInfo


@dataclass(frozen=True, slots=True)
class ProcessAddedMessage(_InfoCarrier):
    """PROCESS_ADDED: a process was added to the sender's supervisord (full local process info)."""

    topic: ClassVar[Topic] = Topic.PROCESS_ADDED
    identifier: str
    now_monotonic: float  # must equal info.now_monotonic
    info: LocalProcessInfo


@dataclass(frozen=True, slots=True)
class ProcessRemovedMessage(_FlatBody):
    """PROCESS_REMOVED: a process was removed from the sender's supervisord."""

    topic: ClassVar[Topic] = Topic.PROCESS_REMOVED
    identifier: str
    now_monotonic: float
    group: str
    name: str


@dataclass(frozen=True, slots=True)
class ProcessForcedMessage(_FlatBody):
    """PROCESS_FORCED: the sender forces the displayed state of a process
    (docs/design/status.md#forced-state)."""

    topic: ClassVar[Topic] = Topic.PROCESS_FORCED
    identifier: str
    now_monotonic: float
    group: str
    name: str
    state: ProcessStates
    reason: str
    target: str  # identifier, or '' for none


@dataclass(frozen=True, slots=True)
class StateModes:
    """State & modes of one instance (docs/api.md) plus the applications it is starting."""

    fsm_state: SupvisorsStates
    degraded_mode: bool
    discovery_mode: bool
    master_identifier: str  # '' if none
    starting_jobs: bool
    stopping_jobs: bool
    instance_states: tuple[tuple[str, InstanceStates], ...]  # sorted by identifier
    rules_error: str  # '' if none
    starting_applications: tuple[str, ...]

    def __post_init__(self) -> None:
        identifiers = [identifier for identifier, _ in self.instance_states]
        if len(set(identifiers)) != len(identifiers):
            raise ValueError(f"duplicate identifier in instance_states: {identifiers}")
        object.__setattr__(self, "instance_states", tuple(sorted(self.instance_states)))

    def to_payload(self) -> dict[str, object]:
        """State & modes keys of docs/api.md (jobs as bool) plus `starting_applications`."""
        return {
            "fsm_statecode": int(self.fsm_state),
            "fsm_statename": self.fsm_state.name,
            "degraded_mode": self.degraded_mode,
            "discovery_mode": self.discovery_mode,
            "master_identifier": self.master_identifier,
            "starting_jobs": self.starting_jobs,
            "stopping_jobs": self.stopping_jobs,
            "instance_states": {ident: state.name for ident, state in self.instance_states},
            "rules_error": self.rules_error,
            "starting_applications": list(self.starting_applications),
        }


@dataclass(frozen=True, slots=True)
class StateMessage:
    """STATE: the sender's state & modes changed."""

    topic: ClassVar[Topic] = Topic.STATE
    identifier: str
    now_monotonic: float
    state_modes: StateModes

    def body(self) -> dict[str, object]:
        """Topic keys of the JSON object."""
        return self.state_modes.to_payload()


Message: TypeAlias = (
    TickMessage
    | ProcessMessage
    | ProcessAddedMessage
    | ProcessRemovedMessage
    | ProcessForcedMessage
    | StateMessage
)


def encode(message: Message) -> list[bytes]:
    """Two frames: ASCII topic and UTF-8 JSON; ValueError if the message cannot travel."""
    payload: dict[str, object] = {
        "v": PROTOCOL_VERSION,
        "identifier": message.identifier,
        "now_monotonic": message.now_monotonic,
    }
    payload.update(message.body())
    # ensure_ascii keeps lone surrogates encodable; allow_nan=False refuses what peers would reject
    data = json.dumps(payload, allow_nan=False, separators=(",", ":")).encode("ascii")
    if len(data) > MAX_FRAME_BYTES:
        raise ValueError(f"{message.topic} message is {len(data)} bytes, over {MAX_FRAME_BYTES}")
    return [message.topic.value.encode("ascii"), data]
