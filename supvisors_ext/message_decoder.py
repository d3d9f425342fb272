"""The single gate for untrusted bus input: `decode` frames into a validated message.

Pure: json only. `decode` returns a fully validated message of `messages` or raises
`MessageError` saying precisely what is wrong; it never raises anything else. Unknown extra keys
are ignored (forward compatibility). The same readers rebuild the local process infos and the
state & modes a peer returns at handshake (docs/design/bus.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import fields
from enum import IntEnum
from typing import Any, TypeVar, get_type_hints

from supvisors_ext.messages import (
    MAX_FLOAT,
    MAX_FRAME_BYTES,
    MAX_INT,
    MAX_PORT,
    PROTOCOL_VERSION,
    Message,
    MessageError,
    ProcessAddedMessage,
    ProcessForcedMessage,
    ProcessMessage,
    ProcessRemovedMessage,
    StateMessage,
    StateModes,
    TickMessage,
    Topic,
)
from supvisors_ext.model import InstanceStates, LocalProcessInfo, ProcessStates, SupvisorsStates

E = TypeVar("E", bound=IntEnum)


def decode(frames: Sequence[bytes]) -> Message:
    """Validated message from raw frames; MessageError saying what is wrong otherwise."""
    if len(frames) != 2:
        raise MessageError(f"expected 2 frames, got {len(frames)}")
    for index, frame in enumerate(frames):
        if len(frame) > MAX_FRAME_BYTES:
            raise MessageError(
                f"frame {index} too large: {len(frame)} bytes (limit {MAX_FRAME_BYTES})"
            )
    topic = _parse_topic(frames[0])
    reader = _Reader(_parse_object(frames[1]), topic)
    version = reader.integer("v")
    if version != PROTOCOL_VERSION:
        raise reader.error(f"unsupported protocol version {version} (expected {PROTOCOL_VERSION})")
    identifier = reader.text("identifier", non_empty=True)
    now_monotonic = reader.number("now_monotonic")
    return _DECODERS[topic](reader, identifier, now_monotonic)


def _show(value: object) -> str:
    """Short repr for error texts."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    """JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _parse_topic(frame: bytes) -> Topic:
    try:
        return Topic(bytes(frame).decode("ascii"))
    except ValueError:  # UnicodeDecodeError included
        raise MessageError(f"unknown topic {_show(bytes(frame))}") from None


