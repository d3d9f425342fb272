"""The CURVE-secured bus on real ZeroMQ sockets over 127.0.0.1 (issue 9, docs/security.md).

Each test builds buses with their own key folders; nothing is mocked. Receptions and refusals
are awaited with deadlines; "nothing arrives" is checked while the other direction proves the
link would have carried it.
"""

from __future__ import annotations

import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zmq

from supvisors_ext.keys import BusKeys, load_bus_keys
from supvisors_ext.messages import ProcessRemovedMessage, TickMessage, encode
from supvisors_ext.net.bus import Bus
from supvisors_ext.net.bus_security import AuthRefused, RefusalLimiter
from supvisors_ext.net.bus_thread import THREAD_NAME, BusFailure, Inbound, PeerEndpoint
from supvisors_ext.tools.keygen import create_key_pair
from tests.component.test_bus import free_port

HOST = "127.0.0.1"
DEADLINE = 5.0


def tick(identifier: str, counter: int) -> TickMessage:
    return TickMessage(identifier, 1.0, identifier, counter, 1e9, 1.0, 1, 2, ())


@dataclass
class Node:
    name: str
    port: int
    bus: Bus
    inbox: queue.Queue[object]

    @property
    def endpoint(self) -> PeerEndpoint:
        return PeerEndpoint(self.name, HOST, self.port)

    def drain(self) -> list[object]:
        items = []
        while True:
            try:
                items.append(self.inbox.get_nowait())
            except queue.Empty:
                return items


class KeyStore:
    """Key pairs in `root/secrets`; each instance gets its own public keys folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.secrets = root / "secrets"
        self.secrets.mkdir()

    def pair(self, name: str) -> Path:
        """The secret file of `name` (created at first use)."""
        secret = self.secrets / f"{name}.key_secret"
        if not secret.exists():
            create_key_pair(str(self.secrets), name)
        return secret

    def keys(self, name: str, trusted: dict[str, str], secret_of: str | None = None) -> BusKeys:
        """BusKeys of `name`: its folder holds `<peer>.key`, copied from trusted[peer]'s pair."""
        folder = self.root / f"public-{name}-{len(list(self.root.iterdir()))}"
        folder.mkdir()
        for peer, owner in trusted.items():
            self.pair(owner)
            shutil.copy(self.secrets / f"{owner}.key", folder / f"{peer}.key")
        secret = self.pair(secret_of or name)
        return load_bus_keys(str(secret), str(folder), [(peer, peer) for peer in trusted])


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path)


@pytest.fixture
def make_node() -> Iterator[Callable[..., Node]]:
    buses: list[Bus] = []

    def factory(
        name: str, keys: BusKeys | None, peers: tuple[Node, ...] = (), port: int | None = None
    ) -> Node:
        inbox: queue.Queue[object] = queue.Queue()
        port = port or free_port()
        endpoints = [peer.endpoint for peer in peers]
        bus = Bus(port, endpoints, inbox, lambda: None, bind_host=HOST, keys=keys)
        buses.append(bus)
        return Node(name, port, bus, inbox)

    yield factory
    for bus in buses:
        bus.stop()
    assert not [thread for thread in threading.enumerate() if thread.name == THREAD_NAME]


def exchange(a: Node, b: Node, until: Callable[[list[object], list[object]], bool]) -> tuple:
    """Publish ticks both ways until `until(items of a, items of b)`; return all items."""
    got_a: list[object] = []
    got_b: list[object] = []
    deadline = time.monotonic() + DEADLINE
    counter = 0
    while not until(got_a, got_b):
        assert time.monotonic() < deadline, f"a got {got_a[-3:]}, b got {got_b[-3:]}"
        counter += 1
        a.bus.publish(tick(a.name, counter))
        b.bus.publish(tick(b.name, counter))
        time.sleep(0.02)  # pacing of the publications, not a wait for a result
        got_a += a.drain()
        got_b += b.drain()
    return got_a, got_b


