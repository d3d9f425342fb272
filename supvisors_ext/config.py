"""`[rpcinterface:supvisors]` option strings -> frozen `Config` (docs/configuration.md); pure.

Facts about this supervisord (ports, host names, environment) arrive in a `LocalHost` built by
the adapter layer (`localhost.py`), so this module needs no socket and no supervisor.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from supvisors_ext.keys import BusKeys, KeyFileError, load_bus_keys
from supvisors_ext.model import (
    ConciliationStrategies,
    InstanceId,
    LogLevels,
    StartingStrategies,
    SupvisorsFailureStrategies,
    SynchronizationOptions,
    enum_names,
)

SECTION = "rpcinterface:supvisors"
# supervisord's own key, normally stripped before the factory runs (options.py get_plugins)
FACTORY_KEY = "supervisor.rpcinterface_factory"
LATER_OPTIONS = frozenset(
    "event_link event_port disabilities_file stats_enabled stats_collecting_period stats_periods"
    " stats_histo stats_irix_mode software_name software_icon css_files tail_limit"
    " tailf_limit".split()
)
MUST_OPTIONS = frozenset(
    "supvisors_list rules_files stereotypes core_identifiers synchro_options synchro_timeout"
    " inactivity_ticks tick_period internal_port starting_strategy conciliation_strategy"
    " supvisors_failure_strategy auto_fence logfile logfile_maxbytes logfile_backups"
    " loglevel multicast_group multicast_interface multicast_ttl".split()
) | {"bus_secret_key_file", "bus_public_keys_dir"}
DEFAULT_SYNCHRO_OPTIONS = "STRICT,TIMEOUT,CORE"
# same spellings as supervisor's datatypes.boolean, so a supervisord user meets no surprise
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


@dataclass(frozen=True, slots=True)
class Multicast:
    """Discovery mode (docs/configuration.md#discovery-mode): where the heartbeat datagrams go."""

    group: str  # an IPv4 multicast address
    port: int
    interface: str | None  # the IPv4 address of the interface to use; None: the kernel's choice
    ttl: int


@dataclass(frozen=True, slots=True)
class Config:
    """The validated `[rpcinterface:supvisors]` options, consistency rules applied."""

    instances: tuple[InstanceId, ...]  # supvisors_list order
    local: InstanceId
    supvisors_list_given: bool
    rules_files: tuple[str, ...]  # globs, substitutions done, not expanded
    stereotypes: tuple[str, ...]
    core_identifiers: tuple[str, ...]
    synchro_options: frozenset[SynchronizationOptions]
    synchro_timeout: int
    inactivity_ticks: int
    tick_period: float
    starting_strategy: StartingStrategies
    conciliation_strategy: ConciliationStrategies
    supvisors_failure_strategy: SupvisorsFailureStrategies
    auto_fence: bool
    logfile: str | None  # None for AUTO: log into supervisord's log
    logfile_maxbytes: int
    logfile_backups: int
    loglevel: LogLevels
    # CURVE keys of the bus (docs/security.md); None: plain bus, for a trusted network only
    bus_keys: BusKeys | None = None
    # discovery mode (docs/configuration.md#discovery-mode); None: only the instances of
    # supvisors_list
    multicast: Multicast | None = None

    def find_instance(self, name: str) -> InstanceId | None:
        """The instance of `supvisors_list` whose identifier or nick is `name`."""
        for instance in self.instances:
            if name in (instance.identifier, instance.nick):
                return instance
        return None


@dataclass(frozen=True, slots=True)
class ParsedConfig:
    """A `Config` plus the messages the caller logs (WARN and INFO)."""

    config: Config
    warnings: tuple[str, ...]
    infos: tuple[str, ...]


def _integer(option: str, text: str, low: int, high: int | None) -> int:
    """An integer in [low;high] (no upper bound when high is None)."""
    value = int(text) if _INTEGER_RE.fullmatch(text) else None
    if value is not None and value >= low and (high is None or value <= high):
        return value
    bounds = f">= {low}" if high is None else f"in [{low};{high}]"
    raise ConfigError(option, f"{text!r} is not an integer {bounds}")


def _number(option: str, text: str, low: float, high: float) -> float:
    """A finite float in [low;high]."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and low <= value <= high:
        return value
    raise ConfigError(option, f"{text!r} is not a number in [{low:g};{high:g}]")


def _boolean(option: str, text: str) -> bool:
    if text.lower() in _TRUTHY | _FALSY:
        return text.lower() in _TRUTHY
    raise ConfigError(option, f"{text!r} is not a boolean (true/false, yes/no, on/off, 1/0)")


def _byte_size(option: str, text: str) -> int:
    """Supervisor's byte sizes: a plain integer or an integer followed by KB, MB or GB."""
    match = _BYTE_SIZE_RE.fullmatch(text)
    if match is None:
        raise ConfigError(option, f"{text!r} is not a byte size (e.g. 1024, 512KB, 50MB, 1GB)")
    return int(match.group(1)) * _BYTE_UNITS[(match.group(2) or "").upper()]


def _enum_value(option: str, enum_cls: type[E], text: str) -> E:
    """The member named by `text`, case-insensitively as supervisor reads its log levels."""
    for name, member in enum_cls.__members__.items():
        if name.lower() == text.lower():
            return member
    raise ConfigError(option, f"{text!r} is not one of {enum_names(enum_cls)}")


def _split(text: str, pattern: str = ",") -> tuple[str, ...]:
    """Trimmed non-empty items, first occurrence kept."""
    items = (item.strip() for item in re.split(pattern, text))
    return tuple(dict.fromkeys(item for item in items if item))


def _expand(option: str, text: str, host: LocalHost) -> str:
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


def _port(item: str, what: str, text: str) -> int:
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
    http_port = _port(item, "HTTP port", ports[0]) if ports else local_http_port
    if len(ports) == 2:
        internal_port = _port(item, "internal port", ports[1])
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


def _parse_instance_list(text: str, local_http_port: int) -> list[tuple[InstanceId, bool]]:
    """Every item, identifiers and nicks unique; an item may contain no comma nor whitespace."""
    parsed = [parse_instance_item(item, local_http_port) for item in _split(text, r"[,\s]+")]
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


def _find_local(parsed: list[tuple[InstanceId, bool]], host: LocalHost) -> InstanceId:
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


def _default_instance(host: LocalHost, internal_port: int | None) -> InstanceId:
    """Without `supvisors_list`: `<supervisord identifier>hostname:http_port`
    (docs/configuration.md#options)."""
    if internal_port is None and host.http_port == 65535:
        raise ConfigError("internal_port", "HTTP port 65535 + 1 exceeds 65535; set internal_port")
    port = internal_port or host.http_port + 1
    identifier = f"{host.host_name}:{host.http_port}"
    return InstanceId(identifier, host.supervisord_identifier, host.host_name, host.http_port, port)


def _instances(
    options: Mapping[str, str], host: LocalHost, warnings: list[str]
) -> tuple[tuple[InstanceId, ...], InstanceId, bool]:
    """The instance list, the local instance, and whether `supvisors_list` was given."""
    option_port = options.get("internal_port")
    internal_port = _integer("internal_port", option_port, 1, 65535) if option_port else None
    if internal_port == host.http_port:
        raise ConfigError("internal_port", f"{internal_port} is the HTTP port of this instance")
    parsed = _parse_instance_list(options.get("supvisors_list", ""), host.http_port)
    if not parsed:
        local = _default_instance(host, internal_port)
        return (local,), local, False
    local = _find_local(parsed, host)
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


def _classify(options: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Warnings for unknown options and infos for LATER ones
    (docs/configuration.md#how-bad-values-are-refused)."""
    warnings: list[str] = []
    infos: list[str] = []
    for option in options:
        if option in LATER_OPTIONS:
            infos.append(f"{option}: not supported yet, accepted and ignored")
        elif option not in MUST_OPTIONS and option != FACTORY_KEY:
            warnings.append(f"unknown option {option!r} ignored")
    return warnings, infos


def _synchro_options(
    text: str, list_given: bool, core_identifiers: tuple[str, ...], warnings: list[str]
) -> frozenset[SynchronizationOptions]:
    """The options, STRICT and CORE dropped when they cannot apply; none left is an error."""
    chosen = {_enum_value("synchro_options", SynchronizationOptions, item) for item in _split(text)}
    dropped: list[str] = []
    if SynchronizationOptions.STRICT in chosen and not list_given:
        chosen.remove(SynchronizationOptions.STRICT)
        dropped.append("STRICT (supvisors_list is not set)")
    if SynchronizationOptions.CORE in chosen and not core_identifiers:
        chosen.remove(SynchronizationOptions.CORE)
        dropped.append("CORE (core_identifiers is empty)")
    warnings.extend(f"synchro_options: {reason} dropped" for reason in dropped)
    if not chosen:
        after = f" after dropping {' and '.join(dropped)}" if dropped else ""
        raise ConfigError("synchro_options", f"{text!r} leaves no option{after}")
    return frozenset(chosen)


def _failure_strategy(
    text: str, synchro_options: frozenset[SynchronizationOptions], warnings: list[str]
) -> SupvisorsFailureStrategies:
    strategy = _enum_value("supvisors_failure_strategy", SupvisorsFailureStrategies, text)
    # with TIMEOUT the cluster may run without some instances, so losing one cannot be a failure
    if SynchronizationOptions.TIMEOUT in synchro_options:
        if strategy != SupvisorsFailureStrategies.CONTINUE:
            warnings.append(
                f"supvisors_failure_strategy: {strategy.name} forced to CONTINUE"
                " because synchro_options contains TIMEOUT"
            )
        return SupvisorsFailureStrategies.CONTINUE
    return strategy


def _warn_unmatched_core(
    core_identifiers: tuple[str, ...],
    instances: tuple[InstanceId, ...],
    stereotypes: tuple[str, ...],
    messages: list[str],
) -> None:
    known = {name for instance in instances for name in (instance.identifier, instance.nick)}
    known.update(stereotypes)
    messages.extend(
        f"core_identifiers: {name!r} matches no instance of supvisors_list and no stereotype"
        " (kept: it may be discovered later)"
        for name in core_identifiers
        if name not in known
    )


def _logfile(text: str, host: LocalHost) -> str | None:
    if text.upper() == "AUTO":
        return None
    if not text:
        raise ConfigError("logfile", "'' is empty (expected a path or AUTO)")
    return _expand("logfile", text, host)


def _bus_keys(
    values: Mapping[str, str],
    host: LocalHost,
    instances: tuple[InstanceId, ...],
    local: InstanceId,
    warnings: list[str],
) -> BusKeys | None:
    """`bus_secret_key_file` and `bus_public_keys_dir`: both or none (plain bus)."""
    secret_file = values.get("bus_secret_key_file", "")
    public_dir = values.get("bus_public_keys_dir", "")
    if not secret_file and not public_dir:
        return None
    if not secret_file or not public_dir:
        given, needed = (
            ("bus_secret_key_file", "bus_public_keys_dir")
            if secret_file
            else ("bus_public_keys_dir", "bus_secret_key_file")
        )
        raise ConfigError(needed, f"required when {given} is set (CURVE needs both)")
    secret_file = _expand("bus_secret_key_file", secret_file, host)
    public_dir = _expand("bus_public_keys_dir", public_dir, host)
    peers = [(item.identifier, item.nick) for item in instances if item is not local]
    try:
        keys = load_bus_keys(secret_file, public_dir, peers)
    except KeyFileError as exc:
        option = "bus_secret_key_file" if exc.path == secret_file else "bus_public_keys_dir"
        raise ConfigError(option, str(exc)) from None
    nicks = {item.identifier: item.nick for item in instances}
    warnings.extend(
        f"bus_public_keys_dir: no {nicks[identifier]}.key in {public_dir}:"
        f" {identifier} cannot join this instance's bus"
        for identifier in keys.missing
    )
    return keys


def _multicast(values: Mapping[str, str], warnings: list[str]) -> Multicast | None:
    """`multicast_group = IP:port`, `multicast_interface = IP`, `multicast_ttl` in [1;255]."""
    text = values.get("multicast_group", "")
    if not text:
        warnings.extend(
            f"{option}: ignored (multicast_group is not set)"
            for option in ("multicast_interface", "multicast_ttl")
            if values.get(option)
        )
        return None
    address, colon, port = text.rpartition(":")
    if not colon or not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError("multicast_group", f"{text!r} is not IP:port (e.g. 239.0.0.1:61234)")
    if not _ipv4(address) or not ipaddress.IPv4Address(address).is_multicast:
        raise ConfigError(
            "multicast_group", f"{address!r} is not an IPv4 multicast address (224.0.0.0/4)"
        )
    interface = values.get("multicast_interface") or None
    if interface is not None and (
        not _ipv4(interface) or ipaddress.IPv4Address(interface).is_multicast
    ):
        raise ConfigError(
            "multicast_interface",
            f"{interface!r} is not the IPv4 address of a local interface (e.g. 192.168.1.12)",
        )
    ttl = _integer("multicast_ttl", values.get("multicast_ttl", "1"), 1, 255)
    return Multicast(address, int(port), interface, ttl)


def _ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def parse_config(options: Mapping[str, str], host: LocalHost) -> ParsedConfig:
    """Validate the section's options (supervisord passes them as strings); raise ConfigError."""
    values = {key.strip().lower(): value.strip() for key, value in options.items()}
    get = values.get
    warnings, infos = _classify(values)
    instances, local, list_given = _instances(values, host, warnings)
    stereotypes = _split(get("stereotypes", ""))
    core_identifiers = _split(get("core_identifiers", ""))
    synchro_options = _synchro_options(
        get("synchro_options", DEFAULT_SYNCHRO_OPTIONS), list_given, core_identifiers, warnings
    )
    multicast = _multicast(values, warnings)
    # in discovery mode, names matching nothing yet are the normal case: INFO, not WARN
    _warn_unmatched_core(
        core_identifiers, instances, stereotypes, infos if multicast is not None else warnings
    )
    rules_files = _split(get("rules_files", ""), r"\s+")
    config = Config(
        instances=instances,
        local=local,
        supvisors_list_given=list_given,
        rules_files=tuple(_expand("rules_files", glob, host) for glob in rules_files),
        stereotypes=stereotypes,
        core_identifiers=core_identifiers,
        synchro_options=synchro_options,
        synchro_timeout=_integer("synchro_timeout", get("synchro_timeout", "15"), 1, 1200),
        inactivity_ticks=_integer("inactivity_ticks", get("inactivity_ticks", "2"), 2, 720),
        tick_period=_number("tick_period", get("tick_period", "1.0"), 0.2, 10.0),
        starting_strategy=_enum_value(
            "starting_strategy", StartingStrategies, get("starting_strategy", "CONFIG")
        ),
        conciliation_strategy=_enum_value(
            "conciliation_strategy", ConciliationStrategies, get("conciliation_strategy", "USER")
        ),
        supvisors_failure_strategy=_failure_strategy(
            get("supvisors_failure_strategy", "CONTINUE"), synchro_options, warnings
        ),
        auto_fence=_boolean("auto_fence", get("auto_fence", "false")),
        logfile=_logfile(get("logfile", "AUTO"), host),
        logfile_maxbytes=_byte_size("logfile_maxbytes", get("logfile_maxbytes", "50MB")),
        logfile_backups=_integer("logfile_backups", get("logfile_backups", "10"), 0, None),
        loglevel=_enum_value("loglevel", LogLevels, get("loglevel", "info")),
        bus_keys=_bus_keys(values, host, instances, local, warnings),
        multicast=multicast,
    )
    if (
        multicast is not None
        and SynchronizationOptions.STRICT in synchro_options
        and (len(instances) == 1)
    ):
        warnings.append(
            "synchro_options: STRICT holds as soon as this instance runs (supvisors_list"
            " names only itself): discovered instances are not waited for"
        )
    if multicast is not None and config.bus_keys is not None:
        warnings.append(
            "multicast_group: with CURVE keys, a discovered instance cannot join the bus"
            " (only the peers of supvisors_list have a key): list every instance"
        )
    return ParsedConfig(config, tuple(warnings), tuple(infos))
