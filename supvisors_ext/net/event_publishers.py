"""External event publishers (docs/events.md): Supvisors' ZMQ and WebSocket event links.

Each publisher is owned by one thread of its own, which creates, uses and closes its sockets
(a socket never crosses threads, docs/architecture.md). The main thread hands events over
with `deliver`, a `put_nowait` on a bounded queue: when the queue is full the event is
dropped and counted, so a slow or absent subscriber never delays supervisord. Worker
threads never log: their problems are kept in `problem` and logged by the main thread.

Wire formats (Supvisors' own, so its clients work unchanged):
- ZMQ: a PUB socket, each message the multipart `[topic, JSON payload]`;
- WS: a WebSocket server; a client subscribes through its URL path (`/process/event`, or
  `/all`) and receives text messages `[topic, payload]` as a JSON array.
"""

from __future__ import annotations

import queue
import threading
from typing import TYPE_CHECKING, Any

import zmq

from supvisors_ext.eventhub import TOPICS, Event
from supvisors_ext.host.thread_names import name_os_thread

if TYPE_CHECKING:  # asyncio (2.5 MB) is imported only when the WS link runs (issue 18)
    import asyncio

QUEUE_SIZE = 10000  # events waiting for the publisher thread before drops start
WS_WRITE_LIMIT = 1 << 20  # bytes pending towards one WebSocket client before it is dropped
STOP = None


class QueuedPublisher:
    """The hub sink side shared by both links: bounded queue, drop counter, thread."""

    name = "events"

    def __init__(self, host: str, port: int, size: int = QUEUE_SIZE) -> None:
        self.host = host
        self.port = port
        self.queue: queue.Queue[Event | None] = queue.Queue(size)
        self.delivered = 0
        self.dropped = 0
        self.sent = 0
        self.problem = ""
        self.ready = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver(self, event: Event) -> bool:
        """Main thread: queue the event, or drop and count it. Always keeps the sink."""
        _ = event.data  # encode on the main thread once: the payload may change after
        try:
            self.queue.put_nowait(event)
            self.delivered += 1
        except queue.Full:
            self.dropped += 1
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run_guarded, name=f"supvisors-{self.name}")
        self._thread.daemon = True
        self._thread.start()

    def _run_guarded(self) -> None:
        name_os_thread()
        try:
            self.run()
        except Exception as exc:  # noqa: BLE001 - kept for the main thread to log
            self.problem = f"{self.name} publisher stopped: {exc!r}"
        finally:
            self.ready.set()

    def run(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def stop(self, timeout: float = 2.0) -> bool:
        """Main thread: ask the thread to end and join it; True when it is gone."""
        if self._thread is None:
            return True
        try:
            self.queue.put_nowait(STOP)
        except queue.Full:
            self._drain_for_stop()
        self._wake()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _drain_for_stop(self) -> None:
        try:
            while True:
                self.queue.get_nowait()
        except queue.Empty:
            pass
        self.queue.put_nowait(STOP)

    def _wake(self) -> None:
        pass


class ZmqEventPublisher(QueuedPublisher):
    """PUB socket on `tcp://host:port`, fed from the queue by its own thread."""

    name = "zmq-events"

    def run(self) -> None:
        context = zmq.Context()
        socket = context.socket(zmq.PUB)
        socket.setsockopt(zmq.LINGER, 0)
        socket.setsockopt(zmq.SNDHWM, QUEUE_SIZE)  # past this, ZMQ drops for that subscriber
        try:
            try:
                socket.bind(f"tcp://{self.host}:{self.port}")
            except zmq.ZMQError as exc:
                self.problem = f"cannot bind the ZMQ event port {self.host}:{self.port}: {exc}"
                return
            self.ready.set()
            while True:
                event = self.queue.get()
                if event is STOP:
                    return
                socket.send_multipart([event.topic.encode(), event.data], zmq.NOBLOCK)
                self.sent += 1
        finally:
            socket.close(0)
            context.term()


def ws_topics(path: str) -> frozenset[str]:
    """Supvisors' WS subscription: the topics named in the URL path, `all` for every one."""
    parts = {part for part in path.split("?")[0].split("/") if part}
    if "all" in parts:
        return frozenset(TOPICS)
    return frozenset(parts & set(TOPICS))


class WsEventPublisher(QueuedPublisher):
    """WebSocket server (the `websockets` library) on its own asyncio loop and thread."""

    name = "ws-events"

    def __init__(self, host: str, port: int, size: int = QUEUE_SIZE) -> None:
        super().__init__(host, port, size)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wake: asyncio.Event | None = None
        self.clients: dict[Any, frozenset[str]] = {}
        self.slow_clients = 0

    def deliver(self, event: Event) -> bool:
        was_empty = self.queue.empty()
        keep = super().deliver(event)
        if was_empty:
            self._wake()
        return keep

    def _wake(self) -> None:
        loop, wake = self.loop, self.wake
        if loop is not None and wake is not None:
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:
                pass  # the loop is closed: the thread is ending

    def run(self) -> None:
        import asyncio

        asyncio.run(self._serve())

    async def _serve(self) -> None:
        import asyncio

        from websockets.asyncio.server import serve

        self.wake = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        try:
            server = await serve(
                self._handler, self.host, self.port, compression=None, ping_interval=10
            )
        except OSError as exc:
            self.problem = f"cannot bind the WS event port {self.host}:{self.port}: {exc}"
            return
        async with server:
            self.ready.set()
            await self._pump()
        self.loop = None

    async def _handler(self, connection: Any) -> None:
        self.clients[connection] = ws_topics(connection.request.path)
        try:
            await connection.wait_closed()
        finally:
            self.clients.pop(connection, None)

    async def _pump(self) -> None:
        assert self.wake is not None
        while True:
            # drain first: events queued before this loop existed had nobody to wake
            while True:
                try:
                    event = self.queue.get_nowait()
                except queue.Empty:
                    break
                if event is STOP:
                    return
                self._send(event)
            await self.wake.wait()
            self.wake.clear()

    def _send(self, event: Event) -> None:
        from websockets.asyncio.server import broadcast

        message = b'["' + event.topic.encode() + b'",' + event.data + b"]"
        targets = []
        for connection, topics in list(self.clients.items()):
            if event.topic not in topics:
                continue
            transport = connection.transport
            if transport is not None and transport.get_write_buffer_size() > WS_WRITE_LIMIT:
                self.slow_clients += 1
                self.clients.pop(connection, None)
                transport.abort()  # a client that stopped reading: dropped, never waited for
                continue
            targets.append(connection)
        broadcast(targets, message, text=True)
        self.sent += 1
