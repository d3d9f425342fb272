"""Unit tests of supvisors_ext.host.localhost: the local-host predicate and gather_local_host."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import psutil
import pytest

from supvisors_ext.config import ConfigError, parse_config
from supvisors_ext.host import localhost
from supvisors_ext.host.localhost import gather_local_host, make_is_local_host

AddrInfo = tuple[Any, ...]


def fake_getaddrinfo(
    answers: dict[str, list[str]], calls: list[str] | None = None
) -> Callable[..., list[AddrInfo]]:
    """A getaddrinfo answering `answers` and raising gaierror for any other name."""

    def getaddrinfo(name: str, port: object, *args: object, **kwargs: object) -> list[AddrInfo]:
        if calls is not None:
            calls.append(name)
        if name not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, 0)) for addr in answers[name]]

    return getaddrinfo


def local_interface_address() -> str | None:
    """A non-loopback address of a local interface, if this machine has one."""
    for snics in psutil.net_if_addrs().values():
        for snic in snics:
            try:
                address = ipaddress.ip_address(snic.address.partition("%")[0])
            except ValueError:
                continue
            if not address.is_loopback:
                return str(address)
    return None


@pytest.fixture
def is_local_host() -> Callable[[str], bool]:
    return make_is_local_host()


# ---------------------------------------------------------------- is_local_host, real values


@pytest.mark.parametrize(
    "name",
    ["127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "localhost", "LocalHost", " localhost "],
)
def test_loopback_is_local(is_local_host: Callable[[str], bool], name: str) -> None:
    assert is_local_host(name)


def test_host_name_is_local(is_local_host: Callable[[str], bool]) -> None:
    assert is_local_host(socket.gethostname())
    assert is_local_host(socket.gethostname().upper())


def test_interface_address_is_local(is_local_host: Callable[[str], bool]) -> None:
    address = local_interface_address()
    if address is None:
        pytest.skip("no non-loopback interface address on this machine")
    assert is_local_host(address)


@pytest.mark.parametrize("name", ["", "   ", "192.0.2.1", "2001:db8::1", "a" * 300])
def test_not_local_without_network(is_local_host: Callable[[str], bool], name: str) -> None:
    # TEST-NET addresses need no DNS; a 300-character label fails IDNA encoding before any DNS
    assert not is_local_host(name)


# ---------------------------------------------------------------- is_local_host, resolution


def test_name_resolving_to_loopback_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    is_local_host = make_is_local_host()
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo({"alias": ["127.0.1.1"]}))
    assert is_local_host("alias")


def test_name_resolving_to_an_interface_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    address = local_interface_address()
    if address is None:
        pytest.skip("no non-loopback interface address on this machine")
    is_local_host = make_is_local_host()
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo({"me": ["192.0.2.7", address]}))
    assert is_local_host("me")


def test_name_resolving_elsewhere_is_not_local(monkeypatch: pytest.MonkeyPatch) -> None:
    is_local_host = make_is_local_host()
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo({"peer": ["192.0.2.7"]}))
    assert not is_local_host("peer")


@pytest.mark.parametrize(
    "error", [socket.gaierror(-2, "unknown"), OSError("down"), UnicodeError("label too long")]
)
def test_resolution_errors_are_not_local(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    is_local_host = make_is_local_host()

    def failing(*args: object, **kwargs: object) -> list[AddrInfo]:
        raise error

    monkeypatch.setattr(socket, "getaddrinfo", failing)
    assert not is_local_host("unresolvable")


def test_addresses_are_not_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    is_local_host = make_is_local_host()
    calls: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo({}, calls))
    assert is_local_host("127.0.0.1")
    assert not is_local_host("192.0.2.1")
    assert calls == []


def test_interface_listing_error_is_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    is_local_host = make_is_local_host()

    def failing() -> object:
        raise OSError("no netlink")

    monkeypatch.setattr(psutil, "net_if_addrs", failing)
    assert not is_local_host("192.0.2.1")
    assert is_local_host("127.0.0.1")


def test_fqdn_uses_forward_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    def getaddrinfo(name: str, port: object, *args: object, **kwargs: object) -> list[AddrInfo]:
        assert kwargs.get("flags") == socket.AI_CANONNAME
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, f"{name}.example.org", ("192.0.2.9", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert localhost._fqdn("box") == "box.example.org"
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo({}))
    assert localhost._fqdn("box") == "box"


def test_fqdn_is_local() -> None:
    is_local_host = localhost._make_is_local_host("box", "box.example.org")
    assert is_local_host("BOX.example.org")


# ---------------------------------------------------------------- gather_local_host


def make_options(**overrides: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "identifier": "server_1",
        "configfile": "/etc/supvisors/supervisord.conf",
        "server_configs": [
            {"family": socket.AF_UNIX, "file": "/tmp/supervisor.sock"},
            {"family": socket.AF_INET, "host": "", "port": 61000, "name": "inet_http_server"},
        ],
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def test_gather_local_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPVISORS_EXT_TEST", "yes")
    host = gather_local_host(make_options())
    assert host.supervisord_identifier == "server_1"
    assert host.http_port == 61000
    assert host.host_name == socket.gethostname()
    assert host.fqdn
    assert host.here == "/etc/supvisors"
    assert host.environ["SUPVISORS_EXT_TEST"] == "yes"
    assert host.is_local_host("127.0.0.1")
    assert host.is_local_host(host.fqdn)


def test_gather_local_host_defaults() -> None:
    host = gather_local_host(make_options(identifier=None, configfile=None))
    assert host.supervisord_identifier == "supervisor"
    assert host.here is None


def test_gather_local_host_relative_configfile() -> None:
    host = gather_local_host(make_options(configfile="supervisord.conf"))
    assert host.here is not None and host.here.startswith("/")


def test_gather_local_host_requires_inet_http_server() -> None:
    options = make_options(server_configs=[{"family": socket.AF_UNIX, "file": "/tmp/s.sock"}])
    with pytest.raises(ConfigError) as info:
        gather_local_host(options)
    assert str(info.value) == (
        "[rpcinterface:supvisors] inet_http_server: an [inet_http_server] section is required"
    )


def test_parse_config_with_gathered_host() -> None:
    # two loopback instances on one machine: the HTTP port tells which one is local
    host = gather_local_host(make_options(identifier="supervisor"))
    text = "<a>127.0.0.1:61000,<b>127.0.0.1:62000,<c>192.0.2.1:61000"
    parsed = parse_config({"supvisors_list": text}, host)
    assert parsed.config.local.nick == "a"
