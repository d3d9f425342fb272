"""Facts about this machine and this supervisord, for `config.parse_config`; I/O (DNS, interfaces).

Called on supervisord's main thread when the plugin factory runs.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

import psutil

from supvisors_ext.config import ConfigError, LocalHost

DEFAULT_SUPERVISORD_IDENTIFIER = "supervisor"  # supervisor's own default (options.py)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class SupervisordOptions(Protocol):
    """The part of supervisor's `ServerOptions` read here (after `realize`)."""

    identifier: str | None
    server_configs: Sequence[Mapping[str, object]]
    configfile: str | None


def _address(text: str) -> IpAddress | None:
    """An IP address, IPv6 zone (`%eth0`) ignored; None if `text` is no address."""
    try:
        return ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return None


def _interface_addresses() -> set[IpAddress]:
    """The addresses of the local interfaces, read at each call since DHCP may change them."""
    try:
        interfaces = psutil.net_if_addrs()
    except OSError:
        return set()
    addresses = (_address(snic.address) for snics in interfaces.values() for snic in snics)
    return {address for address in addresses if address is not None}


def _resolve(name: str) -> set[IpAddress]:
    """Forward resolution only: the answer must not depend on reverse DNS."""
    try:
        infos = socket.getaddrinfo(name, None)
    except (OSError, ValueError):  # UnicodeError (e.g. a label too long) is a ValueError
        return set()
    addresses = (_address(str(sockaddr[0])) for *_, sockaddr in infos)
    return {address for address in addresses if address is not None}


def _fqdn(host_name: str) -> str:
    """The canonical name of this host by forward resolution (socket.getfqdn uses reverse DNS)."""
    try:
        infos = socket.getaddrinfo(host_name, None, flags=socket.AI_CANONNAME)
    except (OSError, ValueError):
        return host_name
    return next((info[3] for info in infos if info[3]), host_name)


def make_is_local_host() -> Callable[[str], bool]:
    """A predicate: does this host name or address designate this machine? Never raises."""
    host_name = socket.gethostname()
    return _make_is_local_host(host_name, _fqdn(host_name))


def _make_is_local_host(host_name: str, fqdn: str) -> Callable[[str], bool]:
    names = {"localhost", host_name.lower(), fqdn.lower()}

    def is_local_host(name: str) -> bool:
        name = name.strip()
        if not name:
            return False
        if name.lower() in names:
            return True
        address = _address(name)
        # an address needs no resolution, and resolving it would only echo it back
        candidates = {address} if address is not None else _resolve(name)
        if any(candidate.is_loopback for candidate in candidates):
            return True
        return bool(candidates & _interface_addresses())

    return is_local_host


def _http_port(options: SupervisordOptions) -> int:
    """The port of `[inet_http_server]`, the one peers call (docs/configuration.md,
    requirements)."""
    for server_config in options.server_configs:
        port = server_config.get("port")
        if server_config.get("family") == socket.AF_INET and isinstance(port, int):
            return port
    raise ConfigError("inet_http_server", "an [inet_http_server] section is required")


def gather_local_host(supervisord_options: SupervisordOptions) -> LocalHost:
    """Read supervisord's options and this machine into a `LocalHost`."""
    host_name = socket.gethostname()
    fqdn = _fqdn(host_name)
    configfile = supervisord_options.configfile
    return LocalHost(
        supervisord_identifier=supervisord_options.identifier or DEFAULT_SUPERVISORD_IDENTIFIER,
        http_port=_http_port(supervisord_options),
        host_name=host_name,
        fqdn=fqdn,
        here=os.path.dirname(os.path.abspath(configfile)) if configfile else None,
        environ=MappingProxyType(dict(os.environ)),
        is_local_host=_make_is_local_host(host_name, fqdn),
    )
