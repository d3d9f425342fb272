"""Test hosts made of Linux network namespaces, for multi-host tests on one machine.

A ``Network`` owns one bridge namespace (``<tag>-br``, a bridge ``br0``) and one namespace per
host (``<tag>-<label>``), each linked to the bridge by a veth pair: ``eth0`` in the host,
``p<N>`` in the bridge namespace. Host N gets ``192.168.213.N/24``. The subnet exists only
inside these namespaces (the host's own interfaces, routes and addresses are never touched),
so concurrent tests (xdist workers) can all use it: the tag makes the namespace names unique.

- A supervisord runs in a host with ``ip netns exec <ns> ...`` (``Cluster.add(netns=...)``).
- The test process stays in the host's namespace. It reaches an instance through a socket
  created inside the instance's namespace: a short-lived thread enters it with ``setns(2)``
  (per thread for network namespaces), connects, and hands the socket back
  (``connect_in``). Talking to a host's own address from inside that host works even while
  the host is cut off.
- ``cut(host)`` sets the bridge side of its veth down (a pulled cable: the host keeps its
  address and its processes, it just hears nothing); ``heal(host)`` sets it up again.

Needs root, iproute2 and a kernel that allows network namespaces; ``unavailable()`` says why
not (probed once per process).
"""

from __future__ import annotations

import ctypes
import functools
import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import xmlrpc.client
from typing import Any

from tests.harness.rpc import DEFAULT_RPC_TIMEOUT, TimeoutTransport

SUBNET = "192.168.213"
CLONE_NEWNET = 0x40000000
_NETNS_DIR = "/run/netns"


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``ip args``; raise RuntimeError with its stderr when it fails and ``check``."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


@functools.cache
def unavailable() -> str | None:
    """Why namespace hosts cannot be made here, or None when they can (probed once)."""
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux only"
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    try:
        with Network() as network:
            first, second = network.add_host("a"), network.add_host("b")
            with _run_in(first.netns, socket.create_server, (first.address, 0)) as server:
                port = server.getsockname()[1]
                connect_in(second.netns, (first.address, port), 5.0).close()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return f"this machine forbids network namespace hosts: {exc}"
    return None


def _setns(path: str) -> None:
    """Move the calling thread into the network namespace at ``path``."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"setns({path}): {os.strerror(errno)}")
    finally:
        os.close(fd)


def _run_in(netns: str, function: Any, *args: Any) -> Any:
    """Call ``function(*args)`` on a throwaway thread inside ``netns``; return its result.

    Only that thread changes namespace (setns is per thread for CLONE_NEWNET), so the test
    process itself never leaves the host's namespace. A socket keeps the namespace it was
    created in, so the caller may use it afterwards.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            _setns(f"{_NETNS_DIR}/{netns}")
            outcome["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"netns-{netns}")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def connect_in(
    netns: str,
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """``socket.create_connection`` from inside ``netns``."""
    return _run_in(netns, socket.create_connection, address, timeout, source_address)


class NetnsTransport(TimeoutTransport):
    """``TimeoutTransport`` whose connections are opened inside a network namespace."""

    def __init__(self, netns: str, timeout: float = DEFAULT_RPC_TIMEOUT) -> None:
        super().__init__(timeout)
        self.netns = netns

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        # http.client.HTTPConnection.connect calls self._create_connection(address, timeout, src)
        connection._create_connection = functools.partial(connect_in, self.netns)  # type: ignore[attr-defined]
        return connection


def make_netns_proxy(
    netns: str, url: str, timeout: float = DEFAULT_RPC_TIMEOUT
) -> xmlrpc.client.ServerProxy:
    """A fresh ServerProxy on ``url`` that connects from inside ``netns``."""
    return xmlrpc.client.ServerProxy(url + "/RPC2", transport=NetnsTransport(netns, timeout))


class Host:
    """One namespace host: its namespace, its address, its port on the bridge."""

    def __init__(self, label: str, netns: str, index: int) -> None:
        self.label = label
        self.netns = netns
        self.index = index
        self.address = f"{SUBNET}.{index}"
        self.bridge_port = f"p{index}"

    def __repr__(self) -> str:
        return f"Host({self.label!r}, {self.netns!r}, {self.address})"


class Network:
    """A bridge namespace and namespace hosts on ``192.168.213.0/24``; ``close()`` deletes
    every namespace it made (hence every veth and the bridge)."""

    def __init__(self) -> None:
        self.tag = "sx" + secrets.token_hex(3)
        self.hosts: dict[str, Host] = {}
        self._namespaces: list[str] = []
        self.bridge_netns = self._add_netns("br")
        try:
            ip("-n", self.bridge_netns, "link", "add", "br0", "type", "bridge")
            ip("-n", self.bridge_netns, "link", "set", "br0", "up")
        except BaseException:
            self.close()
            raise

    def _add_netns(self, label: str) -> str:
        name = f"{self.tag}-{label}"
        ip("netns", "add", name)
        self._namespaces.append(name)
        ip("-n", name, "link", "set", "lo", "up")
        return name

    def add_host(self, label: str) -> Host:
        """Create host ``label`` (address ``192.168.213.<N>``, N from 1 in creation order)."""
        if label in self.hosts or label == "br":
            raise ValueError(f"host {label!r} already exists")
        host = Host(label, self._add_netns(label), len(self.hosts) + 1)
        bridge = self.bridge_netns
        peer = ("peer", "name", "eth0", "netns", host.netns)
        ip("-n", bridge, "link", "add", host.bridge_port, "type", "veth", *peer)
        ip("-n", bridge, "link", "set", host.bridge_port, "master", "br0", "up")
        ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", "eth0")
        ip("-n", host.netns, "link", "set", "eth0", "up")
        self.hosts[label] = host
        return host

    def __getitem__(self, label: str) -> Host:
        return self.hosts[label]

    def cut(self, label: str) -> None:
        """Cut host ``label`` off the network (its processes keep running)."""
        ip("-n", self.bridge_netns, "link", "set", self[label].bridge_port, "down")

    def heal(self, label: str) -> None:
        """Plug host ``label`` back in."""
        ip("-n", self.bridge_netns, "link", "set", self[label].bridge_port, "up")

    def close(self) -> None:
        """Delete every namespace made here (idempotent); raise if one is left."""
        left = []
        for name in reversed(self._namespaces):
            if ip("netns", "del", name, check=False).returncode != 0 and os.path.exists(
                f"{_NETNS_DIR}/{name}"
            ):
                left.append(name)
        self._namespaces = left
        if left:
            raise RuntimeError(f"network namespaces not deleted: {left}")

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
