"""The bus thread: its sockets, its poll loop, and the items it hands to the main thread.

Part of the ZeroMQ adapter of the internal bus (`bus.py` has the main-thread side and the
threading rules); the only other module that imports zmq with it is `bus_security.py`. The bus
thread never logs and never touches supervisord or the model (docs/design/bus.md).
"""

from __future__ import annotations

import queue
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import zmq

from supvisors_ext.compat import SLOTS
from supvisors_ext.host.thread_names import name_os_thread
from supvisors_ext.keys import BusKeys
from supvisors_ext.message_decoder import decode
from supvisors_ext.messages import (
    MAX_FRAME_BYTES,
    Message,
    MessageError,
    StateMessage,
    StateModes,
    TickMessage,
    encode,
)
from supvisors_ext.net.bus_security import AuthRefused, BusGuard

THREAD_NAME = "supvisors-ext-bus"
PAIR_ADDRESS = "inproc://supvisors-ext-bus"  # inproc names are per context: one context per start
HWM = 10_000  # messages queued per socket before dropping
# backstop only: stop() also sends a command over the PAIR, which wakes the poll at once
POLL_MS = 500
BATCH = 500  # messages handled per socket before polling again (no starvation)
RECONNECT_IVL_MS = 100
RECONNECT_IVL_MAX_MS = 1_000
# a monitor event's first frame: 16-bit event id, 32-bit value, no padding (zmq_socket_monitor);
# parsed here because pyzmq's zmq.utils.monitor imports asyncio (~3 MB of RSS for nothing)
MONITOR_HEAD = struct.Struct("=Hi")
PUBLISH, CONNECT, DISCONNECT, STOP = b"publish", b"connect", b"disconnect", b"stop"


@dataclass(frozen=True, **SLOTS)
class PeerEndpoint:
    """The PUB endpoint of one peer instance."""

    identifier: str
    host: str
    port: int

    def __post_init__(self) -> None:
        if not self.identifier or not self.host:
            raise ValueError(f"peer endpoint needs an identifier and a host: {self!r}")
        if not 1 <= self.port <= 65535:
            raise ValueError(f"peer {self.identifier} port out of range 1..65535: {self.port}")

    @property
    def address(self) -> str:
        return f"tcp://{self.host}:{self.port}"


@dataclass(frozen=True, **SLOTS)
class Inbound:
    """Inbox item: a decoded, valid message from a peer."""

    message: Message


@dataclass(frozen=True, **SLOTS)
class Dropped:
    """Inbox item: malformed input was dropped; for a rate-limited WARN on the main thread."""

    reason: str
    sender: str  # identifier claimed by the input, '' if none


@dataclass(frozen=True, **SLOTS)
class PeerSilent:
    """Inbox item: a peer sent no tick for more than `HeartbeatPlan.inactivity_ticks` of ours
    (reported once per silence; its next tick is handed over at once)."""

    identifier: str
    ticks: int  # our heartbeats since its last tick


@dataclass(frozen=True, **SLOTS)
class HeartbeatPlan:
    """What the bus thread needs to publish our TICK and to watch the peers' ones.

    The heartbeat lives on the bus thread, not on supervisord's main thread, so that a main loop
    busy for a second (hundreds of process records at a large launch) is not taken for a dead
    instance, and so that the main loop may sleep at rest (docs/design/bus.md#heartbeat).
    """

    identifier: str
    nick: str
    http_port: int
    internal_port: int
    stereotypes: tuple[str, ...]
    run_id: str
    period: float  # seconds between two ticks
    inactivity_ticks: int  # a peer silent for more of our ticks than this is reported

    def __post_init__(self) -> None:
        if self.period <= 0:
            raise ValueError(f"heartbeat period must be positive: {self.period!r}")
        if self.inactivity_ticks < 1:
            raise ValueError(f"inactivity_ticks must be at least 1: {self.inactivity_ticks!r}")

    def tick(self, counter: int, now: float, wall: float) -> TickMessage:
        return TickMessage(
            identifier=self.identifier,
            now_monotonic=now,
            nick_identifier=self.nick,
            sequence_counter=counter,
            when=wall,
            when_monotonic=now,
            http_port=self.http_port,
            internal_port=self.internal_port,
            stereotypes=self.stereotypes,
            run_id=self.run_id,
        )


