"""Options of the event interface and of statistics (docs/events.md, docs/statistics.md); pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from supvisors_ext.config_values import (
    ConfigError,
    read_boolean,
    read_enum,
    read_integer,
    read_number,
    split_items,
)

# supervisor's boolean spellings (config_values.read_boolean)
TRUTHY = frozenset({"yes", "true", "on", "1"})
FALSY = frozenset({"no", "false", "off", "0"})


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


def stats_enabled(text: str) -> tuple[bool, bool]:
    """`stats_enabled`: OFF, HOST, PROCESS, ALL (a list of them) or a boolean."""
    items = split_items(text)
    if not items:
        raise ConfigError("stats_enabled", "empty (expected OFF, HOST, PROCESS, ALL or a boolean)")
    chosen: set[str] = set()
    for item in items:
        if item.upper() in STATS_TYPES:
            chosen.add(item.upper())
        elif item.lower() in TRUTHY | FALSY:
            chosen.add("ALL" if item.lower() in TRUTHY else "OFF")
        else:
            raise ConfigError(
                "stats_enabled", f"{item!r} is not one of {', '.join(STATS_TYPES)} nor a boolean"
            )
    return bool(chosen & {"ALL", "HOST"}), bool(chosen & {"ALL", "PROCESS"})


def read_observability(values: Mapping[str, str]) -> ObservabilityOptions:
    get = values.get
    periods = split_items(get("stats_periods", "10"))
    if not 1 <= len(periods) <= 3:
        raise ConfigError("stats_periods", f"{len(periods)} periods given (1 to 3 expected)")
    host_stats, process_stats = stats_enabled(get("stats_enabled", "ALL"))
    event_port = read_integer("event_port", get("event_port", "0"), 0, 65535)
    return ObservabilityOptions(
        event_link=read_enum("event_link", EventLinks, get("event_link", "NONE")),
        event_port=event_port,
        host_stats=host_stats,
        process_stats=process_stats,
        collecting_period=read_number(
            "stats_collecting_period", get("stats_collecting_period", "5"), 1.0, 3600.0
        ),
        periods=tuple(sorted(read_number("stats_periods", item, 1.0, 3600.0) for item in periods)),
        histo=read_integer("stats_histo", get("stats_histo", "200"), 10, 1500),
        irix_mode=read_boolean("stats_irix_mode", get("stats_irix_mode", "false")),
    )
