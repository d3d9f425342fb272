"""Wire schema: round trips; every malformed input ends in MessageError, never anything else."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supvisors_ext.message_decoder import decode
from supvisors_ext.messages import (
    MAX_FLOAT,
    MAX_FRAME_BYTES,
    MAX_INT,
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
    encode,
)
from supvisors_ext.model import InstanceStates, LocalProcessInfo, ProcessStates, SupvisorsStates

# ---------------------------------------------------------------- strategies

names = st.text(min_size=1, max_size=20)
texts = st.text(max_size=30)
seconds = st.floats(min_value=0, max_value=MAX_FLOAT, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=MAX_INT)
ports = st.integers(min_value=1, max_value=65535)


@st.composite
def infos(draw: st.DrawFn, now_monotonic: float | None = None) -> LocalProcessInfo:
    return LocalProcessInfo(
        group=draw(names),
        name=draw(names),
        state=draw(st.sampled_from(ProcessStates)),
        start=draw(counts),
        stop=draw(counts),
        now=draw(counts),
        pid=draw(counts),
        description=draw(texts),
        spawnerr=draw(texts),
        expected=draw(st.booleans()),
        start_monotonic=draw(seconds),
        stop_monotonic=draw(seconds),
        now_monotonic=draw(seconds) if now_monotonic is None else now_monotonic,
        extra_args=draw(texts),
        startsecs=draw(counts),
        stopwaitsecs=draw(counts),
        program_name=draw(texts),
        process_index=draw(counts),
        disabled=draw(st.booleans()),
        has_stdout=draw(st.booleans()),
        has_stderr=draw(st.booleans()),
    )


def _info_message(
    cls: type[ProcessMessage] | type[ProcessAddedMessage],
) -> st.SearchStrategy[Message]:
    return st.builds(lambda ident, info: cls(ident, info.now_monotonic, info), names, infos())


ticks = st.builds(
    TickMessage,
    names,
    seconds,
    nick_identifier=names,
    sequence_counter=counts,
    when=seconds,
    when_monotonic=seconds,
    http_port=ports,
    internal_port=ports,
    stereotypes=st.lists(texts, max_size=4).map(tuple),
)
state_modes = st.builds(
    StateModes,
    fsm_state=st.sampled_from(SupvisorsStates),
    degraded_mode=st.booleans(),
    discovery_mode=st.booleans(),
    master_identifier=texts,
    starting_jobs=st.booleans(),
    stopping_jobs=st.booleans(),
    instance_states=st.dictionaries(names, st.sampled_from(InstanceStates), max_size=5).map(
        lambda states: tuple(states.items())
    ),
    rules_error=texts,
    starting_applications=st.lists(names, max_size=4).map(tuple),
)
messages: st.SearchStrategy[Message] = st.one_of(
    ticks,
    _info_message(ProcessMessage),
    _info_message(ProcessAddedMessage),
    st.builds(ProcessRemovedMessage, names, seconds, group=names, name=names),
    st.builds(
        ProcessForcedMessage,
        names,
        seconds,
        group=names,
        name=names,
        state=st.sampled_from(ProcessStates),
        reason=texts,
        target=texts,
    ),
    st.builds(StateMessage, names, seconds, state_modes=state_modes),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)

# no timing flakes on a loaded host (xdist, parallel CI jobs)
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- fixed samples

INFO = LocalProcessInfo(
    "grp", "prg_00", ProcessStates.RUNNING, 1_700_000_000, 0, 1_700_000_100, 4242, "pid 4242",
    "", True, 12.5, 0.0, 112.5, "-x", 1, 10, "prg", 0, False, True, False,
)  # fmt: skip
SAMPLES: list[Message] = [
    TickMessage("h1:60000", 3.5, "h1", 7, 1_700_000_000.25, 3.5, 60000, 60001, ("web", "db")),
    ProcessMessage("h1:60000", INFO.now_monotonic, INFO),
    ProcessAddedMessage("h1:60000", INFO.now_monotonic, INFO),
    ProcessRemovedMessage("h1:60000", 4.0, "grp", "prg_00"),
    ProcessForcedMessage("h1:60000", 4.0, "grp", "prg_00", ProcessStates.FATAL, "late", ""),
    StateMessage(
        "h1:60000",
        5.0,
        StateModes(
            SupvisorsStates.OPERATION,
            False,
            False,
            "h1:60000",
            True,
            False,
            (("h2:60000", InstanceStates.RUNNING), ("h1:60000", InstanceStates.RUNNING)),
            "",
            ("app",),
        ),  # fmt: skip
    ),
]
IDS = [sample.topic.value for sample in SAMPLES]
# keys that decode ignores (derived from another key)
IGNORED = {"statename", "fsm_statename"}


def _payload(message: Message) -> dict[str, object]:
    payload: dict[str, object] = json.loads(encode(message)[1])
    return payload


def _frames(message: Message, **changes: object) -> list[bytes]:
    payload = _payload(message)
    payload.update(changes)
    return [message.topic.value.encode(), json.dumps(payload).encode()]


def _error(frames: list[bytes]) -> str:
    with pytest.raises(MessageError) as info:
        decode(frames)
    return str(info.value)


# ---------------------------------------------------------------- round trips


@relaxed
@given(messages)
def test_round_trip(message: Message) -> None:
    frames = encode(message)
    assert frames[0] == message.topic.value.encode("ascii")
    assert decode(frames) == message


@pytest.mark.parametrize("message", SAMPLES, ids=IDS)
def test_envelope_and_wire_keys(message: Message) -> None:
    payload = _payload(message)
    assert payload["v"] == PROTOCOL_VERSION
    assert payload["identifier"] == "h1:60000"
    assert payload["now_monotonic"] == message.now_monotonic
    assert decode(encode(message)) == message


def test_state_payload_uses_api_keys() -> None:
    payload = _payload(SAMPLES[-1])
    assert payload["fsm_statecode"] == 4 and payload["fsm_statename"] == "OPERATION"
    assert payload["instance_states"] == {"h1:60000": "RUNNING", "h2:60000": "RUNNING"}
    assert payload["starting_jobs"] is True and payload["starting_applications"] == ["app"]
    modes = SAMPLES[-1].state_modes  # type: ignore[union-attr]
    assert [ident for ident, _ in modes.instance_states] == ["h1:60000", "h2:60000"]


def test_process_payload_is_local_process_info() -> None:
    payload = _payload(SAMPLES[1])
    assert payload["statename"] == "RUNNING" and payload["state"] == 20
    assert set(INFO.to_payload()) <= set(payload)


def test_constructors_refuse_inconsistent_values() -> None:
    with pytest.raises(ValueError, match="differs from info.now_monotonic"):
        ProcessMessage("h1", INFO.now_monotonic + 1, INFO)
    with pytest.raises(ValueError, match="duplicate identifier"):
        replace(SAMPLES[-1].state_modes, instance_states=(("a", 1), ("a", 2)))  # type: ignore


def test_encode_refuses_unsendable_messages() -> None:
    with pytest.raises(ValueError):
        encode(ProcessRemovedMessage("h1", math.nan, "g", "n"))
    with pytest.raises(ValueError, match="over"):
        encode(ProcessRemovedMessage("h1", 1.0, "g", "n" * MAX_FRAME_BYTES))


def test_extra_keys_are_ignored() -> None:
    assert decode(_frames(SAMPLES[0], future_key={"a": [1]})) == SAMPLES[0]


def test_messages_module_is_pure() -> None:
    code = (
        "import sys, supvisors_ext.messages\nprint(sorted({'zmq', 'supervisor'} & {*sys.modules}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- precise errors


@pytest.mark.parametrize(
    ("frames", "expected"),
    [
        ([], "expected 2 frames, got 0"),
        ([b"TICK"], "expected 2 frames, got 1"),
        ([b"TICK", b"{}", b""], "expected 2 frames, got 3"),
        ([b"NOPE", b"{}"], "unknown topic b'NOPE'"),
        ([b"\xff", b"{}"], "unknown topic"),
        ([b"TICK", b"\xff\xfe"], "payload is not UTF-8"),
        ([b"TICK", b'{"v": 1,'], "payload is not JSON"),
        ([b"TICK", b"[" * 100_000], "payload is not JSON"),
        ([b"TICK", b'{"v": 1' + b"0" * 5000 + b"}"], "payload is not JSON"),
        ([b"TICK", b"[1, 2]"], "payload must be a JSON object, got list"),
        ([b"TICK", b'"text"'], "payload must be a JSON object, got str"),
        ([b"TICK", b"{}"], "TICK: missing key 'v'"),
        ([b"TICK", b'{"v": true}'], "TICK: key 'v' must be int, got bool True"),
        ([b"TICK", b'{"v": 2}'], "TICK: unsupported protocol version 2 (expected 1)"),
        ([b"TICK", b"x" * (MAX_FRAME_BYTES + 1)], "frame 1 too large"),
        ([b"T" * (MAX_FRAME_BYTES + 1), b"{}"], "frame 0 too large"),
    ],
)
def test_frame_and_envelope_errors(frames: list[bytes], expected: str) -> None:
    assert expected in _error(frames)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"sequence_counter": -1}, "key 'sequence_counter' out of range 0.."),
        ({"sequence_counter": 10**30}, "key 'sequence_counter' out of range"),
        ({"sequence_counter": True}, "key 'sequence_counter' must be int, got bool"),
        ({"sequence_counter": 1.0}, "key 'sequence_counter' must be int, got float"),
        ({"http_port": 0}, "key 'http_port' out of range 1..65535: 0"),
        ({"internal_port": 65536}, "key 'internal_port' out of range 1..65535: 65536"),
        ({"when": float("nan")}, "key 'when' must be finite, got nan"),
        ({"when": float("inf")}, "key 'when' must be finite, got inf"),
        ({"when": 10**400}, "key 'when' out of range"),
        ({"when": -1.5}, "key 'when' out of range"),
        ({"when": "now"}, "key 'when' must be float, got str"),
        ({"now_monotonic": False}, "key 'now_monotonic' must be float, got bool"),
        ({"identifier": ""}, "key 'identifier' must not be empty"),
        ({"identifier": 3}, "key 'identifier' must be str, got int"),
        ({"stereotypes": "web"}, "key 'stereotypes' must be a list of str, got str"),
        ({"stereotypes": ["a", 1]}, "key 'stereotypes' item 1 must be str, got int"),
    ],
)
def test_tick_value_errors(changes: dict[str, object], expected: str) -> None:
    assert expected in _error(_frames(SAMPLES[0], **changes))


@pytest.mark.parametrize(
    ("index", "changes", "expected"),
    [
        (1, {"state": 15}, "key 'state': 15 is not a ProcessStates code"),
        (1, {"pid": True}, "key 'pid' must be int, got bool"),
        (1, {"group": ""}, "key 'group' must not be empty"),
        (2, {"expected": 1}, "key 'expected' must be bool, got int"),
        (4, {"state": "FATAL"}, "key 'state' must be int, got str"),
        (5, {"fsm_statecode": 99}, "key 'fsm_statecode': 99 is not a SupvisorsStates code"),
        (5, {"instance_states": []}, "key 'instance_states' must be an object"),
        (5, {"instance_states": {"h1": "UP"}}, "'UP' for 'h1' is not a InstanceStates name"),
        (5, {"instance_states": {"": "RUNNING"}}, "key 'instance_states' has an empty identifier"),
    ],
)
def test_payload_value_errors(index: int, changes: dict[str, object], expected: str) -> None:
    assert expected in _error(_frames(SAMPLES[index], **changes))


def test_int_accepted_for_float() -> None:
    message = decode(_frames(SAMPLES[0], when=17))
    assert isinstance(message, TickMessage) and message.when == 17.0
    assert isinstance(message.when, float)


def test_sender_hint_is_the_claimed_identifier() -> None:
    with pytest.raises(MessageError) as info:
        decode(_frames(SAMPLES[0], v=2))
    assert info.value.sender == "h1:60000"
    with pytest.raises(MessageError) as info:
        decode([b"TICK", b"{"])
    assert info.value.sender == ""


def _wire_keys(message: Message) -> list[tuple[Message, str]]:
    return [(message, key) for key in _payload(message) if key not in IGNORED]


ALL_KEYS = [pair for sample in SAMPLES for pair in _wire_keys(sample)]
KEY_IDS = [f"{message.topic.value}-{key}" for message, key in ALL_KEYS]


@pytest.mark.parametrize(("message", "key"), ALL_KEYS, ids=KEY_IDS)
def test_every_key_is_required(message: Message, key: str) -> None:
    payload = _payload(message)
    del payload[key]
    assert f"missing key {key!r}" in _error(
        [message.topic.value.encode(), json.dumps(payload).encode()]
    )


@pytest.mark.parametrize(("message", "key"), ALL_KEYS, ids=KEY_IDS)
def test_every_key_is_typed(message: Message, key: str) -> None:
    wrong_type: object = 1 if isinstance(_payload(message)[key], str) else "1"
    values: list[object] = [None, wrong_type, [[]], {"k": {}}]
    for value in values:
        assert repr(key) in _error(_frames(message, **{key: value}))


# ---------------------------------------------------------------- garbage never escapes


def _decode_or_message_error(frames: list[bytes]) -> None:
    try:
        decode(frames)
    except MessageError:
        pass


@relaxed
@given(st.lists(st.binary(max_size=64), max_size=4))
def test_random_frames(frames: list[bytes]) -> None:
    _decode_or_message_error(frames)


@relaxed
@given(st.sampled_from(Topic), json_values)
def test_random_json(topic: Topic, value: object) -> None:
    _decode_or_message_error([topic.value.encode(), json.dumps(value).encode()])


@relaxed
@given(messages, st.data())
def test_any_key_replaced_by_any_value(message: Message, data: st.DataObject) -> None:
    payload = _payload(message)
    key = data.draw(st.sampled_from(sorted(payload)))
    payload[key] = data.draw(json_values | st.sampled_from([math.nan, math.inf, 10**100]))
    _decode_or_message_error([message.topic.value.encode(), json.dumps(payload).encode()])


@relaxed
@given(messages, st.data())
def test_truncated_payload(message: Message, data: st.DataObject) -> None:
    topic, body = encode(message)
    cut = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    with pytest.raises(MessageError):
        decode([topic, body[:cut]])


@relaxed
@given(messages, st.data())
def test_corrupted_payload_byte(message: Message, data: st.DataObject) -> None:
    topic, body = encode(message)
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    byte = data.draw(st.integers(min_value=0, max_value=255))
    _decode_or_message_error([topic, body[:index] + bytes([byte]) + body[index + 1 :]])