@dataclass(frozen=True, **SLOTS)
class BusReady:
    """Inbox item: the PUB socket is bound and the peers are being connected; until then the
    instance stays OFF (a bind failure gives a BusFailure instead)."""


@dataclass(frozen=True, **SLOTS)
class BusFailure:
    """Inbox item: the bus thread ended on a fatal error (e.g. the bus port cannot be bound)."""

    reason: str


def message_waiting(sock: zmq.Socket[bytes]) -> bool:
    """A message can be received now (ZMQ_EVENTS; an int for this option)."""
    events = sock.getsockopt(zmq.EVENTS)
    return isinstance(events, int) and bool(events & zmq.POLLIN)


def set_common_options(sock: zmq.Socket[bytes]) -> None:
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, HWM)
    sock.setsockopt(zmq.RCVHWM, HWM)


def set_tcp_options(sock: zmq.Socket[bytes]) -> None:
    set_common_options(sock)
    # restarted peers re-join within ~1 s instead of zmq's default back-off
    sock.setsockopt(zmq.RECONNECT_IVL, RECONNECT_IVL_MS)
    sock.setsockopt(zmq.RECONNECT_IVL_MAX, RECONNECT_IVL_MAX_MS)
    sock.setsockopt(zmq.TCP_KEEPALIVE, 1)


