"""Unit tests of supvisors_ext.config: every option, the consistency rules and supvisors_list."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from supvisors_ext import config as config_module
from supvisors_ext import config_values as config_values_module
from supvisors_ext.config import (
    LATER_OPTIONS,
    Config,
    ConfigError,
    LocalHost,
    Multicast,
    ParsedConfig,
    parse_config,
)
from supvisors_ext.config_values import parse_instance_item
from supvisors_ext.model import (
    ConciliationStrategies,
    InstanceId,
    LogLevels,
    StartingStrategies,
    SupvisorsFailureStrategies,
    SynchronizationOptions,
)

SYNC = SynchronizationOptions
LOCAL_NAMES = frozenset({"rocky51", "rocky51.example.org", "localhost", "127.0.0.1"})
SCENARIO2 = """<server_1>rocky51:61000,<server_2>rocky52:61000,<server_3>rocky53:61000,
    <console_1>rocky51:62000,<console_2>rocky52:62000,<console_3>rocky53:62000"""
FORM = "[<nick>]host[:http_port[:internal_port]]"
STRICT_DROPPED = "synchro_options: STRICT (supvisors_list is not set) dropped"
CORE_DROPPED = "synchro_options: CORE (core_identifiers is empty) dropped"


def make_host(
    identifier: str = "supervisor",
    http_port: int = 61000,
    here: str | None = "/etc/supvisors",
    environ: dict[str, str] | None = None,
) -> LocalHost:
    return LocalHost(
        supervisord_identifier=identifier,
        http_port=http_port,
        host_name="rocky51",
        fqdn="rocky51.example.org",
        here=here,
        environ=environ if environ is not None else {"APP": "demo"},
        is_local_host=lambda name: name in LOCAL_NAMES,
    )


def parse(host: LocalHost | None = None, /, **options: str) -> ParsedConfig:
    return parse_config(options, host or make_host())


def parse_server_1(**options: str) -> ParsedConfig:
    """Parse as `server_1` of Scenario 2."""
    return parse(make_host(identifier="server_1"), supvisors_list=SCENARIO2, **options)


def config_of(**options: str) -> Config:
    return parse(**options).config


def error_of(host: LocalHost | None = None, /, **options: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse(host, **options)
    return str(info.value)


# ---------------------------------------------------------------- generic


def test_config_error_text_and_attributes() -> None:
    error = ConfigError("loglevel", "'x' is bad")
    assert isinstance(error, ValueError)
    assert str(error) == "[rpcinterface:supvisors] loglevel: 'x' is bad"
    assert (error.option, error.reason) == ("loglevel", "'x' is bad")


def test_defaults() -> None:
    parsed = parse()
    local = InstanceId("rocky51:61000", "supervisor", "rocky51", 61000, 61001)
    assert parsed.config == Config(
        instances=(local,),
        local=local,
        supvisors_list_given=False,
        rules_files=(),
        stereotypes=(),
        core_identifiers=(),
        synchro_options=frozenset({SYNC.TIMEOUT}),
        synchro_timeout=15,
        inactivity_ticks=2,
        tick_period=1.0,
        starting_strategy=StartingStrategies.CONFIG,
        conciliation_strategy=ConciliationStrategies.USER,
        supvisors_failure_strategy=SupvisorsFailureStrategies.CONTINUE,
        auto_fence=False,
        logfile=None,
        logfile_maxbytes=50 * 1024 * 1024,
        logfile_backups=10,
        loglevel=LogLevels.info,
    )
    assert parsed.warnings == (STRICT_DROPPED, CORE_DROPPED)
    assert parsed.infos == ()


def test_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        config_of().auto_fence = True  # type: ignore[misc]


def test_unknown_option_warns_and_factory_key_is_silent() -> None:
    options = {
        "supervisor.rpcinterface_factory": "x:y",
        "colour": "blue",
        "synchro_options": "USER",
    }
    parsed = parse_config(options, make_host())
    assert parsed.warnings == ("unknown option 'colour' ignored",)
    assert parsed.infos == ()


@pytest.mark.parametrize("option", sorted(LATER_OPTIONS))
def test_later_option_is_accepted_with_an_info(option: str) -> None:
    parsed = parse(**{option: "whatever", "synchro_options": "USER"})
    assert parsed.infos == (f"{option}: not supported yet, accepted and ignored",)
    assert parsed.warnings == ()


def test_values_and_keys_are_trimmed() -> None:
    parsed = parse_config({" LOGLEVEL ": "  debug \n"}, make_host())
    assert parsed.config.loglevel is LogLevels.debug


@pytest.mark.parametrize("module", [config_module, config_values_module])
def test_config_imports_no_io_module(module: Any) -> None:
    tree = ast.parse(Path(module.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    roots = {name.split(".")[0] for name in imported}
    assert roots.isdisjoint({"supervisor", "zmq", "socket", "psutil", "threading", "os"})


# ---------------------------------------------------------------- scalar options


@pytest.mark.parametrize(
    "option, text, expected",
    [
        ("synchro_timeout", "0", 0),
        ("synchro_timeout", "1", 1),
        ("synchro_timeout", "1200", 1200),
        ("synchro_timeout", "+30", 30),
        ("inactivity_ticks", "2", 2),
        ("inactivity_ticks", "720", 720),
        ("logfile_backups", "0", 0),
        ("logfile_backups", "500", 500),
        ("tick_period", "0.2", 0.2),
        ("tick_period", "10", 10.0),
        ("tick_period", "2.5", 2.5),
    ],
)
def test_numbers_valid(option: str, text: str, expected: float) -> None:
    assert getattr(config_of(**{option: text}), option) == expected


@pytest.mark.parametrize(
    "option, text, bounds",
    [
        ("synchro_timeout", "1201", "an integer in [0;1200]"),
        ("synchro_timeout", "15s", "an integer in [0;1200]"),
        ("synchro_timeout", "1.5", "an integer in [0;1200]"),
        ("synchro_timeout", "", "an integer in [0;1200]"),
        ("inactivity_ticks", "1", "an integer in [2;720]"),
        ("inactivity_ticks", "721", "an integer in [2;720]"),
        ("inactivity_ticks", "two", "an integer in [2;720]"),
        ("logfile_backups", "-1", "an integer >= 0"),
        ("logfile_backups", "ten", "an integer >= 0"),
        ("internal_port", "0", "an integer in [1;65535]"),
        ("internal_port", "65536", "an integer in [1;65535]"),
        ("internal_port", "port", "an integer in [1;65535]"),
        ("tick_period", "0.1", "a number in [0.2;10]"),
        ("tick_period", "10.5", "a number in [0.2;10]"),
        ("tick_period", "nan", "a number in [0.2;10]"),
        ("tick_period", "inf", "a number in [0.2;10]"),
        ("tick_period", "fast", "a number in [0.2;10]"),
    ],
)
def test_numbers_invalid(option: str, text: str, bounds: str) -> None:
    expected = f"[rpcinterface:supvisors] {option}: {text!r} is not {bounds}"
    assert error_of(**{option: text}) == expected


@pytest.mark.parametrize(
    "option, enum_cls",
    [
        ("starting_strategy", StartingStrategies),
        ("conciliation_strategy", ConciliationStrategies),
        ("supvisors_failure_strategy", SupvisorsFailureStrategies),
    ],
)
def test_strategies_valid(option: str, enum_cls: type[StartingStrategies]) -> None:
    for member in enum_cls:
        for text in (member.name, member.name.lower()):
            # without TIMEOUT the failure strategy is taken as given
            config = config_of(**{option: text, "synchro_options": "LIST"})
            assert getattr(config, option) is member


@pytest.mark.parametrize(
    "option, names",
    [
        (
            "starting_strategy",
            "CONFIG, LESS_LOADED, MOST_LOADED, LOCAL, LESS_LOADED_NODE, MOST_LOADED_NODE",
        ),
        ("conciliation_strategy", "SENICIDE, INFANTICIDE, USER, STOP, RESTART, RUNNING_FAILURE"),
        ("supvisors_failure_strategy", "CONTINUE, RESYNC, SHUTDOWN"),
        ("loglevel", "critical, error, warn, info, debug, trace, blather"),
        ("synchro_options", "STRICT, LIST, TIMEOUT, CORE, USER"),
    ],
)
def test_enumerations_invalid(option: str, names: str) -> None:
    expected = f"[rpcinterface:supvisors] {option}: 'WRONG' is not one of {names}"
    assert error_of(**{option: "WRONG"}) == expected


@pytest.mark.parametrize("level", list(LogLevels))
def test_loglevel_valid(level: LogLevels) -> None:
    assert config_of(loglevel=level.name).loglevel is level
    assert config_of(loglevel=level.name.upper()).loglevel is level


@pytest.mark.parametrize(
    "text, expected",
    [("true", True), ("TRUE", True), ("yes", True), ("on", True), ("1", True),
     ("false", False), ("No", False), ("off", False), ("0", False)],
)  # fmt: skip
def test_auto_fence_valid(text: str, expected: bool) -> None:
    assert config_of(auto_fence=text).auto_fence is expected


@pytest.mark.parametrize("text", ["maybe", "", "2"])
def test_auto_fence_invalid(text: str) -> None:
    assert error_of(auto_fence=text) == (
        f"[rpcinterface:supvisors] auto_fence: {text!r} is not a boolean"
        " (true/false, yes/no, on/off, 1/0)"
    )


@pytest.mark.parametrize(
    "text, expected",
    [("0", 0), ("1024", 1024), ("1KB", 1024), ("1kb", 1024), ("50MB", 50 * 1024**2),
     ("2 MB", 2 * 1024**2), ("1GB", 1024**3)],
)  # fmt: skip
def test_logfile_maxbytes_valid(text: str, expected: int) -> None:
    assert config_of(logfile_maxbytes=text).logfile_maxbytes == expected


@pytest.mark.parametrize("text", ["5XB", "-1", "", "MB", "1.5MB", "1TB"])
def test_logfile_maxbytes_invalid(text: str) -> None:
    assert error_of(logfile_maxbytes=text) == (
        f"[rpcinterface:supvisors] logfile_maxbytes: {text!r} is not a byte size"
        " (e.g. 1024, 512KB, 50MB, 1GB)"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("AUTO", None),
        ("auto", None),
        ("/var/log/supvisors.log", "/var/log/supvisors.log"),
        ("log/supvisors.log", "log/supvisors.log"),
        ("%(here)s/log/supvisors.log", "/etc/supvisors/log/supvisors.log"),
        ("/tmp/%(ENV_APP)s-%(host_node_name)s.log", "/tmp/demo-rocky51.log"),
    ],
)
def test_logfile_valid(text: str, expected: str | None) -> None:
    assert config_of(logfile=text).logfile == expected


def test_logfile_invalid() -> None:
    assert error_of(logfile="") == (
        "[rpcinterface:supvisors] logfile: '' is empty (expected a path or AUTO)"
    )
    assert error_of(logfile="%(nope)s.log") == (
        "[rpcinterface:supvisors] logfile: cannot expand %(nope)s in '%(nope)s.log'"
        " (available: here, host_node_name, ENV_<set environment variable>)"
    )


# ---------------------------------------------------------------- list options


def test_rules_files_split_and_substituted() -> None:
    host = make_host(here="/etc/my conf", environ={"RULES": "/opt/rules"})
    text = "%(here)s/rules.xml  %(ENV_RULES)s/*.xml\n  rules-%(host_node_name)s.xml rules.xml\n"
    config = parse(host, rules_files=text, logfile="AUTO").config
    # a `here` containing a space stays one glob: the value is split before substitution
    assert config.rules_files == (
        "/etc/my conf/rules.xml",
        "/opt/rules/*.xml",
        "rules-rocky51.xml",
        "rules.xml",
    )


@pytest.mark.parametrize(
    "host, text, bad",
    [
        (make_host(), "%(ENV_MISSING)s/a.xml", "%(ENV_MISSING)s"),
        (make_host(), "%(home)s/a.xml", "%(home)s"),
        (make_host(here=None), "%(here)s/a.xml", "%(here)s"),
    ],
)
def test_rules_files_bad_substitution(host: LocalHost, text: str, bad: str) -> None:
    assert error_of(host, rules_files=text) == (
        f"[rpcinterface:supvisors] rules_files: cannot expand {bad} in {text!r}"
        " (available: here, host_node_name, ENV_<set environment variable>)"
    )


def test_stereotypes_trimmed_deduplicated() -> None:
    assert config_of(stereotypes=" db , web,,db ").stereotypes == ("db", "web")


def test_core_identifiers_matching_names_do_not_warn() -> None:
    parsed = parse_server_1(
        stereotypes="edge",
        core_identifiers="server_1, rocky52:61000,edge",
        synchro_options="CORE",
    )
    assert parsed.config.core_identifiers == ("server_1", "rocky52:61000", "edge")
    assert parsed.warnings == ()


def test_core_identifiers_unmatched_kept_with_warning() -> None:
    parsed = parse_server_1(core_identifiers="server_1,ghost", synchro_options="CORE")
    assert parsed.config.core_identifiers == ("server_1", "ghost")
    assert parsed.warnings == (
        "core_identifiers: 'ghost' matches no instance of supvisors_list and no stereotype"
        " (kept: it may be discovered later)",
    )


# ---------------------------------------------------------------- synchro_options and rules


@pytest.mark.parametrize(
    "text, expected",
    [
        ("STRICT,LIST,TIMEOUT,CORE,USER", set(SYNC)),
        ("list", {SYNC.LIST}),
        ("USER, TIMEOUT,USER", {SYNC.USER, SYNC.TIMEOUT}),
    ],
)
def test_synchro_options_valid(text: str, expected: set[SynchronizationOptions]) -> None:
    parsed = parse_server_1(synchro_options=text, core_identifiers="server_1")
    assert parsed.config.synchro_options == expected
    assert parsed.warnings == ()


def test_strict_dropped_without_supvisors_list() -> None:
    parsed = parse(synchro_options="STRICT,LIST", core_identifiers="x")
    assert parsed.config.synchro_options == {SYNC.LIST}
    assert STRICT_DROPPED in parsed.warnings


def test_core_dropped_without_core_identifiers() -> None:
    parsed = parse_server_1(synchro_options="CORE,USER")
    assert parsed.config.synchro_options == {SYNC.USER}
    assert parsed.warnings == (CORE_DROPPED,)


@pytest.mark.parametrize(
    "options, after",
    [
        ({"synchro_options": ""}, ""),
        ({"synchro_options": ",,"}, ""),
        ({"synchro_options": "STRICT"}, " after dropping STRICT (supvisors_list is not set)"),
        (
            {"synchro_options": "STRICT,CORE"},
            " after dropping STRICT (supvisors_list is not set)"
            " and CORE (core_identifiers is empty)",
        ),
    ],
)
def test_synchro_options_empty_is_an_error(options: dict[str, str], after: str) -> None:
    text = options["synchro_options"]
    assert error_of(**options) == (
        f"[rpcinterface:supvisors] synchro_options: {text!r} leaves no option{after}"
    )


def test_timeout_forces_failure_strategy_continue() -> None:
    parsed = parse(synchro_options="TIMEOUT", supvisors_failure_strategy="SHUTDOWN")
    assert parsed.config.supvisors_failure_strategy is SupvisorsFailureStrategies.CONTINUE
    assert parsed.warnings == (
        "supvisors_failure_strategy: SHUTDOWN forced to CONTINUE"
        " because synchro_options contains TIMEOUT",
    )


def test_failure_strategy_kept_without_timeout() -> None:
    parsed = parse(synchro_options="USER", supvisors_failure_strategy="RESYNC")
    assert parsed.config.supvisors_failure_strategy is SupvisorsFailureStrategies.RESYNC
    assert parsed.warnings == ()


# ---------------------------------------------------------------- supvisors_list items
# (docs/configuration.md)


@pytest.mark.parametrize(
    "item, expected, nick_given",
    [
        # the rows of docs/configuration.md#supvisors_list-items (local HTTP port 63000)
        ("<server_1>rocky51:61000:61100", ("rocky51:61000", "server_1", 61100), True),
        ("<server_1>rocky51:61000", ("rocky51:61000", "server_1", 61001), True),
        ("rocky51:61000", ("rocky51:61000", "rocky51:61000", 61001), False),
        ("rocky51", ("rocky51:63000", "rocky51", 63001), False),
        ("<console_1>127.0.0.1:62000", ("127.0.0.1:62000", "console_1", 62001), True),
        # beyond the table
        ("rocky51:61000:61100", ("rocky51:61000", "rocky51:61000", 61100), False),
        ("<a.b:c-d_1>my-host_2.example.org:1:2", ("my-host_2.example.org:1", "a.b:c-d_1", 2), True),
        ("h:65534", ("h:65534", "h:65534", 65535), False),
        ("h:65535:1", ("h:65535", "h:65535", 1), False),
    ],
)
def test_instance_item_valid(item: str, expected: tuple[str, str, int], nick_given: bool) -> None:
    identifier, nick, internal_port = expected
    host, _, http_port = identifier.rpartition(":")
    instance = InstanceId(identifier, nick, host, int(http_port), internal_port)
    assert parse_instance_item(item, 63000) == (instance, nick_given)


@pytest.mark.parametrize(
    "item, reason",
    [
        ("<server_1rocky51:61000", f"missing '>' (expected {FORM})"),
        ("<>rocky51", "nick '' may contain only letters, digits, '_', '.', ':' and '-'"),
        ("<a/b>rocky51", "nick 'a/b' may contain only letters, digits, '_', '.', ':' and '-'"),
        ("<a>", "host '' may contain only letters, digits, '_', '.' and '-'"),
        (":61000", "host '' may contain only letters, digits, '_', '.' and '-'"),
        ("rocky/51:61000", "host 'rocky/51' may contain only letters, digits, '_', '.' and '-'"),
        ("h:1:2:3", f"too many ':' (expected {FORM})"),
        ("h:65535", "the default internal port (HTTP port + 1) would exceed 65535"),
        ("h:61000:61000", "the internal port 61000 equals the HTTP port"),
    ],
)  # fmt: skip
def test_instance_item_invalid(item: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_instance_item(item, 61000)
    assert str(info.value) == f"[rpcinterface:supvisors] supvisors_list: item {item!r}: {reason}"


@pytest.mark.parametrize(
    "item, what, port",
    [
        ("h:0", "HTTP port", "0"),
        ("h:65536", "HTTP port", "65536"),
        ("h:", "HTTP port", ""),
        ("h:http", "HTTP port", "http"),
        ("h:-1", "HTTP port", "-1"),
        ("h:61000:0", "internal port", "0"),
        ("h:61000:70000", "internal port", "70000"),
        ("h:61000:x", "internal port", "x"),
    ],
)
def test_instance_item_bad_port(item: str, what: str, port: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_instance_item(item, 61000)
    assert str(info.value) == (
        f"[rpcinterface:supvisors] supvisors_list: {what} {port!r} of item {item!r}"
        " is not in [1;65535]"
    )


# ---------------------------------------------------------------- supvisors_list as a whole


def test_scenario2_list_spanning_lines() -> None:
    parsed = parse_server_1()
    config = parsed.config
    assert [i.nick for i in config.instances] == [
        "server_1", "server_2", "server_3", "console_1", "console_2", "console_3"
    ]  # fmt: skip
    assert config.local == InstanceId("rocky51:61000", "server_1", "rocky51", 61000, 61001)
    assert config.supvisors_list_given
    assert config.synchro_options == {SYNC.STRICT, SYNC.TIMEOUT}
    assert parsed.warnings == (CORE_DROPPED,)


def test_list_separators_and_empty_items() -> None:
    config = config_of(supvisors_list=" rocky51 ,, rocky52\trocky53 ,\n")
    assert [i.identifier for i in config.instances] == [
        "rocky51:61000", "rocky52:61000", "rocky53:61000"
    ]  # fmt: skip
    assert config.local.identifier == "rocky51:61000"


def test_empty_list_means_not_given() -> None:
    config = config_of(supvisors_list="  ")
    assert not config.supvisors_list_given
    assert config.instances == (config.local,)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("rocky51:61000,<other>rocky51:61000", "duplicate identifier 'rocky51:61000'"),
        ("rocky51,rocky51:61000", "duplicate identifier 'rocky51:61000'"),
        ("<a>rocky51,<a>rocky52", "duplicate nick 'a'"),
        ("rocky51:61000,<rocky51:61000>rocky52", "duplicate nick 'rocky51:61000'"),
        ("rocky52,<rocky52:61000>rocky51",
         "nick 'rocky52:61000' of 'rocky51:61000' is another item's identifier"),
        ("<rocky52:61000>rocky51,rocky52",
         "nick 'rocky52:61000' of 'rocky51:61000' is another item's identifier"),
    ],
)  # fmt: skip
def test_list_names_must_be_unique(text: str, reason: str) -> None:
    assert error_of(supvisors_list=text) == f"[rpcinterface:supvisors] supvisors_list: {reason}"


def test_find_instance() -> None:
    config = config_of(supvisors_list=SCENARIO2)
    assert config.find_instance("server_2") == config.instances[1]
    assert config.find_instance("rocky53:62000") == config.instances[5]
    assert config.find_instance("rocky54:61000") is None


# ---------------------------------------------------------------- local instance


def test_local_by_nick_even_on_another_host_name() -> None:
    host = make_host(identifier="console_2", http_port=62000)
    assert parse(host, supvisors_list=SCENARIO2).config.local.identifier == "rocky52:62000"


def test_local_by_port_and_host() -> None:
    parsed = parse(make_host(http_port=62000), supvisors_list=SCENARIO2)
    assert parsed.config.local.identifier == "rocky51:62000"
    # the nick was given and differs from the supervisord identifier
    assert parsed.warnings[0] == (
        "supvisors_list: the local nick 'console_1' should equal the supervisord"
        " identifier 'supervisor'"
    )


@pytest.mark.parametrize("item", ["rocky51.example.org:61000", "127.0.0.1:61000", "localhost"])
def test_local_by_port_and_any_local_name(item: str) -> None:
    parsed = parse(supvisors_list=f"rocky52:61000,{item}")
    assert parsed.config.local == parsed.config.instances[1]
    assert parsed.warnings == (CORE_DROPPED,)  # no nick given: no nick warning


def test_local_by_nick_with_another_http_port_warns() -> None:
    parsed = parse(make_host(identifier="console_1"), supvisors_list=SCENARIO2)
    assert parsed.config.local.identifier == "rocky51:62000"
    assert parsed.warnings[0] == (
        "supvisors_list: the local item 'rocky51:62000' has HTTP port 62000"
        " but [inet_http_server] listens on port 61000"
    )


@pytest.mark.parametrize("port", [61000, 63000])
def test_local_not_found(port: int) -> None:
    # port 61000: the hosts match no local name; port 63000: no item has the local port
    text = "<a>rocky52:61000,<b>rocky53:61000,<c>rocky51:62000"
    assert error_of(make_host(http_port=port), supvisors_list=text) == (
        "[rpcinterface:supvisors] supvisors_list: cannot identify the local instance"
        " (no nick equals the supervisord identifier 'supervisor' and no item with"
        f" HTTP port {port} designates this host)"
    )


def test_local_several_matches() -> None:
    text = "<a>rocky51:61000,<b>127.0.0.1:61000,<c>rocky52:61000"
    assert error_of(supvisors_list=text) == (
        "[rpcinterface:supvisors] supvisors_list: several items match the local instance:"
        " rocky51:61000, 127.0.0.1:61000"
    )


# ---------------------------------------------------------------- internal_port


def test_internal_port_without_list() -> None:
    assert config_of(internal_port="9000").local.internal_port == 9000


def test_internal_port_equal_to_http_port() -> None:
    assert error_of(internal_port="61000") == (
        "[rpcinterface:supvisors] internal_port: 61000 is the HTTP port of this instance"
    )


def test_internal_port_default_overflow() -> None:
    assert error_of(make_host(http_port=65535)) == (
        "[rpcinterface:supvisors] internal_port: HTTP port 65535 + 1 exceeds 65535;"
        " set internal_port"
    )
    assert parse(make_host(http_port=65535), internal_port="1").config.local.internal_port == 1


@pytest.mark.parametrize(
    "item, port",
    [
        ("<me>rocky51:61000", "61001"),
        ("<me>rocky51:61000:61100", "61100"),
        ("<me>rocky51", "61001"),
    ],
)
def test_internal_port_agreeing_with_the_local_item(item: str, port: str) -> None:
    config = parse(make_host(identifier="me"), supvisors_list=item, internal_port=port).config
    assert config.local.internal_port == int(port)


@pytest.mark.parametrize(
    "item, own",
    [("<me>rocky51:61000", 61001), ("<me>rocky51:61000:61100", 61100)],
)
def test_internal_port_mismatch(item: str, own: int) -> None:
    host = make_host(identifier="me")
    assert error_of(host, supvisors_list=item, internal_port="61500") == (
        f"[rpcinterface:supvisors] internal_port: 61500 differs from {own}, the internal port"
        " of the local supvisors_list item 'rocky51:61000'"
    )


# ---------------------------------------------------------------- discovery mode
# (docs/configuration.md)


def test_multicast_options_valid() -> None:
    parsed = parse(
        multicast_group="239.0.0.1:61234",
        multicast_interface="192.168.1.12",
        multicast_ttl="4",
        synchro_options="LIST",
    )
    assert parsed.config.multicast == Multicast("239.0.0.1", 61234, "192.168.1.12", 4)
    assert (parsed.warnings, parsed.infos) == ((), ())


def test_multicast_defaults_and_off() -> None:
    assert config_of(multicast_group="224.0.0.251:5000").multicast == Multicast(
        "224.0.0.251", 5000, None, 1
    )
    assert config_of().multicast is None


@pytest.mark.parametrize(
    "options, message",
    [
        ({"multicast_group": "239.0.0.1"}, "multicast_group: '239.0.0.1' is not IP:port"),
        ({"multicast_group": "239.0.0.1:0"}, "multicast_group: '239.0.0.1:0' is not IP:port"),
        ({"multicast_group": "239.0.0.1:x"}, "multicast_group: '239.0.0.1:x' is not IP:port"),
        ({"multicast_group": "239.0.0.1:70000"}, "is not IP:port (e.g. 239.0.0.1:61234)"),
        (
            {"multicast_group": "10.0.0.1:5000"},
            "multicast_group: '10.0.0.1' is not an IPv4 multicast address (224.0.0.0/4)",
        ),
        ({"multicast_group": "mcast:5000"}, "'mcast' is not an IPv4 multicast address"),
        (
            {"multicast_group": "239.0.0.1:5000", "multicast_interface": "eth0"},
            "multicast_interface: 'eth0' is not the IPv4 address of a local interface",
        ),
        (
            {"multicast_group": "239.0.0.1:5000", "multicast_interface": "239.0.0.2"},
            "multicast_interface: '239.0.0.2' is not the IPv4 address",
        ),
        (
            {"multicast_group": "239.0.0.1:5000", "multicast_ttl": "256"},
            "multicast_ttl: '256' is not an integer in [0;255]",
        ),
    ],
)
def test_multicast_options_invalid(options: dict[str, str], message: str) -> None:
    assert message in error_of(**options)


def test_multicast_details_without_group_are_ignored_with_a_warning() -> None:
    parsed = parse(multicast_interface="10.0.0.1", multicast_ttl="3", synchro_options="LIST")
    assert parsed.config.multicast is None
    assert parsed.warnings == (
        "multicast_interface: ignored (multicast_group is not set)",
        "multicast_ttl: ignored (multicast_group is not set)",
    )


def test_multicast_with_a_local_only_list_and_stereotype_core() -> None:
    parsed = parse(
        make_host(identifier="server_1"),
        supvisors_list="<server_1>rocky51:61000",
        multicast_group="239.0.0.1:61234",
        stereotypes="server",
        core_identifiers="server",
    )
    config = parsed.config
    assert [item.nick for item in config.instances] == ["server_1"]
    assert config.core_identifiers == ("server",)
    assert config.synchro_options == frozenset({SYNC.STRICT, SYNC.TIMEOUT, SYNC.CORE})
    assert parsed.warnings == (
        "synchro_options: STRICT holds as soon as this instance runs (supvisors_list"
        " names only itself): discovered instances are not waited for",
    )
    # listing more than itself, STRICT has something to wait for
    more = parse(
        make_host(identifier="server_1"),
        supvisors_list="<server_1>rocky51:61000,<server_2>rocky52:61000",
        multicast_group="239.0.0.1:61234",
    )
    assert more.warnings == (CORE_DROPPED,)


def test_unmatched_core_names_are_only_an_info_in_discovery_mode() -> None:
    parsed = parse(
        make_host(identifier="console_1"),
        supvisors_list="<console_1>rocky51:61000",
        multicast_group="239.0.0.1:61234",
        stereotypes="console",
        core_identifiers="server",
        synchro_options="CORE",
    )
    assert parsed.warnings == ()
    assert parsed.infos == (
        "core_identifiers: 'server' matches no instance of supvisors_list and no stereotype"
        " (kept: it may be discovered later)",
    )


def test_supvisors_lower_bounds_accepted() -> None:
    """Supvisors 0.19.1 accepts synchro_timeout = 0 and multicast_ttl = 0."""
    parsed = parse(synchro_timeout="0", multicast_group="239.0.0.1:5000", multicast_ttl="0")
    assert parsed.config.synchro_timeout == 0
    assert parsed.config.multicast is not None and parsed.config.multicast.ttl == 0


def test_disabilities_file_resolved() -> None:
    assert parse().config.disabilities_file == ""
    path = parse(disabilities_file="/var/tmp/d.json").config.disabilities_file
    assert path == "/var/tmp/d.json"


def test_disabilities_file_folder_refused() -> None:
    with pytest.raises(ConfigError, match="names a folder"):
        parse(disabilities_file="/var/tmp/")
