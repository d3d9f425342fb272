"""Python client of the event interface (docs/events.md), with the subscription and callback
methods of Supvisors' clients (`SupvisorsZmqEventInterface`, `SupvisorsWsEventInterface`).

    client = EventClient("127.0.0.1", 61002, link="ZMQ")   # or link="WS"
    client.subscribe_process_status()                      # or subscribe_all(), ...
    client.on_process_status = lambda data: print(data)    # or subclass and override
    client.start()  ...  client.stop()

Callbacks run on the client's own thread. Subscriptions are read when the thread starts.
`stream_events(url, topics)` reads the `/supvisors/events` Server-Sent Events stream of an
instance instead (what `supvisorsctl events` uses), whatever its `event_link`.
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

TOPICS = ("supvisors", "instance", "application", "process", "event", "hstats", "pstats")
CALLBACKS = {
    "supvisors": "on_supvisors_status",
    "instance": "on_instance_status",
    "application": "on_application_status",
    "event": "on_process_event",
    "process": "on_process_status",
    "hstats": "on_host_statistics",
    "pstats": "on_process_statistics",
}
POLL_TIMEOUT = 0.5  # seconds: how often the client thread checks for stop()


class EventClient:
    """Subscriber to one instance's ZMQ or WS event interface, on a thread of its own."""

    def __init__(self, node_name: str, event_port: int, link: str = "ZMQ") -> None:
        if link.upper() not in ("ZMQ", "WS"):
            raise ValueError(f"link {link!r}: expected ZMQ or WS")
        self.node_name = node_name
        self.event_port = event_port
        self.link = link.upper()
        self.headers: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    # ----- subscriptions (Supvisors' names)
    def all_subscriptions(self) -> bool:
        return self.headers == set(TOPICS)

    def subscribe_all(self) -> None:
        self.headers = set(TOPICS)

    def subscribe(self, header: str) -> None:
        if header not in TOPICS:
            raise ValueError(f"unknown topic {header!r}")
        self.headers.add(header)

    def unsubscribe_all(self) -> None:
        self.headers = set()

    def unsubscribe(self, header: str) -> None:
        self.headers.discard(header)

    def subscribe_supvisors_status(self) -> None:
        self.subscribe("supvisors")

    def subscribe_instance_status(self) -> None:
        self.subscribe("instance")

    def subscribe_application_status(self) -> None:
        self.subscribe("application")

    def subscribe_process_event(self) -> None:
        self.subscribe("event")

    def subscribe_process_status(self) -> None:
        self.subscribe("process")

    def subscribe_host_statistics(self) -> None:
        self.subscribe("hstats")

    def subscribe_process_statistics(self) -> None:
        self.subscribe("pstats")

    def unsubscribe_supvisors_status(self) -> None:
        self.unsubscribe("supvisors")

    def unsubscribe_instance_status(self) -> None:
        self.unsubscribe("instance")

    def unsubscribe_application_status(self) -> None:
        self.unsubscribe("application")

    def unsubscribe_process_event(self) -> None:
        self.unsubscribe("event")

    def unsubscribe_process_status(self) -> None:
        self.unsubscribe("process")

    def unsubscribe_host_statistics(self) -> None:
        self.unsubscribe("hstats")

    def unsubscribe_process_statistics(self) -> None:
        self.unsubscribe("pstats")

    # ----- callbacks (override, or assign a function)
    def on_supvisors_status(self, data: Any) -> None: ...
    def on_instance_status(self, data: Any) -> None: ...
    def on_application_status(self, data: Any) -> None: ...
    def on_process_event(self, data: Any) -> None: ...
    def on_process_status(self, data: Any) -> None: ...
    def on_host_statistics(self, data: Any) -> None: ...
    def on_process_statistics(self, data: Any) -> None: ...

    def on_receive(self, header: str, body: Any) -> None:
        name = CALLBACKS.get(header)
        if name is None:
            raise ValueError(f"unexpected header {header!r}")
        getattr(self, name)(body)

    # ----- thread
    def start(self) -> None:
        self._stop.clear()
        target = self._run_zmq if self.link == "ZMQ" else self._run_ws
        self._thread = threading.Thread(target=self._guarded, args=(target,), daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _guarded(self, target: Any) -> None:
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - kept for the caller to inspect
            self.error = exc

    def _run_zmq(self) -> None:
        import zmq

        context = zmq.Context()
        socket = context.socket(zmq.SUB)
        try:
            for header in sorted(self.headers):
                socket.setsockopt(zmq.SUBSCRIBE, header.encode())
            socket.connect(f"tcp://{self.node_name}:{self.event_port}")
            while not self._stop.is_set():
                if socket.poll(int(POLL_TIMEOUT * 1000)):
                    topic, body = socket.recv_multipart()
                    self.on_receive(topic.decode(), json.loads(body))
        finally:
            socket.close(0)
            context.term()

    def _run_ws(self) -> None:
        """Connect, read until stopped; reconnect after a refusal or a closed connection
        (the server may start after the client, or restart), as Supvisors' clients do."""
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        path = "all" if self.all_subscriptions() else "/".join(sorted(self.headers))
        uri = f"ws://{self.node_name}:{self.event_port}/{path}"
        while not self._stop.is_set():
            try:
                with connect(uri, open_timeout=POLL_TIMEOUT * 4) as connection:
                    self._read_ws(connection)
            except (OSError, TimeoutError, WebSocketException):
                self._stop.wait(POLL_TIMEOUT)

    def _read_ws(self, connection: Any) -> None:
        while not self._stop.is_set():
            try:
                message = connection.recv(timeout=POLL_TIMEOUT)
            except TimeoutError:
                continue
            header, body = json.loads(message)
            self.on_receive(header, body)


def stream_events(
    url: str, topics: tuple[str, ...] = (), timeout: float | None = None
) -> Iterator[tuple[str, Any]]:
    """(topic, payload) pairs read from `<url>/supvisors/events` until the stream ends.

    `url` is the instance's HTTP URL, credentials included when needed
    (`http://user:password@host:port`).
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"{url!r}: expected http://[user:password@]host:port")
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    headers = {"Accept": "text/event-stream"}
    if parts.username:
        token = f"{parts.username}:{parts.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
    query = f"?topics={','.join(topics)}" if topics else ""
    connection.request("GET", f"/supvisors/events{query}", headers=headers)
    response = connection.getresponse()
    try:
        if response.status != 200:
            detail = response.read().decode(errors="replace").strip()
            raise ConnectionError(f"HTTP {response.status} {response.reason}: {detail}")
        yield from _sse_events(response)
    finally:
        response.close()
        connection.close()


def _sse_events(response: Any) -> Iterator[tuple[str, Any]]:
    topic, data = "", []
    for raw in response:
        line = raw.decode().rstrip("\r\n")
        if line.startswith("event:"):
            topic = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line:
            if topic and data:
                yield topic, json.loads("\n".join(data))
            topic, data = "", []
