"""Readers of single `[rpcinterface:supvisors]` option values and of `supvisors_list`; pure.

`config.py` composes them into a `Config` (docs/configuration.md). Every reader raises
`ConfigError(option, reason)` naming the option and what is wrong with its value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from supvisors_ext.model import InstanceId, enum_names

SECTION = "rpcinterface:supvisors"
_TRUTHY = frozenset({"yes", "true", "on", "1"})
_FALSY = frozenset({"no", "false", "off", "0"})
_BYTE_UNITS = {"": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}
_BYTE_SIZE_RE = re.compile(r"(\d+)\s*(KB|MB|GB)?", re.IGNORECASE | re.ASCII)
_INTEGER_RE = re.compile(r"[+-]?\d+", re.ASCII)
_HOST_RE = re.compile(r"[A-Za-z0-9_.-]+")
_NICK_RE = re.compile(r"[A-Za-z0-9_.:-]+")
_EXPANSION_RE = re.compile(r"%\(([^)]*)\)s")
_ITEM_FORM = "[<nick>]host[:http_port[:internal_port]]"
E = TypeVar("E", bound=Enum)


class ConfigError(ValueError):
    """A bad plugin option; supervisord prints `Error: <str>` and exits with status 2."""

    option: str
    reason: str

    def __init__(self, option: str, reason: str) -> None:
        super().__init__(f"[{SECTION}] {option}: {reason}")
        self.option = option
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LocalHost:
    """Facts about this supervisord, gathered by the adapter layer (localhost.py)."""

    supervisord_identifier: str
    http_port: int
    host_name: str
    fqdn: str
    here: str | None  # folder of the supervisord configuration file, for %(here)s
    environ: Mapping[str, str]  # for %(ENV_X)s
    is_local_host: Callable[[str], bool]


def read_integer(option: str, text: str, low: int, high: int | None) -> int:
    """An integer in [low;high] (no upper bound when high is None)."""
    value = int(text) if _INTEGER_RE.fullmatch(text) else None
    if value is not None and value >= low and (high is None or value <= high):
        return value
    bounds = f">= {low}" if high is None else f"in [{low};{high}]"
    raise ConfigError(option, f"{text!r} is not an integer {bounds}")


def read_number(option: str, text: str, low: float, high: float) -> float:
    """A finite float in [low;high]."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and low <= value <= high:
        return value
    raise ConfigError(option, f"{text!r} is not a number in [{low:g};{high:g}]")


def read_boolean(option: str, text: str) -> bool:
    if text.lower() in _TRUTHY | _FALSY:
        return text.lower() in _TRUTHY
    raise ConfigError(option, f"{text!r} is not a boolean (true/false, yes/no, on/off, 1/0)")


def read_byte_size(option: str, text: str) -> int:
    """Supervisor's byte sizes: a plain integer or an integer followed by KB, MB or GB."""
    match = _BYTE_SIZE_RE.fullmatch(text)
    if match is None:
        raise ConfigError(option, f"{text!r} is not a byte size (e.g. 1024, 512KB, 50MB, 1GB)")
    return int(match.group(1)) * _BYTE_UNITS[(match.group(2) or "").upper()]


def read_enum(option: str, enum_cls: type[E], text: str) -> E:
    """The member named by `text`, case-insensitively as supervisor reads its log levels."""
    for name, member in enum_cls.__members__.items():
        if name.lower() == text.lower():
            return member
    raise ConfigError(option, f"{text!r} is not one of {enum_names(enum_cls)}")


def split_items(text: str, pattern: str = ",") -> tuple[str, ...]:
    """Trimmed non-empty items, first occurrence kept."""
    items = (item.strip() for item in re.split(pattern, text))
    return tuple(dict.fromkeys(item for item in items if item))


