"""The discovery thread on real sockets, inside namespace hosts (tests/harness/netns.py):
beacons cross the bridge and reach the other instance of the same host; a bad interface
is reported. The threads are started from inside a host's namespace, which they inherit."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pytest

from supvisors_ext.config import Multicast
from supvisors_ext.model import InstanceId
from supvisors_ext.net.beacon import Beacon
from supvisors_ext.net.discovery import Discovered, Discovery, DiscoveryFailure
from tests.harness import netns
from tests.harness.netns import Host, Network

GROUP, PORT = "239.255.77.1", 45931


@pytest.fixture
def network() -> Iterator[Network]:
    reason = netns.unavailable()
    if reason:
        pytest.skip(reason)
    with Network() as made:
        yield made


def start_in(host: Host, nick: str, port: int, items: queue.Queue[object]) -> Discovery:
    instance = InstanceId(f"{host.address}:{port}", nick, host.address, port, port + 1)
    multicast = Multicast(GROUP, PORT, host.address, 1)
    discovery = Discovery(multicast, Beacon.of(instance, (nick.split("_")[0],)), 0.1, items.put)
    netns._run_in(host.netns, discovery.start)
    return discovery


def collect(items: queue.Queue[object], count: int, timeout: float = 5.0) -> list[object]:
    found = []
    while len(found) < count:
        found.append(items.get(timeout=timeout))
    return found


def test_beacons_reach_other_hosts_and_the_same_host(network: Network) -> None:
    first, second = network.add_host("a"), network.add_host("b")
    inboxes: list[queue.Queue[object]] = [queue.Queue() for _ in range(3)]
    discoveries = [
        start_in(first, "server_1", 61000, inboxes[0]),
        start_in(first, "console_1", 62000, inboxes[1]),
        start_in(second, "server_2", 61000, inboxes[2]),
    ]
    try:
        seen = [collect(inbox, 2) for inbox in inboxes]
    finally:
        assert all(discovery.stop() for discovery in discoveries)
    nicks = [
        sorted(item.beacon.nick for item in items if isinstance(item, Discovered)) for items in seen
    ]
    assert nicks == [["console_1", "server_2"], ["server_1", "server_2"], ["console_1", "server_1"]]
    sources = {item.beacon.nick: item.source for item in seen[2] if isinstance(item, Discovered)}
    assert sources == {"server_1": first.address, "console_1": first.address}
    assert all(
        not thread.name.startswith("supvisors-discovery") for thread in threading.enumerate()
    )


def test_an_interface_that_is_not_local_is_reported(network: Network) -> None:
    host = network.add_host("a")
    items: queue.Queue[object] = queue.Queue()
    instance = InstanceId(f"{host.address}:61000", "s", host.address, 61000, 61001)
    multicast = Multicast(GROUP, PORT, "192.168.213.200", 1)  # no such address in host a
    discovery = Discovery(multicast, Beacon.of(instance, ()), 0.1, items.put)
    netns._run_in(host.netns, discovery.start)
    [failure] = collect(items, 1)
    assert discovery.stop()
    assert isinstance(failure, DiscoveryFailure) and failure.fatal
    assert failure.reason.startswith(f"cannot join multicast group {GROUP}:{PORT}: ")
