"""The bus on real ZeroMQ sockets over 127.0.0.1 random ports; no mocks, no blind sleeps."""

from __future__ import annotations

import json
import queue
import random
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import pytest
import zmq

from supvisors_ext.messages import (
    MAX_FRAME_BYTES,
    Message,
    ProcessRemovedMessage,
    StateMessage,
    TickMessage,
    encode,
)
from supvisors_ext.net.bus import Bus
from supvisors_ext.net.bus_thread import (
    THREAD_NAME,
    BusFailure,
    BusReady,
    Dropped,
    HeartbeatPlan,
    Inbound,
    PeerEndpoint,
    PeerSilent,
)
from tests.message_samples import sample_messages, tick

HOST = "127.0.0.1"
DEADLINE = 5.0


def free_port() -> int:
    """A bindable port below the ephemeral range: no outgoing connection can take it meanwhile."""
    for _ in range(100):
        port = random.randrange(20_000, 32_000)
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as zmq binds
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port")


@dataclass
class Node:
    """One bus with its inbox and wakeup flag, as the main thread of one instance would hold."""

    identifier: str
    port: int
    bus: Bus
    inbox: queue.Queue[object] = field(default_factory=queue.Queue)
    woken: threading.Event = field(default_factory=threading.Event)

    @property
    def endpoint(self) -> PeerEndpoint:
        return PeerEndpoint(self.identifier, HOST, self.port)


def get_until(node: Node, accept: Callable[[object], bool], timeout: float = DEADLINE) -> object:
    """First inbox item accepted, skipping the others; fails at the deadline."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            item = node.inbox.get(timeout=remaining)
        except queue.Empty:
            break
        if accept(item):
            return item
    raise AssertionError(f"{node.identifier}: nothing accepted within {timeout} s")


def is_warmup(item: object) -> bool:
    return isinstance(item, Inbound) and getattr(item.message, "stereotypes", None) == ("warmup",)


def warm_up(sender: Node, receiver: Node) -> None:
    """Publish until the receiver gets one: ZMQ SUB misses what is sent before it is connected."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        sender.bus.publish(tick(sender.identifier, 0, ("warmup",)))
        try:
            item = receiver.inbox.get(timeout=0.05)
        except queue.Empty:
            continue
        if is_warmup(item) and item.message.identifier == sender.identifier:  # type: ignore[attr-defined]
            return
    raise AssertionError(f"{receiver.identifier} never heard {sender.identifier}")


@pytest.fixture
def make_node() -> Iterator[Callable[..., Node]]:
    buses: list[Bus] = []

    def factory(name: str, peers: tuple[Node, ...] = (), port: int | None = None) -> Node:
        port = port or free_port()
        inbox: queue.Queue[object] = queue.Queue()
        woken = threading.Event()
        endpoints = [peer.endpoint for peer in peers]
        bus = Bus(port, endpoints, inbox, woken.set, bind_host=HOST)
        buses.append(bus)
        return Node(f"{HOST}:{name}", port, bus, inbox, woken)

    yield factory
    for bus in buses:
        bus.stop()
    assert not bus_threads()


def bus_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == THREAD_NAME]


def mesh(make_node: Callable[..., Node], count: int) -> list[Node]:
    """`count` started nodes, each connected to all the others and warmed up."""
    nodes = [make_node(str(index)) for index in range(count)]
    for node in nodes:
        node.bus.start()
    for node in nodes:
        for peer in nodes:
            if peer is not node:
                node.bus.connect(peer.endpoint)
    for sender in nodes:
        for receiver in nodes:
            if receiver is not sender:
                warm_up(sender, receiver)
    return nodes


def test_three_buses_exchange_every_message_type(make_node: Callable[..., Node]) -> None:
    nodes = mesh(make_node, 3)
    # every wake-up flag is cleared before anybody publishes: clearing a node's flag after its
    # peers have published could erase the wake-up their messages caused
    for node in nodes:
        node.woken.clear()
    for node in nodes:
        for message in sample_messages(node.identifier):
            node.bus.publish(message)
    for receiver in nodes:
        expected = [m for n in nodes if n is not receiver for m in sample_messages(n.identifier)]
        received: list[Message] = []
        while len(received) < len(expected):
            item = get_until(receiver, lambda item: not is_warmup(item))
            assert isinstance(item, Inbound), item
            received.append(item.message)
        assert sorted(map(repr, received)) == sorted(map(repr, expected))
        # the wake-up follows the batch put on the inbox: the items can be read before it
        assert receiver.woken.wait(5.0)
        assert receiver.bus.dropped_count == 0


