"""`[rpcinterface:supvisors]` option strings -> frozen `Config` (docs/configuration.md); pure.

Facts about this supervisord (ports, host names, environment) arrive in a `LocalHost` built by
the adapter layer (`localhost.py`), so this module needs no socket and no supervisor.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath

from supvisors_ext.config_values import (
    ConfigError,
    LocalHost,
    expand_value,
    read_boolean,
    read_byte_size,
    read_enum,
    read_instances,
    read_integer,
    read_number,
    split_items,
)
from supvisors_ext.keys import BusKeys, KeyFileError, load_bus_keys
from supvisors_ext.model import (
    ConciliationStrategies,
    InstanceId,
    LogLevels,
    StartingStrategies,
    SupvisorsFailureStrategies,
    SynchronizationOptions,
)

# supervisord's own key, normally stripped before the factory runs (options.py get_plugins)
FACTORY_KEY = "supervisor.rpcinterface_factory"
LATER_OPTIONS = frozenset(
    "event_link event_port stats_enabled stats_collecting_period stats_periods"
    " stats_histo stats_irix_mode software_name software_icon css_files tail_limit"
    " tailf_limit".split()
)
MUST_OPTIONS = frozenset(
    "supvisors_list rules_files stereotypes core_identifiers synchro_options synchro_timeout"
    " inactivity_ticks tick_period internal_port starting_strategy conciliation_strategy"
    " supvisors_failure_strategy auto_fence logfile logfile_maxbytes logfile_backups"
    " loglevel multicast_group multicast_interface multicast_ttl disabilities_file".split()
) | {"bus_secret_key_file", "bus_public_keys_dir"}
DEFAULT_SYNCHRO_OPTIONS = "STRICT,TIMEOUT,CORE"


# same spellings as supervisor's datatypes.boolean, so a supervisord user meets no surprise
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
    # where enable/disable persist (docs/configuration.md); '' keeps them in memory only
    disabilities_file: str = ""

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
    items = split_items(text)
    chosen = {read_enum("synchro_options", SynchronizationOptions, item) for item in items}
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
    strategy = read_enum("supvisors_failure_strategy", SupvisorsFailureStrategies, text)
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
    return expand_value("logfile", text, host)


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
    secret_file = expand_value("bus_secret_key_file", secret_file, host)
    public_dir = expand_value("bus_public_keys_dir", public_dir, host)
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
    """`multicast_group = IP:port`, `multicast_interface = IP`, `multicast_ttl` in [0;255]."""
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
    ttl = read_integer("multicast_ttl", values.get("multicast_ttl", "1"), 0, 255)
    return Multicast(address, int(port), interface, ttl)


def _ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _disabilities_file(text: str, host: LocalHost) -> str:
    """A file path (`~` and the %(...)s names expanded); its folder is created when written."""
    if not text:
        return ""
    path = expand_value("disabilities_file", text, host)
    if path.endswith("/"):
        raise ConfigError("disabilities_file", f"{text!r} names a folder, a file path is expected")
    if path.startswith("~/") and "HOME" in host.environ:
        path = host.environ["HOME"] + path[1:]
    if host.here is not None and not PurePath(path).is_absolute():
        path = str(PurePath(host.here, path))
    return path


def parse_config(options: Mapping[str, str], host: LocalHost) -> ParsedConfig:
    """Validate the section's options (supervisord passes them as strings); raise ConfigError."""
    values = {key.strip().lower(): value.strip() for key, value in options.items()}
    get = values.get
    warnings, infos = _classify(values)
    instances, local, list_given = read_instances(values, host, warnings)
    stereotypes = split_items(get("stereotypes", ""))
    core_identifiers = split_items(get("core_identifiers", ""))
    synchro_options = _synchro_options(
        get("synchro_options", DEFAULT_SYNCHRO_OPTIONS), list_given, core_identifiers, warnings
    )
    multicast = _multicast(values, warnings)
    # in discovery mode, names matching nothing yet are the normal case: INFO, not WARN
    _warn_unmatched_core(
        core_identifiers, instances, stereotypes, infos if multicast is not None else warnings
    )
    rules_files = split_items(get("rules_files", ""), r"\s+")
    config = Config(
        instances=instances,
        local=local,
        supvisors_list_given=list_given,
        rules_files=tuple(expand_value("rules_files", glob, host) for glob in rules_files),
        stereotypes=stereotypes,
        core_identifiers=core_identifiers,
        synchro_options=synchro_options,
        synchro_timeout=read_integer("synchro_timeout", get("synchro_timeout", "15"), 0, 1200),
        inactivity_ticks=read_integer("inactivity_ticks", get("inactivity_ticks", "2"), 2, 720),
        tick_period=read_number("tick_period", get("tick_period", "1.0"), 0.2, 10.0),
        starting_strategy=read_enum(
            "starting_strategy", StartingStrategies, get("starting_strategy", "CONFIG")
        ),
        conciliation_strategy=read_enum(
            "conciliation_strategy", ConciliationStrategies, get("conciliation_strategy", "USER")
        ),
        supvisors_failure_strategy=_failure_strategy(
            get("supvisors_failure_strategy", "CONTINUE"), synchro_options, warnings
        ),
        auto_fence=read_boolean("auto_fence", get("auto_fence", "false")),
        logfile=_logfile(get("logfile", "AUTO"), host),
        logfile_maxbytes=read_byte_size("logfile_maxbytes", get("logfile_maxbytes", "50MB")),
        logfile_backups=read_integer("logfile_backups", get("logfile_backups", "10"), 0, None),
        loglevel=read_enum("loglevel", LogLevels, get("loglevel", "info")),
        bus_keys=_bus_keys(values, host, instances, local, warnings),
        multicast=multicast,
        disabilities_file=_disabilities_file(get("disabilities_file", ""), host),
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
