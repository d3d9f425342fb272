"""Supervisor event types for collections: COLLECTION (abstract), COLLECTION_ADDED/_REMOVED.

Registered at import (docs/design/collections.md#events) with supervisor's own `events.register`,
which is meant for this: supervisord imports the `[rpcinterface:x]` factories *before* it parses the
`[eventlistener:x]` sections "to allow custom events to be registered"
(`supervisor/options.py` `ServerOptions.read_config`), so a listener may subscribe
to `events=COLLECTION_ADDED`. Nothing of supervisor is patched.
"""

from __future__ import annotations

from supervisor import events


class CollectionEvent(events.Event):
    """Abstract: something happened to a collection; payload `collectionname:<name>\\n`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def payload(self) -> str:
        return f"collectionname:{self.name}\n"


class CollectionAddedEvent(CollectionEvent):
    """A collection became active (plugin start, or added/changed by a reread)."""


class CollectionRemovedEvent(CollectionEvent):
    """A collection stopped being active (removed/changed by a reread)."""


EVENT_TYPES: dict[str, type[CollectionEvent]] = {
    "COLLECTION": CollectionEvent,
    "COLLECTION_ADDED": CollectionAddedEvent,
    "COLLECTION_REMOVED": CollectionRemovedEvent,
}


def register_event_types() -> None:
    """Make the types known to supervisor by name (idempotent)."""
    for name, event_type in EVENT_TYPES.items():
        if getattr(events.EventTypes, name, None) is not event_type:
            events.register(name, event_type)


register_event_types()
