"""A quick reload is seen by every peer through the TICK run id (issue 15, docs/design/bus.md).

The window: an instance starts (run 1), the peers handshake it at one of its first ticks, and
it reloads (run 2) at once. The first tick of run 2 that the peers receive can carry a counter
as high as the last one of run 1 they saw (ZeroMQ drops what a PUB sends before the peers'
SUBs have reconnected), so a counter that "went back" cannot be relied on; the run id can.
"""

from __future__ import annotations

import signal
import time
import xmlrpc.client
from typing import Any

import pytest

from tests.harness import Cluster, Instance, program_section
from tests.integration.cluster_helpers import wait_operation

pytestmark = pytest.mark.integration
# one tick every 3 s: the reload happens between run 1's first and second tick
SLOW_TICKS = {"tick_period": 3.0, "inactivity_ticks": 2}
NICKS = ("a", "b", "c")


def view_of(instance: Instance, of: Instance) -> dict[str, Any]:
    """How `instance` sees `of` (instance info), {} while it does not answer."""
    try:
        return instance.supvisors.get_instance_info(of.identifier)[0]
    except (OSError, xmlrpc.client.Error):
        return {}


def log_lines(instance: Instance, text: str) -> int:
    try:
        return instance.log_path.read_text(errors="replace").count(text)
    except FileNotFoundError:
        return 0


def test_a_reload_within_half_a_second_is_seen_by_every_peer(make_cluster: Any) -> None:
    cluster: Cluster = make_cluster(supvisors_options=SLOW_TICKS)
    for nick in NICKS:
        cluster.add(nick, programs=[program_section(f"prog_{nick}")])
    cluster.start()
    wait_operation(cluster, NICKS, timeout=40)
    a, b, c = (cluster[nick] for nick in NICKS)
    peers = (a, b)
    # c leaves long enough for the peers to notice (silence), then comes back: run 1
    cluster.stop("c")
    cluster.wait_until(
        lambda: all(view_of(peer, c).get("statename") in ("STOPPED", "FAILED") for peer in peers),
        timeout=30,
        message="the peers did not notice that c stopped",
    )
    cluster.start(["c"])
    run1 = cluster.wait_until(lambda: view_of(c, c).get("run_id"), timeout=30)
    cluster.wait_until(
        lambda: (
            all(view_of(peer, c).get("run_id") == run1 for peer in peers)
            and all(view_of(peer, c).get("statename") in ("CHECKED", "RUNNING") for peer in peers)
        ),
        timeout=30,
        message="the peers did not handshake run 1 of c",
    )
    checked = f"{c.identifier} CHECKED"
    handshakes = {peer.nick: log_lines(peer, checked) for peer in peers}
    counters = {peer.nick: view_of(peer, c).get("remote_sequence_counter") for peer in peers}
    reload_at = time.monotonic()
    cluster.signal("c", signal.SIGHUP)  # supervisord reloads in place: run 2
    run2 = cluster.wait_until(
        lambda: (view_of(c, c).get("run_id") or run1) != run1 and view_of(c, c)["run_id"],
        timeout=30,
    )
    print(f"c reloaded {time.monotonic() - reload_at:.2f} s after the signal; counters {counters}")

    def noticed() -> bool:
        return all(
            view_of(peer, c).get("run_id") == run2
            and view_of(peer, c).get("statename") == "RUNNING"
            and log_lines(peer, checked) > handshakes[peer.nick]
            for peer in peers
        )

    restarted = f"{c.identifier} FAILED: it restarted ("
    cluster.wait_until(noticed, timeout=30, message="a peer missed the reload of c")
    for peer in peers:
        assert log_lines(peer, restarted) >= 1, peer.log_tail()
        by_run_id = log_lines(peer, restarted + "its run id changed")
        print(
            f"{peer.nick}: last counter of run 1 seen {counters[peer.nick]}, by run id {by_run_id}"
        )
    wait_operation(cluster, NICKS, timeout=40)