def _parse_object(frame: bytes) -> dict[str, object]:
    try:
        text = bytes(frame).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MessageError(f"payload is not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        payload = json.loads(text)
    except RecursionError:
        raise MessageError("payload is not JSON: nested too deep") from None
    except ValueError as exc:  # JSONDecodeError, or an integer with too many digits
        raise MessageError(f"payload is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise MessageError(f"payload must be a JSON object, got {_kind(payload)}")
    return payload


class _Reader:
    """Typed access to the keys of one JSON object; every failure is a MessageError."""

    __slots__ = ("_payload", "_topic", "_sender")

    def __init__(self, payload: dict[str, object], topic: Topic) -> None:
        self._payload = payload
        self._topic = topic
        claimed = payload.get("identifier")
        self._sender = claimed[:200] if isinstance(claimed, str) else ""

    def error(self, text: str) -> MessageError:
        return MessageError(f"{self._topic}: {text}", self._sender)

    def _get(self, key: str) -> object:
        if key not in self._payload:
            raise self.error(f"missing key {key!r}")
        return self._payload[key]

    def _wrong(self, key: str, expected: str, value: object) -> MessageError:
        return self.error(f"key {key!r} must be {expected}, got {_kind(value)} {_show(value)}")

    def text(self, key: str, *, non_empty: bool = False) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._wrong(key, "str", value)
        if non_empty and not value:
            raise self.error(f"key {key!r} must not be empty")
        return value

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self._wrong(key, "bool", value)
        return value

    def integer(self, key: str, low: int = 0, high: int = MAX_INT) -> int:
        value = self._get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._wrong(key, "int", value)
        if not low <= value <= high:
            raise self.error(f"key {key!r} out of range {low}..{high}: {_show(value)}")
        return value

    def number(self, key: str) -> float:
        value = self._get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise self._wrong(key, "float", value)
        if isinstance(value, float) and not math.isfinite(value):
            raise self.error(f"key {key!r} must be finite, got {value}")
        if not 0 <= value <= MAX_FLOAT:  # compared before float() so huge ints cannot overflow
            raise self.error(f"key {key!r} out of range 0..{MAX_FLOAT:g}: {_show(value)}")
        return float(value)

    def code(self, key: str, enum_cls: type[E]) -> E:
        value = self.integer(key)
        try:
            return enum_cls(value)
        except ValueError:
            raise self.error(f"key {key!r}: {value} is not a {enum_cls.__name__} code") from None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if not isinstance(value, list):
            raise self._wrong(key, "a list of str", value)
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise self.error(f"key {key!r} item {index} must be str, got {_kind(item)}")
        return tuple(value)

    def name_map(self, key: str, enum_cls: type[E]) -> tuple[tuple[str, E], ...]:
        value = self._get(key)
        if not isinstance(value, dict):
            raise self._wrong(key, f"an object of {enum_cls.__name__} names", value)
        pairs: list[tuple[str, E]] = []
        for identifier, name in value.items():
            if not identifier:
                raise self.error(f"key {key!r} has an empty identifier")
            if not isinstance(name, str) or name not in enum_cls.__members__:
                raise self.error(
                    f"key {key!r}: {_show(name)} for {_show(identifier)} is not "
                    f"a {enum_cls.__name__} name"
                )
            pairs.append((identifier, enum_cls[name]))
        return tuple(sorted(pairs))


_FieldReader = Callable[[_Reader, str], object]
_READERS_BY_TYPE: dict[object, _FieldReader] = {
    str: lambda reader, key: reader.text(key, non_empty=key in ("group", "name")),
    int: _Reader.integer,
    float: _Reader.number,
    bool: _Reader.flag,
    ProcessStates: lambda reader, key: reader.code(key, ProcessStates),
}
# one reader per LocalProcessInfo field, resolved at import so a model change fails fast here
_INFO_HINTS = get_type_hints(LocalProcessInfo)
_INFO_READERS: tuple[tuple[str, _FieldReader], ...] = tuple(
    (field.name, _READERS_BY_TYPE[_INFO_HINTS[field.name]]) for field in fields(LocalProcessInfo)
)


def _decode_info(reader: _Reader) -> LocalProcessInfo:
    values: dict[str, Any] = {name: read(reader, name) for name, read in _INFO_READERS}
    return LocalProcessInfo(**values)


def _decode_tick(reader: _Reader, identifier: str, now: float) -> TickMessage:
    return TickMessage(
        identifier,
        now,
        nick_identifier=reader.text("nick_identifier", non_empty=True),
        sequence_counter=reader.integer("sequence_counter"),
        when=reader.number("when"),
        when_monotonic=reader.number("when_monotonic"),
        http_port=reader.integer("http_port", 1, MAX_PORT),
        internal_port=reader.integer("internal_port", 1, MAX_PORT),
        stereotypes=reader.texts("stereotypes"),
    )


def _decode_removed(reader: _Reader, identifier: str, now: float) -> ProcessRemovedMessage:
    return ProcessRemovedMessage(
        identifier,
        now,
        group=reader.text("group", non_empty=True),
        name=reader.text("name", non_empty=True),
    )


def _decode_forced(reader: _Reader, identifier: str, now: float) -> ProcessForcedMessage:
    return ProcessForcedMessage(
        identifier,
        now,
        group=reader.text("group", non_empty=True),
        name=reader.text("name", non_empty=True),
        state=reader.code("state", ProcessStates),
        reason=reader.text("reason"),
        target=reader.text("target"),
    )


def _decode_state(reader: _Reader, identifier: str, now: float) -> StateMessage:
    state_modes = StateModes(
        fsm_state=reader.code("fsm_statecode", SupvisorsStates),
        degraded_mode=reader.flag("degraded_mode"),
        discovery_mode=reader.flag("discovery_mode"),
        master_identifier=reader.text("master_identifier"),
        starting_jobs=reader.flag("starting_jobs"),
        stopping_jobs=reader.flag("stopping_jobs"),
        instance_states=reader.name_map("instance_states", InstanceStates),
        rules_error=reader.text("rules_error"),
        starting_applications=reader.texts("starting_applications"),
    )
    return StateMessage(identifier, now, state_modes)


_DECODERS: dict[Topic, Callable[[_Reader, str, float], Message]] = {
    Topic.TICK: _decode_tick,
    Topic.PROCESS: lambda reader, ident, now: ProcessMessage(ident, now, _decode_info(reader)),
    Topic.PROCESS_ADDED: lambda reader, ident, now: ProcessAddedMessage(
        ident, now, _decode_info(reader)
    ),
    Topic.PROCESS_REMOVED: _decode_removed,
    Topic.PROCESS_FORCED: _decode_forced,
    Topic.STATE: _decode_state,
}


def local_info_from_payload(payload: object) -> LocalProcessInfo:
    """Validate a local process info struct received by XML-RPC (handshake); MessageError if bad."""
    if not isinstance(payload, dict):
        raise MessageError(f"local process info must be a struct, got {_kind(payload)}")
    return _decode_info(_Reader(payload, Topic.PROCESS))


def state_modes_from_payload(payload: object) -> StateModes:
    """Validate a state & modes struct received by XML-RPC (handshake); MessageError if bad."""
    if not isinstance(payload, dict):
        raise MessageError(f"state & modes must be a struct, got {_kind(payload)}")
    payload = {"starting_applications": [], **payload}
    return _decode_state(_Reader(payload, Topic.STATE), "", 0.0).state_modes