def test_peers_given_at_construction(make_node: Callable[..., Node]) -> None:
    first = make_node("a")
    second = make_node("b", peers=(first,))
    first.bus.start()
    second.bus.start()
    warm_up(first, second)
    first.bus.publish(sample_messages(first.identifier)[3])
    item = get_until(second, lambda item: not is_warmup(item))
    assert item == Inbound(sample_messages(first.identifier)[3])


def test_connect_right_after_start(make_node: Callable[..., Node]) -> None:
    sender, receiver = make_node("a"), make_node("b")
    sender.bus.start()
    receiver.bus.start()
    receiver.bus.connect(sender.endpoint)  # queued on the PAIR before the bus thread binds it
    warm_up(sender, receiver)
    assert receiver.bus.running and receiver.bus.dropped_count == 0


def test_disconnect_stops_delivery(make_node: Callable[..., Node]) -> None:
    receiver, kept, dropped = mesh(make_node, 3)
    receiver.bus.disconnect(dropped.identifier)
    quiet_run, counter = 0, 0
    deadline = time.monotonic() + DEADLINE
    # both peers keep publishing; once the disconnect is applied only `kept` is heard
    while quiet_run < 30:
        assert time.monotonic() < deadline, "still hearing the disconnected peer"
        counter += 1
        dropped.bus.publish(tick(dropped.identifier, counter))
        kept.bus.publish(tick(kept.identifier, counter))
        item = get_until(receiver, lambda i: isinstance(i, Inbound) and not is_warmup(i))
        sender = item.message.identifier  # type: ignore[attr-defined]
        quiet_run = 0 if sender == dropped.identifier else quiet_run + 1


def test_malformed_input_is_dropped_and_bus_survives(make_node: Callable[..., Node]) -> None:
    raw_port = free_port()
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    raw = context.socket(zmq.PUB)
    try:
        raw.setsockopt(zmq.LINGER, 0)
        raw.bind(f"tcp://{HOST}:{raw_port}")
        node = make_node("a")
        node.bus.start()
        node.bus.connect(PeerEndpoint("raw", HOST, raw_port))
        _warm_up_raw(raw, node)
        valid = json.loads(encode(tick("raw", 5))[1])
        cases = [
            ([b"TICK"], "expected 2 frames, got 1"),
            ([b"TICK", b"{}", b"{}"], "expected 2 frames, got 3"),
            ([b"BOGUS", b"{}"], "unknown topic"),
            ([b"TICK", b"\x00\x9f garbage"], "not UTF-8"),
            ([b"TICK", encode(tick("raw", 5))[1][:20]], "payload is not JSON"),
            ([b"TICK", json.dumps({**valid, "v": 1}).encode()], "unsupported protocol version 1"),
            ([b"TICK", json.dumps({**valid, "http_port": True}).encode()], "'http_port' must be"),
        ]
        for frames, reason in cases:
            raw.send_multipart(frames)
            item = get_until(node, lambda item: isinstance(item, Dropped))
            assert isinstance(item, Dropped) and reason in item.reason, (item, reason)
        assert isinstance(item, Dropped) and item.sender == "raw"  # the last case claims one
        raw.send_multipart(encode(tick("raw", 6)))
        item = get_until(node, lambda item: isinstance(item, Inbound) and not is_warmup(item))
        assert item == Inbound(tick("raw", 6))
    finally:
        raw.close(linger=0)
        context.term()


def test_link_cut_by_an_oversized_frame_is_restored(make_node: Callable[..., Node]) -> None:
    raw_port = free_port()
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    raw = context.socket(zmq.PUB)
    try:
        raw.setsockopt(zmq.LINGER, 0)
        raw.bind(f"tcp://{HOST}:{raw_port}")
        node = make_node("a")
        node.bus.start()
        node.bus.connect(PeerEndpoint("raw", HOST, raw_port))
        _warm_up_raw(raw, node)
        # over MAXMSGSIZE: zmq cuts the link on a protocol error and never reconnects by itself
        raw.send_multipart([b"TICK", b"x" * (3 * MAX_FRAME_BYTES)])
        _warm_up_raw(raw, node)
    finally:
        raw.close(linger=0)
        context.term()