def expand_value(option: str, text: str, host: LocalHost) -> str:
    """Substitute %(here)s, %(host_node_name)s and %(ENV_X)s; any other name is an error."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "here" and host.here is not None:
            return host.here
        if name == "host_node_name":
            return host.host_name
        if name.startswith("ENV_") and name[4:] in host.environ:
            return host.environ[name[4:]]
        raise ConfigError(
            option,
            f"cannot expand {match.group(0)} in {text!r}"
            " (available: here, host_node_name, ENV_<set environment variable>)",
        )

    return _EXPANSION_RE.sub(substitute, text)


def read_port(item: str, what: str, text: str) -> int:
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 65535:
        return int(text)
    raise ConfigError("supvisors_list", f"{what} {text!r} of item {item!r} is not in [1;65535]")


def parse_instance_item(item: str, local_http_port: int) -> tuple[InstanceId, bool]:
    """One `supvisors_list` item (docs/configuration.md#supvisors_list-items) and whether it gave a
    nick."""

    def fail(reason: str) -> ConfigError:
        return ConfigError("supvisors_list", f"item {item!r}: {reason}")

    nick: str | None = None
    address = item
    if item.startswith("<"):
        nick, closed, address = item[1:].partition(">")
        if not closed:
            raise fail(f"missing '>' (expected {_ITEM_FORM})")
        if not _NICK_RE.fullmatch(nick):
            raise fail(f"nick {nick!r} may contain only letters, digits, '_', '.', ':' and '-'")
    host, *ports = address.split(":")
    if len(ports) > 2:
        raise fail(f"too many ':' (expected {_ITEM_FORM})")
    if not _HOST_RE.fullmatch(host):
        raise fail(f"host {host!r} may contain only letters, digits, '_', '.' and '-'")
    http_port = read_port(item, "HTTP port", ports[0]) if ports else local_http_port
    if len(ports) == 2:
        internal_port = read_port(item, "internal port", ports[1])
    elif http_port < 65535:
        internal_port = http_port + 1
    else:
        raise fail("the default internal port (HTTP port + 1) would exceed 65535")
    if internal_port == http_port:
        raise fail(f"the internal port {internal_port} equals the HTTP port")
    identifier = f"{host}:{http_port}"
    # without a nick the item is named as written, so `rocky51` keeps `rocky51`
    # (docs/configuration.md#supvisors_list-items)
    default_nick = identifier if ports else host
    return InstanceId(identifier, nick or default_nick, host, http_port, internal_port), bool(nick)


def parse_instance_list(text: str, local_http_port: int) -> list[tuple[InstanceId, bool]]:
    """Every item, identifiers and nicks unique; an item may contain no comma nor whitespace."""
    parsed = [parse_instance_item(item, local_http_port) for item in split_items(text, r"[,\s]+")]
    identifiers: set[str] = set()
    for instance, _ in parsed:
        if instance.identifier in identifiers:
            raise ConfigError("supvisors_list", f"duplicate identifier {instance.identifier!r}")
        identifiers.add(instance.identifier)
    nicks: set[str] = set()
    for instance, _ in parsed:
        if instance.nick in nicks:
            raise ConfigError("supvisors_list", f"duplicate nick {instance.nick!r}")
        # a nick is accepted wherever an identifier is, so it must designate one instance only
        if instance.nick != instance.identifier and instance.nick in identifiers:
            raise ConfigError(
                "supvisors_list",
                f"nick {instance.nick!r} of {instance.identifier!r} is another item's identifier",
            )
        nicks.add(instance.nick)
    return parsed


def find_local(parsed: list[tuple[InstanceId, bool]], host: LocalHost) -> InstanceId:
    """The local item (docs/configuration.md#supvisors_list-items, "Finding the local instance")."""
    for instance, _ in parsed:
        if instance.nick == host.supervisord_identifier:
            return instance
    matches = [
        instance
        for instance, _ in parsed
        if instance.http_port == host.http_port and host.is_local_host(instance.host)
    ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConfigError(
            "supvisors_list",
            "several items match the local instance: "
            + ", ".join(instance.identifier for instance in matches),
        )
    raise ConfigError(
        "supvisors_list",
        "cannot identify the local instance (no nick equals the supervisord identifier"
        f" {host.supervisord_identifier!r} and no item with HTTP port {host.http_port}"
        " designates this host)",
    )


def default_instance(host: LocalHost, internal_port: int | None) -> InstanceId:
    """Without `supvisors_list`: `<supervisord identifier>hostname:http_port`
    (docs/configuration.md#options)."""
    if internal_port is None and host.http_port == 65535:
        raise ConfigError("internal_port", "HTTP port 65535 + 1 exceeds 65535; set internal_port")
    port = internal_port or host.http_port + 1
    identifier = f"{host.host_name}:{host.http_port}"
    return InstanceId(identifier, host.supervisord_identifier, host.host_name, host.http_port, port)


def read_instances(
    options: Mapping[str, str], host: LocalHost, warnings: list[str]
) -> tuple[tuple[InstanceId, ...], InstanceId, bool]:
    """The instance list, the local instance, and whether `supvisors_list` was given."""
    option_port = options.get("internal_port")
    internal_port = read_integer("internal_port", option_port, 1, 65535) if option_port else None
    if internal_port == host.http_port:
        raise ConfigError("internal_port", f"{internal_port} is the HTTP port of this instance")
    parsed = parse_instance_list(options.get("supvisors_list", ""), host.http_port)
    if not parsed:
        local = default_instance(host, internal_port)
        return (local,), local, False
    local = find_local(parsed, host)
    if internal_port is not None and internal_port != local.internal_port:
        raise ConfigError(
            "internal_port",
            f"{internal_port} differs from {local.internal_port}, the internal port of the"
            f" local supvisors_list item {local.identifier!r}",
        )
    if local.http_port != host.http_port:
        warnings.append(
            f"supvisors_list: the local item {local.identifier!r} has HTTP port"
            f" {local.http_port} but [inet_http_server] listens on port {host.http_port}"
        )
    nick_given = next(given for instance, given in parsed if instance is local)
    if nick_given and local.nick != host.supervisord_identifier:
        warnings.append(
            f"supvisors_list: the local nick {local.nick!r} should equal the supervisord"
            f" identifier {host.supervisord_identifier!r}"
        )
    return tuple(instance for instance, _ in parsed), local, True