def exchange_for(a: Node, b: Node, seconds: float) -> tuple:
    """Publish ticks both ways for `seconds`; return what each inbox got meanwhile."""
    end = time.monotonic() + seconds
    return exchange(a, b, lambda _x, _y: time.monotonic() >= end)


def inbound_from(items: list[object], sender: str) -> list[object]:
    return [i for i in items if isinstance(i, Inbound) and i.message.identifier == sender]


def refusals(items: list[object]) -> list[AuthRefused]:
    return [item for item in items if isinstance(item, AuthRefused)]


def test_secured_peers_exchange_messages(store: KeyStore, make_node: Callable[..., Node]) -> None:
    a = make_node("a", store.keys("a", {"b": "b"}))
    b = make_node("b", store.keys("b", {"a": "a"}), peers=(a,))
    a.bus.connect(b.endpoint)
    a.bus.start()
    b.bus.start()
    got_a, got_b = exchange(a, b, lambda x, y: bool(inbound_from(x, "b") and inbound_from(y, "a")))
    assert not refusals(got_a + got_b)


def test_subscriber_with_an_unlisted_key_is_refused_and_reported_once(
    store: KeyStore, make_node: Callable[..., Node]
) -> None:
    # a does not list b's key; b trusts a: b's subscription to a is refused by a's ZAP
    a = make_node("a", store.keys("a", {"c": "c"}))
    b = make_node("b", store.keys("b", {"a": "a"}), peers=(a,))
    a.bus.start()
    b.bus.start()
    got_a, got_b = exchange(a, b, lambda x, y: bool(refusals(x) and refusals(y)))
    # both sides say why, naming the peer's address; b hears nothing from a
    [refused] = refusals(got_a)
    assert refused.address == HOST
    assert "unknown CURVE key" in refused.reason
    [seen_by_b] = refusals(got_b)
    assert seen_by_b.address == f"tcp://{HOST}:{a.port}"
    assert "refused our key" in seen_by_b.reason
    assert not inbound_from(got_b, "a")
    # b keeps retrying, but the refusal is reported once per period
    more_a, more_b = exchange_for(a, b, 1.0)
    assert not refusals(more_a) and not refusals(more_b)


def test_publisher_without_the_listed_secret_key_cannot_inject(
    store: KeyStore, make_node: Callable[..., Node]
) -> None:
    # "b" runs with a rogue key pair while a expects b's listed key: a's SUB refuses it
    a_keys = store.keys("a", {"b": "b"})
    rogue = make_node("b", store.keys("b", {"a": "a"}, secret_of="rogue"))
    a = make_node("a", a_keys, peers=(rogue,))
    rogue.bus.connect(a.endpoint)
    a.bus.start()
    rogue.bus.start()
    impostor = f"tcp://{HOST}:{rogue.port}"
    got_a, _ = exchange(a, rogue, lambda x, y: impostor in {i.address for i in refusals(x)})
    reasons = {item.address: item.reason for item in refusals(got_a)}
    assert "CURVE handshake with the bus publisher failed" in reasons[impostor]
    for _ in range(20):
        rogue.bus.publish(ProcessRemovedMessage("b", 1.0, "group", "name"))
    got_a, _ = exchange_for(a, rogue, 1.0)
    assert not inbound_from(got_a + a.drain(), "b")


def test_plain_publisher_cannot_inject(store: KeyStore, make_node: Callable[..., Node]) -> None:
    raw_port = free_port()
    a = make_node("a", store.keys("a", {"raw": "raw"}), peers=())
    a.bus.connect(PeerEndpoint("raw", HOST, raw_port))
    a.bus.start()
    with zmq.Context() as context:
        pub = context.socket(zmq.PUB)
        try:
            pub.setsockopt(zmq.LINGER, 0)
            pub.bind(f"tcp://{HOST}:{raw_port}")
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:  # long enough for many reconnections
                pub.send_multipart(encode(tick("raw", 1)))
                time.sleep(0.02)
        finally:
            pub.close(linger=0)
    assert not inbound_from(a.drain(), "raw")


