"""`GET /supvisors/events`: the event hub as a Server-Sent Events stream (docs/events.md).

`?topics=process,application` restricts the topics (default: all). On connect the client gets
one snapshot event per current item of each topic, then every change; the SSE `event:` field
is the topic and `data:` the JSON payload of the external event interface. Each client has a
bounded queue (`host/http_routes.py` `Stream`): a slow client is dropped, never waited for.
"""

from __future__ import annotations

from supvisors_ext.eventhub import TOPICS, Event, EventHub
from supvisors_ext.host.http_routes import Request, Stream
from supvisors_ext.host.log import PluginLogger

EVENTS_PATH = "/supvisors/events"
KEEPALIVE = b": keep-alive\n\n"


def sse_frame(event: Event) -> bytes:
    return b"event: " + event.topic.encode() + b"\ndata: " + event.data + b"\n\n"


class SseClient:
    """Hub sink writing the chosen topics to one HTTP stream."""

    def __init__(self, stream: Stream, topics: frozenset[str]) -> None:
        self.stream = stream
        self.topics = topics

    def deliver(self, event: Event) -> bool:
        if self.stream.closed:
            return False
        if event.topic not in self.topics:
            return True
        return self.stream.push(sse_frame(event))


def parse_topics(query: dict[str, list[str]]) -> tuple[frozenset[str], str]:
    """Topics asked by `?topics=a,b` (all when absent), or an error naming the bad one."""
    asked = [name.strip() for value in query.get("topics", []) for name in value.split(",")]
    asked = [name for name in asked if name]
    if not asked:
        return frozenset(TOPICS), ""
    unknown = [name for name in asked if name not in TOPICS]
    if unknown:
        return frozenset(), f"unknown topic {unknown[0]!r} (expected one of {', '.join(TOPICS)})"
    return frozenset(asked), ""


class EventStreamRoute:
    """Route handler of `/supvisors/events` (main thread)."""

    def __init__(self, hub: EventHub, logger: PluginLogger) -> None:
        self.hub = hub
        self.logger = logger
        self.clients: list[SseClient] = []

    def __call__(self, request: Request) -> None:
        if request.method != "GET":
            request.reply_json(405, {"message": "GET only", "code": 405})
            return
        if request.path.rstrip("/") != EVENTS_PATH:
            request.reply_json(404, {"message": f"no route for {request.path}", "code": 404})
            return
        topics, problem = parse_topics(request.query)
        if problem:
            request.reply_json(400, {"message": problem, "code": 400})
            return
        client = SseClient(request.stream("text/event-stream"), topics)
        client.stream.push(b"retry: 1000\n\n")
        for event in self.hub.snapshot(sorted(topics, key=TOPICS.index)):
            client.deliver(event)
        self.hub.add_sink(client)
        self.clients.append(client)

    def keepalive(self) -> None:
        """Periodic comment line: proxies keep the stream open, and a dead peer is noticed."""
        self.clients = [client for client in self.clients if not client.stream.closed]
        for client in self.clients:
            client.stream.push(KEEPALIVE)

    def close_all(self) -> None:
        for client in self.clients:
            client.stream.end()
        self.clients.clear()
