"""Partitions between hosts (issue 9, parts 3 and 4): three namespace hosts on a private
bridge, each running server_N and console_N (tests/integration/multihost_layout.py). A host is
cut off by pulling its cable (its veth port on the bridge goes down): its supervisords and
programs keep running, they just hear nothing. See docs/multihost.md."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Cluster
from tests.harness.netns import Network, unavailable
from tests.integration.cluster_helpers import FAST
from tests.integration.multihost_layout import (
    CONSOLES,
    NAMESPECS,
    SERVERS,
    add_multihost,
    all_see_all_running,
    host_of_nick,
    instance_state,
    nick_of,
    nicks_on,
    place_svc,
    running_copies,
    safe,
    svc_placed_once,
    svc_settled,
)

pytestmark = pytest.mark.integration
ALL = [*SERVERS, *CONSOLES]


@pytest.fixture
def network() -> Iterator[Network]:
    """Namespace hosts on a private bridge, deleted at teardown; skip where forbidden."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    with Network() as made:
        yield made


def start(make_cluster: Any, network: Network, tmp_path: Path, **options: Any) -> Cluster:
    """Start the six instances and wait until svc runs once and everyone is in OPERATION."""
    cluster = make_cluster()
    add_multihost(cluster, network, tmp_path / "etc", {**FAST, **options})
    cluster.start()
    wait_settled(cluster, ALL, timeout=40)
    return cluster


def wait_settled(cluster: Cluster, nicks: list[str], timeout: float) -> str:
    """Every named instance in OPERATION with no job; svc RUNNING once in every view (as
    supervisord itself says too); return the identifier running it."""
    return cluster.wait_until(
        lambda: svc_settled(cluster, nicks), timeout=timeout, message=f"{nicks} not settled"
    )


def cut_host_of_svc(cluster: Cluster, network: Network) -> tuple[str, str, list[str], list[str]]:
    """Cut off the host running svc; return its server nick, host label, cut and other nicks."""
    server = nick_of(cluster, svc_placed_once(cluster, "console_3") or "")
    label = host_of_nick(server)
    network.cut(label)
    cut = nicks_on(label)
    return server, label, cut, [nick for nick in ALL if nick not in cut]


def wait_failover(cluster: Cluster, cut: list[str], others: list[str], lost: frozenset[str]) -> str:
    """The other side declares the cut instances lost (a state in ``lost``) and runs svc
    elsewhere; return the server running it now."""
    observer = others[-1]

    def failed_over() -> str | None:
        if any(instance_state(cluster, observer, nick) not in lost for nick in cut):
            return None
        where = safe(lambda: svc_placed_once(cluster, observer))
        return where if where and nick_of(cluster, where) not in cut else None

    where = cluster.wait_until(failed_over, timeout=30, message="svc did not fail over")
    return nick_of(cluster, where)


def place(cluster: Cluster, on_master: bool) -> None:
    """Run svc on the Master's server, or on another one."""
    place_svc(cluster, on_master)
    master = cluster["console_3"].supvisors.get_master_identifier()["identifier"]
    assert (wait_settled(cluster, ALL, timeout=20) == master) == on_master


@pytest.mark.parametrize(
    ("strategy", "master_cut"),
    [("SENICIDE", True), ("INFANTICIDE", False)],
    ids=["senicide-master_cut", "infanticide-master_elsewhere"],
)
def test_partition_fails_over_then_heals_with_one_copy(
    network: Network, make_cluster: Any, tmp_path: Path, strategy: str, master_cut: bool
) -> None:
    cluster = start(make_cluster, network, tmp_path, conciliation_strategy=strategy)
    place(cluster, on_master=master_cut)
    server, label, cut, others = cut_host_of_svc(cluster, network)

    # the other side: the cut host is lost, svc restarts on another server (RESTART_APPLICATION)
    failover = wait_failover(cluster, cut, others, lost=frozenset({"STOPPED"}))
    wait_settled(cluster, others, timeout=30)
    # the cut host still runs its copy (nothing told it to stop): svc runs twice for now
    for namespec in NAMESPECS:
        assert sorted(running_copies(cluster, namespec)) == sorted([server, failover]), namespec

    # heal: both sides handshake again, the conflict is conciliated by itself
    network.heal(label)
    kept = wait_settled(cluster, ALL, timeout=60)
    expected = failover if strategy == "SENICIDE" else server  # youngest / oldest copy
    assert nick_of(cluster, kept) == expected
    cluster.wait_until(lambda: all_see_all_running(cluster, ALL), timeout=10)
    for nick in ALL:
        assert cluster[nick].supvisors.get_conflicts() == []


FENCED = frozenset({"ISOLATED"})


@pytest.mark.parametrize("master_cut", [False, True], ids=["master_elsewhere", "master_cut"])
def test_auto_fence_isolates_a_cut_host_for_good(
    network: Network, make_cluster: Any, tmp_path: Path, master_cut: bool
) -> None:
    cluster = start(make_cluster, network, tmp_path, auto_fence=True)
    place(cluster, on_master=master_cut)
    server, label, cut, others = cut_host_of_svc(cluster, network)
    # every peer lost while the cluster works is isolated, even one detected after the Master
    # was lost (its report gone, our own ELECTION state stands for the Master's)
    allowed = allowed_back = FENCED

    failover = wait_failover(cluster, cut, others, lost=allowed)
    wait_settled(cluster, others, timeout=30)
    # the cut side must have seen the others go silent too before the heal: each side detects
    # on its own ticks, so a short cut may end before the last detection
    cluster.wait_until(
        lambda: all(
            instance_state(cluster, observer, nick) in allowed_back
            for observer in cut
            for nick in others
        ),
        timeout=10,
        message="the cut side did not fence the others",
    )

    network.heal(label)
    # watch for a while after the heal: ticks flow again, yet nobody re-admits anybody
    watch_until = time.monotonic() + 3 * FAST["tick_period"] * FAST["inactivity_ticks"]
    while time.monotonic() < watch_until:
        for observer in others:
            for nick in cut:
                assert instance_state(cluster, observer, nick) in allowed, (observer, nick)
        for observer in cut:
            for nick in others:
                assert instance_state(cluster, observer, nick) in allowed_back, (observer, nick)
        time.sleep(FAST["tick_period"])

    # both sides end up fencing each other (each saw the other go silent while working):
    # neither processes anything from the other any more
    def all_fenced() -> bool:
        pairs = [(o, n) for o in others for n in cut] + [(o, n) for o in cut for n in others]
        return all(instance_state(cluster, o, n) == "ISOLATED" for o, n in pairs)

    cluster.wait_until(all_fenced, timeout=10, message="the two sides do not fence each other")

    # what happens to the isolated host's processes (docs/design/state-machine.md,
    # docs/design/failures.md#node-loss): nothing. Fencing
    # only stops listening to the host; nobody can reach it to stop its programs, and its own
    # plugin has no reason to. Its copy of svc keeps running beside the failover copy, which is
    # why auto_fence needs an operator (or a watchdog) to restart or power off a fenced host.
    for namespec in NAMESPECS:
        assert sorted(running_copies(cluster, namespec)) == sorted([server, failover]), namespec
    # ... while the cluster's view ignores it: svc runs once, no conflict, OPERATION
    assert wait_settled(cluster, others, timeout=10) == cluster[failover].identifier
    assert cluster[others[-1]].supvisors.get_conflicts() == []