class BusWorker:
    """Bus-thread side: owns PUB, SUB and the bus PAIR end from creation to close."""

    def __init__(
        self,
        context: zmq.Context[zmq.Socket[bytes]],
        bind_address: str,
        bind_port: int,
        peers: tuple[PeerEndpoint, ...],
        inbox: queue.SimpleQueue[object],
        wakeup: Callable[[], None],
        stop_event: threading.Event,
        keys: BusKeys | None = None,
        heartbeat: HeartbeatPlan | None = None,
    ) -> None:
        self._context = context
        self._guard = BusGuard(context, keys, self._report)
        self._bind_address = bind_address
        self._bind_port = bind_port
        self._peers = peers
        self._inbox = inbox
        # last (run id, heartbeat counter) per sender
        self._tick_counters: dict[str, tuple[str, int]] = {}
        self._states: dict[str, StateModes] = {}  # last state & modes per sender
        self._wakeup = wakeup
        self._stop_event = stop_event
        self._sockets: list[zmq.Socket[bytes]] = []
        self._connected: dict[str, str] = {}  # identifier -> tcp address
        self._heartbeat = heartbeat
        self._beats = 0  # our ticks published so far
        self._next_beat = 0.0  # monotonic instant of the next one
        self._heard_at: dict[str, int] = {}  # peer -> our beat count at its last tick
        self._silent: set[str] = set()  # peers reported silent and not heard since

    def run(self) -> None:
        """Thread target: serve until stopped; any failure becomes a BusFailure item."""
        name_os_thread()
        try:
            self._run()
        except Exception as exc:  # the thread must end cleanly and say why, never die silently
            self._inbox.put(BusFailure(f"bus thread failed: {exc!r}"))
            try:
                self._wakeup()
            except Exception:  # wakeup itself may be what failed; the item is queued anyway
                pass
        finally:
            for sock in self._sockets:
                sock.close(linger=0)

    def _socket(self, kind: int) -> zmq.Socket[bytes]:
        sock: zmq.Socket[bytes] = self._context.socket(kind)
        self._sockets.append(sock)
        return sock

    def _run(self) -> None:
        pair = self._socket(zmq.PAIR)
        set_common_options(pair)
        pair.bind(PAIR_ADDRESS)
        try:
            zap = self._guard.start()  # before PUB binds: CURVE without ZAP would accept anyone
        except ValueError as exc:
            self._report(BusFailure(str(exc)))
            return
        if zap is not None:
            self._sockets.append(zap)
        pub = self._socket(zmq.PUB)
        set_tcp_options(pub)
        self._guard.secure_publisher(pub)
        try:
            pub.bind(self._bind_address)
        except zmq.ZMQError as exc:
            reason = zmq.strerror(exc.errno or 0)  # exc.strerror would append the endpoint
            self._report(BusFailure(f"cannot bind bus port {self._bind_port}: {reason}"))
            return
        sub = self._socket(zmq.SUB)
        set_tcp_options(sub)
        # frames somewhat over the decode limit still give a Dropped; absurd ones cut the link,
        # which _relink restores
        sub.setsockopt(zmq.MAXMSGSIZE, 2 * MAX_FRAME_BYTES)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        events = zmq.EVENT_DISCONNECTED | self._guard.secure_subscriber(sub)
        # zmq never reconnects a link it cut on a protocol error (such an oversized frame)
        monitor: zmq.Socket[bytes] = sub.get_monitor_socket(events)
        self._sockets.append(monitor)
        for peer in self._peers:
            self._connect(sub, peer.identifier, peer.address)
        self._report(BusReady())
        self._serve(pair, pub, sub, monitor, zap)

    def _serve(
        self,
        pair: zmq.Socket[bytes],
        pub: zmq.Socket[bytes],
        sub: zmq.Socket[bytes],
        monitor: zmq.Socket[bytes],
        zap: zmq.Socket[bytes] | None,
    ) -> None:
        poller = zmq.Poller()
        poller.register(pair, zmq.POLLIN)
        poller.register(sub, zmq.POLLIN)
        poller.register(monitor, zmq.POLLIN)
        if zap is not None:
            poller.register(zap, zmq.POLLIN)
        self._next_beat = time.monotonic()
        while not self._stop_event.is_set():
            ready = dict(poller.poll(self._poll_timeout_ms()))
            if zap is not None and zap in ready:
                self._guard.authenticate(BATCH)
            if sub in ready:
                self._drain_inbound(sub)
            if monitor in ready:
                self._relink(sub, monitor)
            if pair in ready and not self._drain_control(pair, pub, sub):
                return
            if self._heartbeat is not None and time.monotonic() >= self._next_beat:
                self._drain_inbound(sub)  # ticks already received count before the check
                self._beat(self._heartbeat, pub)

    def _poll_timeout_ms(self) -> int:
        if self._heartbeat is None:
            return POLL_MS
        delay = self._next_beat - time.monotonic()
        return max(0, min(POLL_MS, int(delay * 1000) + 1))

    def _beat(self, plan: HeartbeatPlan, pub: zmq.Socket[bytes]) -> None:
        """Publish our TICK, then report the peers silent for too many of our ticks.

        Silence is counted in our ticks, not in seconds: after this process was stopped or
        starved for a while, one tick passes, not many, so no peer is declared silent before
        its queued ticks are read (the schedule skips the missed beats, without a burst)."""
        now = time.monotonic()
        self._beats += 1
        self._next_beat += plan.period
        if self._next_beat <= now:
            self._next_beat = now + plan.period
        try:
            pub.send_multipart(encode(plan.tick(self._beats, now, time.time())), zmq.NOBLOCK)
        except zmq.Again:  # PUB drops at HWM rather than raising; belt and braces
            pass
        silent = [
            identifier
            for identifier, heard_at in self._heard_at.items()
            if identifier not in self._silent and self._beats - heard_at > plan.inactivity_ticks
        ]
        for identifier in silent:
            self._silent.add(identifier)
            self._inbox.put(PeerSilent(identifier, self._beats - self._heard_at[identifier]))
        if silent:
            self._wake()

    def _drain_inbound(self, sub: zmq.Socket[bytes]) -> None:
        """Decode up to a batch of messages into the inbox, then wake the main thread once.

        A batch of heartbeats and unchanged STATE refreshes only does not wake it: ticks just
        feed the liveness counters, which the main thread reads at its own next tick, so
        supervisord's loop is not spun for them (idle CPU); anything else is handed over at once
        (propagation latency).
        """
        count = 0
        urgent = False
        # asked first rather than told by zmq.Again: pyzmq builds that exception at a cost of
        # tens of microseconds, once per wake-up, 30 times a second at rest (issue 18)
        while count < BATCH and message_waiting(sub):
            try:
                frames = sub.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:  # a multipart message is all there or not at all: belt and braces
                break
            count += 1
            item: Inbound | Dropped
            try:
                item = Inbound(decode(frames))
                urgent = self._is_urgent(item.message) or urgent
            except MessageError as exc:
                item = Dropped(exc.reason, exc.sender)
            self._inbox.put(item)
        if urgent:
            self._wake()

    def _is_urgent(self, message: Message) -> bool:
        """Everything but a routine heartbeat or an unchanged STATE refresh: a sender's first
        tick (or one after a silence, or after it restarted: a new run id, or a counter that
        went back) starts a handshake, which must not wait for our next tick; a STATE equal to
        the sender's previous one carries no news (it is still queued, for the next local
        tick)."""
        if isinstance(message, StateMessage):
            last_state = self._states.get(message.identifier)
            self._states[message.identifier] = message.state_modes
            return last_state != message.state_modes
        if not isinstance(message, TickMessage):
            return True
        sender = message.identifier
        back = False
        if sender in self._connected:  # only our peers: a forged name must not grow the table
            self._heard_at[sender] = self._beats
            back = sender in self._silent
            self._silent.discard(sender)
        last = self._tick_counters.get(sender)
        self._tick_counters[sender] = (message.run_id, message.sequence_counter)
        if last is None or back:
            return True
        last_run, last_counter = last
        return message.run_id != last_run or message.sequence_counter <= last_counter

    def _drain_control(
        self, pair: zmq.Socket[bytes], pub: zmq.Socket[bytes], sub: zmq.Socket[bytes]
    ) -> bool:
        """Apply up to a batch of main-thread commands in order; False when told to stop."""
        for _ in range(BATCH):
            try:
                command, *args = pair.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                break
            if command == PUBLISH:
                try:
                    pub.send_multipart(args, zmq.NOBLOCK)
                except zmq.Again:  # PUB drops at HWM rather than raising; belt and braces
                    pass
            elif command == CONNECT:
                identifier, host, port = (arg.decode() for arg in args)
                self._connect(sub, identifier, f"tcp://{host}:{port}")
            elif command == DISCONNECT:
                identifier = args[0].decode()
                self._disconnect(sub, identifier)
                self._heard_at.pop(identifier, None)
                self._silent.discard(identifier)
            elif command == STOP:
                return False
        return True

    def _relink(self, sub: zmq.Socket[bytes], monitor: zmq.Socket[bytes]) -> None:
        """Connect again to every peer whose link was cut: a fresh connect is harmless when zmq
        would have reconnected anyway (peer restart), and vital when it would not."""
        while True:
            try:
                frames = monitor.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            if len(frames) != 2 or len(frames[0]) != MONITOR_HEAD.size:
                continue  # not a monitor event of this libzmq version: nothing to act on
            event, value = MONITOR_HEAD.unpack(frames[0])
            address = frames[1].decode(errors="replace")
            if self._guard.handshake_failed(event, value, address):
                continue
            for identifier, connected in list(self._connected.items()):
                if connected == address:
                    self._disconnect(sub, identifier)
                    self._connect(sub, identifier, address)

    def _connect(self, sub: zmq.Socket[bytes], identifier: str, address: str) -> None:
        if self._connected.get(identifier) == address:
            return
        self._disconnect(sub, identifier)
        if not self._guard.before_connect(sub, identifier, address):
            return
        try:
            sub.connect(address)
        except zmq.ZMQError as exc:  # e.g. a host name zmq cannot parse
            reason = zmq.strerror(exc.errno or 0)
            self._report(Dropped(f"cannot connect to {address}: {reason}", identifier))
            return
        self._connected[identifier] = address

    def _disconnect(self, sub: zmq.Socket[bytes], identifier: str) -> None:
        address = self._connected.pop(identifier, None)
        if address is not None:
            try:
                sub.disconnect(address)
            except zmq.ZMQError:  # not connected any more: nothing to undo
                pass

    def _report(self, item: Dropped | BusFailure | BusReady | AuthRefused) -> None:
        self._inbox.put(item)
        self._wake()

    def _wake(self) -> None:
        try:
            self._wakeup()
        except BlockingIOError:  # wakeup pipe full: a wakeup is already pending
            pass
