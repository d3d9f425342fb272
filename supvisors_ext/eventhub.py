"""In-process event hub: one `publish(topic, payload)` on the main thread, fanned out to every
sink (ZMQ or WS publisher queues, Server-Sent Events clients, metrics). docs/events.md.

Pure and synchronous (no thread, no lock): it runs where the model changes, on supervisord's
main thread. A sink's `deliver` must not block; a sink answering False is forgotten (a closed
stream). The JSON text of an event is encoded once, on first demand, and shared by all sinks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Protocol

# Supvisors' event headers (docs/events.md, "Topics")
TOPICS = ("supvisors", "instance", "application", "process", "event", "hstats", "pstats")


class Event:
    """One published item; `data` is its compact JSON encoding, computed once."""

    __slots__ = ("topic", "payload", "_data")

    def __init__(self, topic: str, payload: object) -> None:
        self.topic = topic
        self.payload = payload
        self._data: bytes | None = None

    @property
    def data(self) -> bytes:
        if self._data is None:
            self._data = json.dumps(self.payload, separators=(",", ":")).encode()
        return self._data


class Sink(Protocol):
    def deliver(self, event: Event) -> bool: ...


SnapshotSource = Callable[[], Iterable[object]]


class EventHub:
    """Fan-out of events to sinks, plus the current snapshot of each topic for newcomers."""

    def __init__(self) -> None:
        self.sinks: list[Sink] = []
        self.snapshot_sources: dict[str, SnapshotSource] = {}
        self.published = 0
        self.sink_errors = 0
        self.observers: list[Callable[[Event], None]] = []

    def add_sink(self, sink: Sink) -> None:
        self.sinks.append(sink)

    def remove_sink(self, sink: Sink) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)

    def set_snapshot(self, topic: str, source: SnapshotSource) -> None:
        """`source()` gives the current payloads of `topic` (sent to a new SSE client)."""
        self.snapshot_sources[topic] = source

    def snapshot(self, topics: Iterable[str]) -> list[Event]:
        events: list[Event] = []
        for topic in topics:
            source = self.snapshot_sources.get(topic)
            if source is not None:
                events.extend(Event(topic, payload) for payload in source())
        return events

    def publish(self, topic: str, payload: object) -> Event:
        event = Event(topic, payload)
        self.published += 1
        for sink in list(self.sinks):
            try:
                keep = sink.deliver(event)
            except Exception:  # noqa: BLE001 - one broken sink must not starve the others
                self.sink_errors += 1
                keep = False
            if not keep:
                self.remove_sink(sink)
        return event
