"""Options of the event interface and of statistics (docs/events.md, docs/statistics.md); pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class EventLinks(Enum):
    """`event_link` values (Supvisors' names)."""

    NONE = 0
    ZMQ = 1
    WS = 2


@dataclass(frozen=True)
class ObservabilityOptions:
    """`event_link`, `event_port` and the `stats_*` options, validated."""

    event_link: EventLinks = EventLinks.NONE
    event_port: int = 0  # 0: the HTTP port + 2 (+ 1 is our internal bus)
    host_stats: bool = True
    process_stats: bool = True
    collecting_period: float = 5.0
    periods: tuple[float, ...] = (10.0,)
    histo: int = 200
    irix_mode: bool = False

    def port_for(self, http_port: int) -> int:
        """The event port: as given, else the HTTP port + 2 (+ 1 is our internal bus)."""
        return self.event_port or http_port + 2


STATS_TYPES = ("OFF", "HOST", "PROCESS", "ALL")
