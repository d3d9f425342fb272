"""Discovery mode (docs/configuration.md#discovery-mode): beacon datagrams, the thread's
reporting rules, the context growing at run time and PeerSync admitting discovered instances.
No socket here."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.membership import Membership, PeerTick
from supvisors_ext.config import Multicast, parse_config
from supvisors_ext.faults import Fault
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.model import InstanceId, InstanceStates
from supvisors_ext.net import beacon as beacon_module
from supvisors_ext.net.beacon import (
    MAX_BEACON_BYTES,
    Beacon,
    BeaconError,
    decode_beacon,
    encode_beacon,
)
from supvisors_ext.net.discovery import (
    DROP_REPORT_PERIOD,
    REPORT_PERIOD,
    Discovered,
    Discovery,
    DiscoveryDropped,
    DiscoveryFailure,
)
from supvisors_ext.net.peers import PeerReply
from supvisors_ext.rules import load_rules
from supvisors_ext.runtime.sync import PeerSync
from tests.unit.test_config import make_host

LOCAL = InstanceId("10.0.0.1:61000", "server_1", "10.0.0.1", 61000, 61001)
PEER = InstanceId("10.0.0.2:61000", "server_2", "10.0.0.2", 61000, 61100)
BEACON = Beacon.of(PEER, ("server", "big"))
MULTICAST = Multicast("239.0.0.1", 61234, None, 1)


def payload(**changes: object) -> bytes:
    data = json.loads(encode_beacon(BEACON))
    data.update(changes)
    return json.dumps({key: value for key, value in data.items() if value is not None}).encode()


# ---------------------------------------------------------------- datagram


def test_beacon_round_trip() -> None:
    data = encode_beacon(BEACON)
    assert decode_beacon(data) == BEACON
    assert BEACON.instance == PEER
    assert json.loads(data) == {
        "v": 1,
        "kind": "supvisors_ext.beacon",
        "identifier": "10.0.0.2:61000",
        "nick": "server_2",
        "host": "10.0.0.2",
        "http_port": 61000,
        "internal_port": 61100,
        "stereotypes": ["server", "big"],
    }


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\xff\xfe", "not a UTF-8 JSON object"),
        (b"{", "not a UTF-8 JSON object"),
        (b"[1]", "not a UTF-8 JSON object"),
        (b"[" * 8000, "not a UTF-8 JSON object"),
        (b"x" * (MAX_BEACON_BYTES + 1), "datagram of 8193 bytes (at most 8192)"),
        (payload(kind="other"), "'kind' is not 'supvisors_ext.beacon'"),
        (payload(v=2), "unsupported version 2"),
        (payload(nick=None), "'nick' must be a non-empty string, got None"),
        (payload(host=""), "'host' must be a non-empty string, got ''"),
        (payload(http_port=True), "'http_port' must be an integer in [1;65535], got True"),
        (payload(internal_port=70000), "'internal_port' must be an integer in [1;65535]"),
        (payload(stereotypes="server"), "'stereotypes' must be a list of at most 64 names"),
        (payload(stereotypes=[""]), "stereotype '' is not a non-empty string"),
        (payload(stereotypes=[1]), "stereotype 1 is not a non-empty string"),
        (payload(nick="a b"), "nick 'a b' may contain only letters"),
        (payload(host="h/x", identifier="h/x:61000"), "host 'h/x' may contain only letters"),
        (payload(internal_port=61000), "the internal port 61000 equals the HTTP port"),
        (payload(identifier="other:61000"), "identifier 'other:61000' is not '10.0.0.2:61000'"),
    ],
)
def test_malformed_beacons_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(BeaconError) as info:
        decode_beacon(data)
    assert reason in info.value.reason


def test_beacon_module_is_pure() -> None:
    tree = ast.parse(Path(beacon_module.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    roots = {name.split(".")[0] for name in imported}
    assert roots.isdisjoint({"supervisor", "zmq", "socket", "threading", "os", "time"})


# ---------------------------------------------------------------- what the thread reports


def make_discovery() -> tuple[Discovery, list[object]]:
    items: list[object] = []
    return Discovery(MULTICAST, Beacon.of(LOCAL, ()), 1.0, items.append), items


def test_new_changed_or_old_beacons_are_reported_others_not() -> None:
    discovery, items = make_discovery()
    data = encode_beacon(BEACON)
    discovery.handle_datagram(data, "10.0.0.2", 100.0)
    discovery.handle_datagram(data, "10.0.0.2", 101.0)  # known, unchanged: silent
    assert items == [Discovered(BEACON, "10.0.0.2")]
    changed = Beacon.of(PEER, ("server",))
    discovery.handle_datagram(encode_beacon(changed), "10.0.0.2", 102.0)
    discovery.handle_datagram(encode_beacon(changed), "10.0.0.2", 102.0 + REPORT_PERIOD)
    assert items[1:] == [Discovered(changed, "10.0.0.2")] * 2


def test_own_beacon_is_ignored() -> None:
    discovery, items = make_discovery()
    discovery.handle_datagram(encode_beacon(discovery.beacon), "10.0.0.1", 1.0)
    assert items == []


def test_drops_are_reported_once_per_source_and_period() -> None:
    discovery, items = make_discovery()
    for when in (10.0, 11.0, 10.0 + DROP_REPORT_PERIOD):
        discovery.handle_datagram(b"junk", "10.0.0.9", when)
    discovery.handle_datagram(b"junk", "10.0.0.8", 12.0)
    reason = "not a UTF-8 JSON object"
    assert items == [
        DiscoveryDropped("10.0.0.9", reason),
        DiscoveryDropped("10.0.0.9", reason),
        DiscoveryDropped("10.0.0.8", reason),
    ]


# ---------------------------------------------------------------- context at run time


def test_add_instance_appends_a_stopped_record() -> None:
    context = Context((LOCAL,), LOCAL, load_rules([]))
    record = context.add_instance(PEER, ("server",))
    assert list(context.instances) == [LOCAL.identifier, PEER.identifier]
    assert (record.state, record.stereotypes) == (InstanceStates.STOPPED, ("server",))
    assert [item.identifier for item in context.find_instances("server")] == [PEER.identifier]
    assert context.find_instances("server_2") == [record]


@pytest.mark.parametrize(
    "instance, clash",
    [
        (PEER, "is already known"),
        (InstanceId("10.0.0.3:1", "server_2", "10.0.0.3", 1, 2), "clashes with '10.0.0.2:61000'"),
        (InstanceId("10.0.0.3:1", "10.0.0.2:61000", "10.0.0.3", 1, 2), "clashes with"),
        (InstanceId("server_1", "x", "server_1", 1, 2), "clashes with '10.0.0.1:61000'"),
    ],
)
def test_add_instance_refuses_names_already_taken(instance: InstanceId, clash: str) -> None:
    context = Context((LOCAL, PEER), LOCAL, load_rules([]))
    with pytest.raises(ValueError, match=clash):
        context.add_instance(instance, ())
    assert len(context.instances) == 2


# ---------------------------------------------------------------- PeerSync admission


class RecordingLogger:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __getattr__(self, level: str) -> object:
        return lambda msg: self.lines.append(f"{level.upper()} {msg}")


class FakeCallers:
    def __init__(self) -> None:
        self.added: list[tuple[str, str]] = []

    def add(self, identifier: str, url: str) -> None:
        self.added.append((identifier, url))


class FakeBus:
    def __init__(self) -> None:
        self.connected: list[object] = []

    def connect(self, endpoint: object) -> None:
        self.connected.append(endpoint)


def make_sync() -> tuple[PeerSync, RecordingLogger]:
    options = {
        "supvisors_list": "<server_1>10.0.0.1:61000",
        "multicast_group": "239.0.0.1:61234",
        "core_identifiers": "server",
    }
    config = parse_config(options, make_host(identifier="server_1")).config
    context = Context(config.instances, config.local, load_rules([]))
    membership = Membership(context, strategies=())
    target = RecordingLogger()
    sync = PeerSync(config, context, membership, PluginLogger(target, False), lambda _: None)
    sync.callers, sync.bus = FakeCallers(), FakeBus()  # type: ignore[assignment]
    return sync, target


def test_a_beacon_from_an_unknown_instance_adds_and_connects_it() -> None:
    sync, logger = make_sync()
    assert sync.handle(Discovered(BEACON, "10.0.0.2")) is True
    record = sync.context.instances[PEER.identifier]
    assert (record.id, record.stereotypes, record.state) == (
        PEER,
        BEACON.stereotypes,
        InstanceStates.STOPPED,
    )
    assert sync.callers.added == [(PEER.identifier, "http://10.0.0.2:61000/RPC2")]  # type: ignore[union-attr]
    [endpoint] = sync.bus.connected  # type: ignore[union-attr]
    assert (endpoint.identifier, endpoint.host, endpoint.port) == (
        PEER.identifier,
        "10.0.0.2",
        61100,
    )
    assert logger.lines[-1].startswith("INFO supvisors: discovered server_2 (10.0.0.2:61000")
    # the normal handshake follows from its ticks
    sync.membership.on_local_tick(1.0, 1.0)
    tick = PeerTick(PEER.identifier, 1, 1.0, 1.0, ("server",))
    assert sync.membership.on_peer_tick(tick, 2.0, 2.0) is True
    # known now: nothing more
    assert sync.handle(Discovered(BEACON, "10.0.0.2")) is False
    assert len(sync.callers.added) == 1  # type: ignore[union-attr]


def test_a_clashing_or_inconsistent_beacon_is_ignored_with_one_warning() -> None:
    sync, logger = make_sync()
    clash = Beacon("10.0.0.3:61000", "server_1", "10.0.0.3", 61000, 61001, ())
    assert sync.handle(Discovered(clash, "10.0.0.3")) is False
    assert sync.handle(Discovered(clash, "10.0.0.3")) is False
    warnings = [line for line in logger.lines if line.startswith("WARN")]
    assert len(warnings) == 1 and "clashes with '10.0.0.1:61000'" in warnings[0]
    moved = Beacon(LOCAL.identifier, "server_1", "10.0.0.1", 61000, 61555, ())
    sync.handle(Discovered(moved, "10.0.0.1"))
    assert list(sync.context.instances) == [LOCAL.identifier]


def test_drops_and_failures_are_logged() -> None:
    sync, logger = make_sync()
    for _ in range(3):
        sync.handle(DiscoveryDropped("10.0.0.9", "not a UTF-8 JSON object"))
    sync.handle(DiscoveryFailure("cannot join", True))
    sync.handle(DiscoveryFailure("cannot send", False))
    assert logger.lines == [
        "WARN supvisors: discovery datagram from 10.0.0.9 dropped: not a UTF-8 JSON object",
        "ERROR supvisors: discovery mode off: cannot join",
        "WARN supvisors: cannot send",
    ]


def test_a_peer_not_knowing_us_yet_fails_the_handshake_quietly() -> None:
    sync, logger = make_sync()
    sync.handle(Discovered(BEACON, "10.0.0.2"))
    sync.context.instances[PEER.identifier].state = InstanceStates.CHECKING
    sync.handshakes[7] = PEER.identifier
    fault = Fault(10, "BAD_NAME: no instance, nick or stereotype named 'x'")
    assert sync.handle(PeerReply(PEER.identifier, 7, "handshake", fault=fault)) is True
    assert sync.context.instances[PEER.identifier].state == InstanceStates.STOPPED  # retried
    assert logger.lines[-1].startswith("DEBUG supvisors: handshake with 10.0.0.2:61000 failed")
    # any other failure is a warning, as without discovery
    sync.context.instances[PEER.identifier].state = InstanceStates.CHECKING
    sync.handshakes[8] = PEER.identifier
    sync.handle(PeerReply(PEER.identifier, 8, "handshake", fault=Fault(2, "x")))
    assert logger.lines[-1] == "WARN supvisors: handshake with 10.0.0.2:61000 failed: x; retried"
