"""The namespace hosts of tests/harness/netns.py: reachability, cut and heal, cleanup."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from tests.harness import netns
from tests.harness.netns import Network


@pytest.fixture
def network() -> Iterator[Network]:
    reason = netns.unavailable()
    if reason:
        pytest.skip(reason)
    with Network() as made:
        yield made


def listen_in(host: netns.Host) -> socket.socket:
    server: socket.socket = netns._run_in(host.netns, socket.create_server, (host.address, 0))
    return server


def test_hosts_reach_each_other_and_a_cut_host_only_itself(network: Network) -> None:
    first, second = network.add_host("a"), network.add_host("b")
    assert (first.address, second.address) == ("192.168.213.1", "192.168.213.2")
    with listen_in(first) as server:
        port = server.getsockname()[1]
        netns.connect_in(second.netns, (first.address, port), 5).close()
        network.cut("a")
        with pytest.raises(OSError):
            netns.connect_in(second.netns, (first.address, port), 0.5).close()
        netns.connect_in(first.netns, (first.address, port), 5).close()  # itself: still fine
        network.heal("a")
        netns.connect_in(second.netns, (first.address, port), 5).close()


def test_close_deletes_every_namespace() -> None:
    reason = netns.unavailable()
    if reason:
        pytest.skip(reason)
    network = Network()
    network.add_host("a")
    names = [network.bridge_netns, network["a"].netns]
    assert all(os.path.exists(f"/run/netns/{name}") for name in names)
    network.close()
    network.close()  # idempotent
    assert not any(os.path.exists(f"/run/netns/{name}") for name in names)


def test_a_host_label_is_unique(network: Network) -> None:
    network.add_host("a")
    with pytest.raises(ValueError, match="already exists"):
        network.add_host("a")
