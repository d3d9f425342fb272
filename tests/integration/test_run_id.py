"""A quick reload is seen by every peer through the TICK run id (issue 15, docs/design/bus.md).

The window: an instance starts (run 1), the peers handshake it at one of its first ticks, and
it reloads (run 2) at once. The first tick of run 2 that the peers receive can carry a counter
as high as the last one of run 1 they saw (ZeroMQ drops what a PUB sends before the peers'
SUBs have reconnected), so a counter that "went back" cannot be relied on; the run id can.
"""

from __future__ import annotations

import json
import signal
import time
import xmlrpc.client
from dataclasses import replace
from typing import Any

import pytest
import zmq

from supvisors_ext.messages import PROTOCOL_VERSION, TickMessage, encode
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


def test_a_peer_speaking_another_schema_gives_one_clear_line(make_cluster: Any) -> None:
    """`old` is listed but never started: the test publishes its ticks, in schema 1."""
    cluster: Cluster = make_cluster(supvisors_options={"tick_period": 0.2})
    solo = cluster.add("solo")
    old = cluster.add("old")
    cluster.start(["solo"])
    now = time.monotonic()
    tick = TickMessage(
        old.identifier, now, old.nick, 1, time.time(), now, old.http_port, old.internal_port, ()
    )
    payload = {**json.loads(encode(tick)[1]), "v": PROTOCOL_VERSION - 1}
    del payload["run_id"]
    frames = [b"TICK", json.dumps(payload).encode()]
    expected = (
        f"bus message dropped: TICK: key 'v': unsupported protocol version {PROTOCOL_VERSION - 1}"
        f" (this instance speaks {PROTOCOL_VERSION}): run the same supvisors_ext version on"
        " every instance"
    )
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    sock = context.socket(zmq.PUB)
    try:
        sock.setsockopt(zmq.LINGER, 0)
        sock.bind(f"tcp://127.0.0.1:{old.internal_port}")

        def reported() -> bool:
            sock.send_multipart(frames)  # solo's SUB reconnects by itself: repeat until heard
            return log_lines(solo, expected) >= 1

        cluster.wait_until(reported, timeout=20, interval=0.05, message="no schema line")
        for _ in range(200):
            sock.send_multipart(frames)
        # one connection keeps its order: once a valid tick sent after them is recorded, the
        # 200 have been handled, and reported within the same line (one per sender a minute)
        valid = encode(replace(tick, sequence_counter=7, run_id="0123"))
        cluster.wait_until(
            lambda: (
                sock.send_multipart(valid) or view_of(solo, old).get("remote_sequence_counter") == 7
            ),
            timeout=10,
            message="the valid tick never arrived",
        )
        assert log_lines(solo, expected) == 1
        assert log_lines(solo, "bus message dropped") == 1
    finally:
        sock.close(linger=0)
        context.term()
