"""ZeroMQ adapter of the internal bus; the only module that imports zmq (docs/design/bus.md).

Threads and ownership (docs/architecture.md#thread-model):

* The **bus thread** creates, polls and closes the PUB socket (bound on the internal port), the
  SUB socket (connected to every peer's PUB, subscribed to everything) and the bus end of an
  inproc PAIR. It polls them with its own `zmq.Poller`: ZMQ fds are edge-triggered and must never
  sit in supervisord's poller. It never logs and never touches supervisord or the model: all it
  has to say (a decoded message, a dropped malformed input, a fatal failure) goes on the inbox
  queue as an immutable item, then `wakeup()` is called once per batch.
* Outbound choice: **the main thread owns its own PAIR end; the bus thread forwards to PUB.**
  The main thread never touches PUB. `publish` encodes and sends on the main PAIR end with
  NOBLOCK; `connect`, `disconnect` and stop travel the same way as control messages, so they are
  applied in order with publications. When the PAIR queue is full or the context is gone, the
  message is dropped and counted: `publish` never blocks and never raises a zmq error.
* Heartbeat: the bus thread itself publishes our TICK every tick period and counts the peers'
  ticks (`HeartbeatPlan`, `PeerSilent`), so liveness does not depend on supervisord's main loop
  being free, and the main loop need not wake at every tick (docs/design/bus.md#heartbeat).
* The main PAIR end *connects* and the bus end *binds*: an inproc connect made before the bind
  already queues messages, so nothing sent right after `start()` is lost and `start()` does not
  wait for the thread.
* Security (docs/security.md, bus_security.py): with `BusKeys`, PUB is a CURVE server whose
  subscribers are checked by a ZAP handler polled in this same thread, and SUB is a CURVE client
  that expects each peer's listed public key; refusals become rate-limited `AuthRefused` items.
  Without keys the bus is plain (a trusted network only).
* Shared objects: the inbox queue, the `wakeup` callable, a stop `threading.Event` and the
  `zmq.Context`, created in `start()` (after supervisord's fork), terminated in `stop()`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

import zmq

from supvisors_ext.keys import BusKeys
from supvisors_ext.messages import (
    Message,
    encode,
)
from supvisors_ext.net.bus_thread import (
    CONNECT,
    DISCONNECT,
    PAIR_ADDRESS,
    PUBLISH,
    STOP,
    THREAD_NAME,
    BusWorker,
    HeartbeatPlan,
    PeerEndpoint,
    set_common_options,
)


class Bus:
    """Main-thread handle of the bus thread; every method is called on the main thread only."""

    def __init__(
        self,
        bind_port: int,
        peers: Sequence[PeerEndpoint],
        inbox: queue.SimpleQueue[object],
        wakeup: Callable[[], None],
        bind_host: str = "*",
        keys: BusKeys | None = None,
        heartbeat: HeartbeatPlan | None = None,
    ) -> None:
        """Store the configuration; creates no context, socket or thread (safe before the fork).

        With `keys` the bus is authenticated and encrypted (CURVE); without, it is plain. With
        `heartbeat` the bus thread publishes our TICK and reports silent peers (`PeerSilent`).
        """
        if not 1 <= bind_port <= 65535:
            raise ValueError(f"bus port out of range 1..65535: {bind_port}")
        self._bind_port = bind_port
        self._bind_host = bind_host
        self._peers: dict[str, PeerEndpoint] = {}
        for peer in peers:
            if peer.identifier in self._peers:
                raise ValueError(f"duplicate peer identifier {peer.identifier!r}")
            self._peers[peer.identifier] = peer
        self._inbox = inbox
        self._wakeup = wakeup
        self._keys = keys
        self._heartbeat = heartbeat
        self._context: zmq.Context[zmq.Socket[bytes]] | None = None
        self._pair: zmq.Socket[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._dropped = 0

    @property
    def running(self) -> bool:
        """True while the bus thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def dropped_count(self) -> int:
        """Outbound messages and controls dropped (not started, queue full, context closed)."""
        return self._dropped

    def start(self) -> None:
        """Create the context and the main PAIR end, then start the bus thread (after the fork)."""
        if self._context is not None:
            raise RuntimeError("bus already started; stop() it first")
        context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        try:
            pair = context.socket(zmq.PAIR)
            set_common_options(pair)
            pair.connect(PAIR_ADDRESS)
        except BaseException:
            context.destroy(linger=0)
            raise
        self._stop_event = threading.Event()
        worker = BusWorker(
            context,
            f"tcp://{self._bind_host}:{self._bind_port}",
            self._bind_port,
            tuple(self._peers.values()),
            self._inbox,
            self._wakeup,
            self._stop_event,
            self._keys,
            self._heartbeat,
        )
        self._context, self._pair = context, pair
        self._thread = threading.Thread(target=worker.run, name=THREAD_NAME)
        try:
            self._thread.start()
        except BaseException:
            self._thread = None
            self._close_main_side()
            raise

    def publish(self, message: Message) -> None:
        """Queue a message for all peers; never blocks; dropped and counted if it cannot be queued.

        ValueError only if the message itself cannot be encoded (a caller bug).
        """
        self._send_control([PUBLISH, *encode(message)])

    def connect(self, peer: PeerEndpoint) -> None:
        """Subscribe to a peer (replacing a previous endpoint of the same identifier)."""
        self._peers[peer.identifier] = peer
        port = str(peer.port).encode("ascii")
        self._send_control([CONNECT, peer.identifier.encode(), peer.host.encode(), port])

    def disconnect(self, identifier: str) -> None:
        """Stop receiving from a peer; unknown identifiers are ignored."""
        if self._peers.pop(identifier, None) is not None:
            self._send_control([DISCONNECT, identifier.encode()])

    def stop(self, timeout: float = 2.0) -> None:
        """Stop and join the thread, close the main PAIR end, terminate the context; idempotent.

        TimeoutError if the thread is still alive after `timeout` (a bug): the context is then
        left unterminated, as term() would block supervisord until the thread ends.
        """
        thread = self._thread
        if thread is not None:
            self._stop_event.set()
            # the command wakes the poll at once; the flag covers a full queue or a dead peer end
            self._send_control([STOP], count=False)
            thread.join(timeout)
            if thread.is_alive():
                self._close_pair()
                raise TimeoutError(f"bus thread did not stop within {timeout} s")
            self._thread = None
        self._close_main_side()

    def _send_control(self, frames: list[bytes], count: bool = True) -> None:
        """Send on the main PAIR end without blocking; count what cannot be sent."""
        try:
            if self._pair is None:
                raise zmq.ZMQError(zmq.ENOTSOCK)
            self._pair.send_multipart(frames, zmq.NOBLOCK)
        except zmq.ZMQError:  # Again (queue full), ContextTerminated, ENOTSOCK
            if count:
                self._dropped += 1

    def _close_pair(self) -> None:
        if self._pair is not None:
            self._pair.close(linger=0)
            self._pair = None

    def _close_main_side(self) -> None:
        self._close_pair()
        if self._context is not None:
            self._context.term()
            self._context = None
