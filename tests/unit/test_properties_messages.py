"""Property tests of the bus decoder (message_decoder.py): the single gate for untrusted input.

Whatever arrives (random frames, random JSON, valid messages with random mutations), `decode`
returns a message or raises `MessageError`, never anything else; what it accepts re-encodes to
the same message.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supvisors_ext.message_decoder import decode
from supvisors_ext.messages import (
    Message,
    MessageError,
    Topic,
    encode,
)
from tests.message_samples import sample_messages

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOPICS = [topic.value.encode("ascii") for topic in Topic]
SAMPLES = sample_messages("127.0.0.1:61000")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def decode_or_error(frames: list[bytes]) -> Message | MessageError:
    """decode(), with MessageError as a value; any other exception fails the property."""
    try:
        message = decode(frames)
    except MessageError as exc:
        assert isinstance(exc.reason, str) and exc.reason
        assert isinstance(exc.sender, str)
        return exc
    # anything accepted must travel again unchanged (a relay or a re-publication)
    assert decode(encode(message)) == message
    return message


@SETTINGS
@given(st.lists(st.binary(max_size=64), max_size=4))
def test_random_frames(frames: list[bytes]) -> None:
    decode_or_error(frames)


@SETTINGS
@given(st.sampled_from(TOPICS), json_values)
def test_random_json_under_a_valid_topic(topic: bytes, value: Any) -> None:
    decode_or_error([topic, json.dumps(value).encode()])


@SETTINGS
@given(st.sampled_from(TOPICS), st.binary(max_size=200))
def test_random_bytes_under_a_valid_topic(topic: bytes, payload: bytes) -> None:
    decode_or_error([topic, payload])


@st.composite
def mutated(draw: st.DrawFn) -> list[bytes]:
    """A valid message whose JSON object had keys replaced, removed or added, at any depth."""
    topic, data = encode(draw(st.sampled_from(SAMPLES)))
    payload = json.loads(data)
    for _ in range(draw(st.integers(1, 4))):
        target = payload
        # walk down into a nested object (the process info, the state modes) now and then
        while draw(st.booleans()):
            nested = [key for key, value in target.items() if isinstance(value, dict)]
            if not nested:
                break
            target = target[draw(st.sampled_from(sorted(nested)))]
        keys = sorted(target)
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "add" or not keys:
            target[draw(st.text(max_size=8))] = draw(json_values)
        elif action == "remove":
            del target[draw(st.sampled_from(keys))]
        else:
            target[draw(st.sampled_from(keys))] = draw(json_values)
    if draw(st.booleans()):
        topic = draw(st.sampled_from(TOPICS))
    return [topic, json.dumps(payload).encode()]


@SETTINGS
@given(mutated())
def test_mutated_valid_messages(frames: list[bytes]) -> None:
    decode_or_error(frames)


@SETTINGS
@given(st.sampled_from(SAMPLES), st.integers(0, 10_000), st.binary(min_size=1, max_size=4))
def test_corrupted_bytes_of_valid_messages(message: Message, where: int, junk: bytes) -> None:
    topic, data = encode(message)
    at = where % len(data)
    decode_or_error([topic, data[:at] + junk + data[at + len(junk) :]])


def test_every_sample_round_trips() -> None:
    for message in SAMPLES:
        assert decode_or_error(encode(message)) == message
