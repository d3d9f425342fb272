"""Discovery heartbeat datagram (docs/configuration.md#discovery-mode): encode and validate; pure.

One UDP datagram sent to the multicast group every tick period: a UTF-8 JSON object with `v`
(1), `kind` ("supvisors_ext.beacon"), `identifier`, `nick`, `host`, `http_port`,
`internal_port` and `stereotypes`. `decode_beacon` is the single gate for this untrusted input:
it returns a fully validated `Beacon` or raises `BeaconError`, never anything else.
The identifier must be the canonical `host:http_port` of the other fields, and host, nick and
ports follow the rules of a `supvisors_list` item (docs/configuration.md#supvisors_list-items).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from supvisors_ext.config_values import ConfigError, parse_instance_item
from supvisors_ext.model import InstanceId

BEACON_VERSION = 1
BEACON_KIND = "supvisors_ext.beacon"
MAX_BEACON_BYTES = 8192  # far above any real beacon, below the usual 9000-byte jumbo MTU
MAX_STEREOTYPES = 64
MAX_NAME_LENGTH = 255


class BeaconError(ValueError):
    """A received datagram is not a valid beacon; `reason` says what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Beacon:
    """What an instance announces about itself to the multicast group."""

    identifier: str
    nick: str
    host: str
    http_port: int
    internal_port: int
    stereotypes: tuple[str, ...]

    @classmethod
    def of(cls, instance: InstanceId, stereotypes: tuple[str, ...]) -> Beacon:
        return cls(
            instance.identifier,
            instance.nick,
            instance.host,
            instance.http_port,
            instance.internal_port,
            stereotypes,
        )

    @property
    def instance(self) -> InstanceId:
        return InstanceId(self.identifier, self.nick, self.host, self.http_port, self.internal_port)


def encode_beacon(beacon: Beacon) -> bytes:
    """The datagram of a beacon (compact JSON, keys sorted)."""
    payload = {
        "v": BEACON_VERSION,
        "kind": BEACON_KIND,
        "identifier": beacon.identifier,
        "nick": beacon.nick,
        "host": beacon.host,
        "http_port": beacon.http_port,
        "internal_port": beacon.internal_port,
        "stereotypes": list(beacon.stereotypes),
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def decode_beacon(data: bytes) -> Beacon:
    """Validate a received datagram; BeaconError saying what is wrong."""
    if len(data) > MAX_BEACON_BYTES:
        raise BeaconError(f"datagram of {len(data)} bytes (at most {MAX_BEACON_BYTES})")
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BeaconError("not a UTF-8 JSON object") from None
    if not isinstance(payload, dict):
        raise BeaconError("not a UTF-8 JSON object")
    if payload.get("kind") != BEACON_KIND:
        raise BeaconError(f"'kind' is not {BEACON_KIND!r}")
    if payload.get("v") != BEACON_VERSION:
        raise BeaconError(f"unsupported version {_show(payload.get('v'))}")
    identifier, nick, host = (_text(payload, key) for key in ("identifier", "nick", "host"))
    http_port, internal_port = (_port(payload, key) for key in ("http_port", "internal_port"))
    stereotypes = _stereotypes(payload.get("stereotypes"))
    try:
        instance, _ = parse_instance_item(f"<{nick}>{host}:{http_port}:{internal_port}", 0)
    except ConfigError as exc:
        raise BeaconError(exc.reason.replace("item ", "instance ", 1)) from None
    if instance.identifier != identifier:
        raise BeaconError(f"identifier {identifier!r} is not {instance.identifier!r} (host:port)")
    return Beacon(identifier, nick, host, http_port, internal_port, stereotypes)


def _text(payload: dict[str, object], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_LENGTH:
        raise BeaconError(f"{key!r} must be a non-empty string, got {_show(value)}")
    return value


def _port(payload: dict[str, object], key: str) -> int:
    value = payload.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise BeaconError(f"{key!r} must be an integer in [1;65535], got {_show(value)}")
    return value


def _stereotypes(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_STEREOTYPES:
        raise BeaconError(f"'stereotypes' must be a list of at most {MAX_STEREOTYPES} names")
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_NAME_LENGTH:
            raise BeaconError(f"stereotype {_show(item)} is not a non-empty string")
    return tuple(dict.fromkeys(value))


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