def _warm_up_raw(raw: zmq.Socket[bytes], node: Node) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        raw.send_multipart(encode(tick("raw", 0, ("warmup",))))
        try:
            if is_warmup(node.inbox.get(timeout=0.05)):
                return
        except queue.Empty:
            pass
    raise AssertionError("raw publisher never heard")


def test_bind_failure_is_reported_and_stop_is_clean(make_node: Callable[..., Node]) -> None:
    with socket.socket() as blocker:
        blocker.bind((HOST, 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        node = make_node("a", port=port)
        node.bus.start()
        item = get_until(node, lambda item: True)
        assert item == BusFailure(f"cannot bind bus port {port}: Address already in use")
        assert node.woken.wait(5.0)  # the wake-up follows the item put on the inbox
        node.bus.publish(tick(node.identifier, 1))  # the thread is gone: dropped, never raised
        node.bus.stop()
        node.bus.stop()
        assert not node.bus.running and not bus_threads()
        node.bus.publish(tick(node.identifier, 2))
        assert node.bus.dropped_count >= 1
        assert not any(isinstance(item, BusReady) for item in drain(node.inbox))  # stays OFF


def test_a_bound_bus_says_it_is_ready(make_node: Callable[..., Node]) -> None:
    node = make_node("a")
    node.bus.start()
    assert get_until(node, lambda item: True) == BusReady()  # first item: the plugin may go on
    assert node.woken.wait(5.0)


def test_stop_before_start_and_publish_before_start(make_node: Callable[..., Node]) -> None:
    node = make_node("a")
    node.bus.stop()
    node.bus.publish(tick(node.identifier, 1))
    assert node.bus.dropped_count == 1 and not node.bus.running


def test_start_twice_is_refused(make_node: Callable[..., Node]) -> None:
    node = make_node("a")
    node.bus.start()
    with pytest.raises(RuntimeError, match="already started"):
        node.bus.start()


def test_stop_joins_fast_and_cycles_like_reloads(make_node: Callable[..., Node]) -> None:
    first, second = make_node("a"), make_node("b")
    for cycle in range(4):  # the same ports and Bus objects, as after a supervisord reload
        first.bus.start()
        second.bus.start()
        second.bus.connect(first.endpoint)
        warm_up(first, second)
        assert len(bus_threads()) == 2
        started = time.monotonic()
        first.bus.stop()
        second.bus.stop()
        assert time.monotonic() - started < 2.0, f"cycle {cycle}: stop too slow"
        assert not bus_threads() and not first.bus.running


def test_latency_of_200_messages(make_node: Callable[..., Node]) -> None:
    sender, receiver = mesh(make_node, 2)
    latencies = []
    for counter in range(1, 201):
        started = time.perf_counter()
        sender.bus.publish(tick(sender.identifier, counter))
        item = get_until(receiver, lambda i: isinstance(i, Inbound) and not is_warmup(i))
        latencies.append(time.perf_counter() - started)
        assert item.message.sequence_counter == counter  # type: ignore[attr-defined]
    latencies.sort()
    print(
        f"\nbus latency over {len(latencies)} messages: "
        f"median {statistics.median(latencies) * 1e3:.3f} ms, "
        f"p95 {latencies[189] * 1e3:.3f} ms, max {latencies[-1] * 1e3:.3f} ms"
    )


def test_unusable_peer_address_is_reported(make_node: Callable[..., Node]) -> None:
    sender, receiver = make_node("a"), make_node("b")
    sender.bus.start()
    receiver.bus.start()
    receiver.bus.connect(PeerEndpoint("bad", "bad host!", 1))
    item = get_until(receiver, lambda item: not isinstance(item, BusReady))
    assert item == Dropped("cannot connect to tcp://bad host!:1: Invalid argument", "bad")
    receiver.bus.connect(sender.endpoint)
    warm_up(sender, receiver)


def test_failing_wakeup_ends_the_thread_with_a_failure() -> None:
    inbox: queue.Queue[object] = queue.Queue()

    def wakeup() -> None:
        raise RuntimeError("pipe closed")

    sender_port = free_port()
    bus = Bus(free_port(), [PeerEndpoint("a", HOST, sender_port)], inbox, wakeup, bind_host=HOST)
    sender = Bus(sender_port, [], queue.Queue(), lambda: None, bind_host=HOST)
    try:
        bus.start()
        sender.start()
        failure = None
        deadline = time.monotonic() + DEADLINE
        while failure is None:  # the first urgent message calls wakeup, which kills the thread
            assert time.monotonic() < deadline, "no BusFailure"
            sender.publish(ProcessRemovedMessage("a", 1.0, "group", "name"))
            try:
                item = inbox.get(timeout=0.05)
            except queue.Empty:
                continue
            failure = item if isinstance(item, BusFailure) else None
        assert failure == BusFailure("bus thread failed: RuntimeError('pipe closed')")
    finally:
        bus.stop()
        sender.stop()
    assert not bus_threads()


def drain(inbox: queue.Queue[object]) -> list[object]:
    items = []
    while not inbox.empty():
        items.append(inbox.get_nowait())
    return items


def start_ready(bus: Bus, inbox: queue.Queue[object], woken: threading.Event) -> None:
    """Start a bus and take its BusReady and the wake-up that comes with it."""
    bus.start()
    deadline = time.monotonic() + DEADLINE
    while not isinstance(inbox.get(timeout=DEADLINE), BusReady):
        assert time.monotonic() < deadline, "no BusReady"
    assert woken.wait(DEADLINE)
    woken.clear()


def later_tick(item: object) -> bool:
    return (
        isinstance(item, Inbound)
        and isinstance(item.message, TickMessage)
        and item.message.sequence_counter >= 2
    )


def test_routine_heartbeats_do_not_wake_the_main_thread() -> None:
    inbox: queue.Queue[object] = queue.Queue()
    woken = threading.Event()
    sender_port = free_port()
    bus = Bus(free_port(), [PeerEndpoint("a", HOST, sender_port)], inbox, woken.set, bind_host=HOST)
    sender = Bus(sender_port, [], queue.Queue(), lambda: None, bind_host=HOST)
    try:
        start_ready(bus, inbox, woken)
        sender.start()
        deadline = time.monotonic() + DEADLINE
        while not woken.is_set():  # a sender's first tick starts a handshake: urgent
            assert time.monotonic() < deadline, "first tick did not wake"
            sender.publish(tick("a", 1))
            woken.wait(0.02)
        # more copies of tick 1 may still be on their way, and they are urgent (the counter did
        # not grow): wait until a later tick arrives, which comes after them, then clear
        counter = 2
        while not any(later_tick(item) for item in drain(inbox)):
            assert time.monotonic() < deadline, "no later tick delivered"
            sender.publish(tick("a", counter))
            counter += 1
            woken.wait(0.02)
        woken.clear()
        drain(inbox)
        while inbox.empty():  # later ticks are queued for the next local tick...
            assert time.monotonic() < deadline, "no tick delivered"
            sender.publish(tick("a", counter))
            counter += 1
            woken.wait(0.02)  # paces the publishing; must stay unset
        assert not woken.is_set()
        sender.publish(tick("a", 0))  # ...but a counter that went back (a restart) is urgent
        assert woken.wait(DEADLINE)
        woken.clear()
        # a new run id (a quick reload) is urgent too, even with a counter that went up
        sender.publish(tick("a", counter + 1, run_id="new-run"))
        assert woken.wait(DEADLINE)
        woken.clear()
        while not woken.is_set():  # anything else is handed over at once
            assert time.monotonic() < deadline, "no wake-up"
            sender.publish(ProcessRemovedMessage("a", 1.0, "group", "name"))
            woken.wait(0.05)
    finally:
        bus.stop()
        sender.stop()


def test_unchanged_state_refresh_does_not_wake_the_main_thread() -> None:
    """A STATE equal to the sender's previous one is queued without a wake-up; a changed one
    wakes the main thread at once (docs/design/bus.md#wake-ups)."""
    inbox: queue.Queue[object] = queue.Queue()
    woken = threading.Event()
    sender_port = free_port()
    bus = Bus(free_port(), [PeerEndpoint("a", HOST, sender_port)], inbox, woken.set, bind_host=HOST)
    sender = Bus(sender_port, [], queue.Queue(), lambda: None, bind_host=HOST)
    state = next(m for m in sample_messages("a") if isinstance(m, StateMessage))
    changed = StateMessage("a", 5.0, replace(state.state_modes, starting_jobs=True))

    def delivered(message: StateMessage) -> Callable[[object], bool]:
        return lambda item: isinstance(item, Inbound) and item.message == message

    try:
        start_ready(bus, inbox, woken)
        sender.start()
        deadline = time.monotonic() + DEADLINE
        while not woken.is_set():  # the first STATE of a sender is news
            assert time.monotonic() < deadline, "first STATE did not wake"
            sender.publish(state)
            woken.wait(0.02)
        # copies of it still on their way are not news: once one is seen after the clear,
        # the same STATE again must not wake
        woken.clear()
        refresh = StateMessage("a", 4.5, state.state_modes)
        seen = False
        while not seen:
            assert time.monotonic() < deadline, "refresh not delivered"
            sender.publish(refresh)
            woken.wait(0.02)
            seen = any(delivered(refresh)(item) for item in drain(inbox))
        assert not woken.is_set()
        while not woken.is_set():  # a change is handed over at once
            assert time.monotonic() < deadline, "changed STATE did not wake"
            sender.publish(changed)
            woken.wait(0.02)
    finally:
        bus.stop()
        sender.stop()


def heartbeat(identifier: str, port: int, run_id: str, inactivity: int) -> HeartbeatPlan:
    return HeartbeatPlan(identifier, identifier, 1, port, ("server",), run_id, 0.05, inactivity)


def beating_alone(identifier: str, port: int, run_id: str) -> Bus:
    """A bus that beats and listens to nobody (its inbox is not read)."""
    plan = heartbeat(identifier, port, run_id, 3)
    return Bus(port, [], queue.Queue(), lambda: None, bind_host=HOST, heartbeat=plan)


def silent(item: object) -> bool:
    return isinstance(item, PeerSilent)


def test_the_bus_thread_beats_and_reports_a_silent_peer_once() -> None:
    """The heartbeat of docs/design/bus.md#heartbeat, on two real buses."""
    port_a, port_b = free_port(), free_port()
    id_a, id_b = f"{HOST}:a", f"{HOST}:b"
    inbox_b: queue.Queue[object] = queue.Queue()
    woken_b = threading.Event()
    # b is lenient (40 beats = 2 s: no false silence on a loaded machine), a is not watched
    bus_b = Bus(
        port_b,
        [PeerEndpoint(id_a, HOST, port_a)],
        inbox_b,
        woken_b.set,
        bind_host=HOST,
        heartbeat=heartbeat(id_b, port_b, "run-b", 40),
    )
    bus_a = beating_alone(id_a, port_a, "run-1")
    node_b = Node(id_b, port_b, bus_b, inbox_b, woken_b)
    try:
        bus_b.start()
        bus_a.start()
        # a's ticks arrive by themselves, counted from 1, with what a peer needs to know
        first = get_until(node_b, lambda item: isinstance(item, Inbound))
        assert isinstance(first, Inbound) and isinstance(first.message, TickMessage)
        assert (first.message.identifier, first.message.run_id) == (id_a, "run-1")
        assert first.message.stereotypes == ("server",) and first.message.internal_port == port_a
        counters = [first.message.sequence_counter]
        while len(counters) < 10:
            item = get_until(node_b, lambda item: isinstance(item, (Inbound, PeerSilent)))
            assert not silent(item), f"{id_a} reported silent while it beats: {item}"
            assert isinstance(item, Inbound) and isinstance(item.message, TickMessage)
            counters.append(item.message.sequence_counter)
        assert counters == sorted(counters) and len(set(counters)) == len(counters)
        # a forged sender is never watched; a real one that stops is reported, once
        bus_a.publish(tick("ghost", 1))
        bus_a.stop()
        report = get_until(node_b, silent)
        assert report == PeerSilent(id_a, 41)
        woken_b.clear()
        bus_a = beating_alone(id_a, port_a, "run-2")
        bus_a.start()
        # back: its first tick is urgent (woken) and silence can be reported again later
        back = get_until(node_b, lambda item: isinstance(item, Inbound))
        assert isinstance(back, Inbound) and back.message.identifier == id_a
        assert woken_b.wait(DEADLINE)
        bus_a.stop()
        assert get_until(node_b, silent) == PeerSilent(id_a, 41)
        assert not any(silent(item) for item in drain(inbox_b))
    finally:
        bus_a.stop()
        bus_b.stop()


def test_a_heartbeat_plan_is_checked() -> None:
    with pytest.raises(ValueError, match="period must be positive"):
        HeartbeatPlan("a", "a", 1, 2, (), "", 0.0, 3)
    with pytest.raises(ValueError, match="inactivity_ticks must be at least 1"):
        HeartbeatPlan("a", "a", 1, 2, (), "", 0.2, 0)