def test_plain_subscriber_gets_nothing_from_a_secured_publisher(
    store: KeyStore, make_node: Callable[..., Node]
) -> None:
    a = make_node("a", store.keys("a", {"b": "b"}))
    a.bus.start()
    with zmq.Context() as context:
        sub = context.socket(zmq.SUB)
        try:
            sub.setsockopt(zmq.LINGER, 0)
            sub.setsockopt(zmq.SUBSCRIBE, b"")
            sub.setsockopt(zmq.RCVTIMEO, 20)
            sub.connect(f"tcp://{HOST}:{a.port}")
            received = 0
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                a.bus.publish(tick("a", 1))
                try:
                    sub.recv_multipart()
                    received += 1
                except zmq.Again:
                    pass
        finally:
            sub.close(linger=0)
    # the mechanism mismatch ends the greeting before any ZAP request: nothing to report
    assert received == 0


def test_listed_peer_without_key_is_not_subscribed(
    store: KeyStore, make_node: Callable[..., Node]
) -> None:
    b = make_node("b", store.keys("b", {"a": "a"}))
    a = make_node("a", store.keys("a", {}), peers=(b,))
    a.bus.start()
    deadline = time.monotonic() + DEADLINE
    while not (found := refusals(a.drain())):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert found[0].address == f"tcp://{HOST}:{b.port}"
    assert "no public key for b" in found[0].reason


def test_secret_file_whose_public_key_does_not_match_fails_the_bus(
    store: KeyStore, make_node: Callable[..., Node]
) -> None:
    keys = store.keys("a", {})
    other = store.keys("x", {})
    broken = BusKeys(other.public_key, keys.secret_key, (), frozenset(), ())
    a = make_node("a", broken)
    a.bus.start()
    item = a.inbox.get(timeout=DEADLINE)
    assert isinstance(item, BusFailure)
    assert "bus_secret_key_file" in item.reason


def test_subscribers_cycling_keys_are_reported_once_per_address(
    store: KeyStore, make_node: Callable[..., Node]
) -> None:
    a_keys = store.keys("a", {"b": "b"})
    a = make_node("a", a_keys)
    a.bus.start()
    with zmq.Context() as context:
        subs = []
        try:
            for _ in range(5):  # five unknown keys from the same address
                public, secret = zmq.curve_keypair()
                sub = context.socket(zmq.SUB)
                subs.append(sub)
                sub.setsockopt(zmq.LINGER, 0)
                sub.setsockopt(zmq.CURVE_PUBLICKEY, public)
                sub.setsockopt(zmq.CURVE_SECRETKEY, secret)
                sub.setsockopt(zmq.CURVE_SERVERKEY, a_keys.public_key)
                sub.setsockopt(zmq.SUBSCRIBE, b"")
                sub.connect(f"tcp://{HOST}:{a.port}")
            items: list[object] = []
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:  # every one retries meanwhile
                a.bus.publish(tick("a", 1))
                time.sleep(0.05)
                items += a.drain()
        finally:
            for sub in subs:
                sub.close(linger=0)
    refused = refusals(items)
    assert len(refused) == 1 and refused[0].address == HOST


def test_refusal_limiter_period_and_pruning() -> None:
    limiter = RefusalLimiter(period=60.0)
    assert limiter.due("h", "zap", now=0.0)
    assert not limiter.due("h", "zap", now=59.0)
    assert limiter.due("h", "other", now=59.0)
    assert limiter.due("h", "zap", now=60.0)
    for index in range(RefusalLimiter.MAX_ENTRIES + 10):
        limiter.due(f"10.0.{index // 256}.{index % 256}", "zap", now=1000.0 + index)
    assert len(limiter._last) <= RefusalLimiter.MAX_ENTRIES
