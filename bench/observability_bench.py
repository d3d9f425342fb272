#!/usr/bin/env python3
"""Observability bench: six instances (Scenario 2 layout) with statistics `ALL` at 5 s
against `OFF`, the ZMQ event interface on in both (docs/statistics.md, docs/events.md).

Run from the repository root::

    python bench/observability_bench.py            # about 3 minutes
    python bench/observability_bench.py --quick    # smoke run

For each configuration it measures, on the same machine:
- extra CPU per instance: CPU time of each supervisord (psutil, its programs excluded) over an
  idle window, as a percentage of one core;
- propagation: alternate start/stop of `bench_sleeper` on one instance; time from the change
  on the changer (`last_event_mtime`) to its application on each peer (quiet pass, nothing
  polled meanwhile; shared CLOCK_MONOTONIC);
- event latency: a ZMQ subscriber on the changer's event port and one on a peer's; latency =
  arrival - the change's own `now_monotonic` carried by the `event` topic.

It prints a table and writes bench/results/observability_bench.json. The machine may be
shared and loaded: the load average before each phase is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import zmq  # noqa: E402

from bench.cluster_bench import (  # noqa: E402
    KeepAliveRpc,
    build_cluster,
    measure_idle,
    measure_propagation,
    percentile,
    wait_cluster_operation,
)
from tests.harness import Cluster  # noqa: E402

DEFAULT_JSON = REPO_ROOT / "bench" / "results" / "observability_bench.json"
BASE = {"tick_period": 1, "event_link": "ZMQ"}
CONFIGS = (
    ("stats OFF", {**BASE, "stats_enabled": "OFF"}),
    ("stats ALL 5 s", {**BASE, "stats_enabled": "ALL", "stats_collecting_period": 5}),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Subscriber:
    """ZMQ SUB on one event port, recording the latency of every `event` of one identifier."""

    def __init__(self, port: int, identifier: str) -> None:
        self.port = port
        self.identifier = identifier
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()

    def __enter__(self) -> Subscriber:
        self._thread.start()
        self._ready.wait(5)
        time.sleep(0.5)  # the SUB connection and subscription settle
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        context = zmq.Context()
        socket = context.socket(zmq.SUB)
        socket.setsockopt(zmq.SUBSCRIBE, b"event")
        socket.connect(f"tcp://127.0.0.1:{self.port}")
        self._ready.set()
        try:
            while not self._stop.is_set():
                if socket.poll(100):
                    _topic, body = socket.recv_multipart()
                    arrival = time.monotonic()
                    payload = json.loads(body)
                    if payload["identifier"] == self.identifier:
                        self.latencies.append(arrival - payload["now_monotonic"])
        finally:
            socket.close(0)
            context.term()


def summary_ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "median": 1000 * statistics.median(values),
        "p99": 1000 * percentile(values, 99),
        "max": 1000 * max(values),
    }


def run_config(name: str, options: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"name": name, "options": options}
    with (
        tempfile.TemporaryDirectory(prefix="obs-bench-") as tmp,
        Cluster(Path(tmp), plugin=True, name=name.replace(" ", "_"), port_span=3) as cluster,
    ):
        nicks = build_cluster(cluster, Path(tmp), options, "sleep")
        cluster.start()
        clients = {nick: KeepAliveRpc(cluster[nick].http_port, timeout=2.0) for nick in nicks}
        try:
            wait_cluster_operation(cluster, clients, nicks, 60)
            time.sleep(2)
            result["load_before_idle"] = os.getloadavg()
            log(f"[{name}] idle window {args.idle_window:.0f} s")
            result["idle"] = measure_idle(cluster, nicks, args.idle_window)
            changer, peer = args.changer, next(n for n in nicks if n != args.changer)
            identifier = cluster[changer].identifier
            result["load_before_propagation"] = os.getloadavg()
            log(f"[{name}] {args.changes} changes on {changer}, subscribers on {changer}, {peer}")
            with (
                Subscriber(cluster[changer].http_port + 2, identifier) as local,
                Subscriber(cluster[peer].http_port + 2, identifier) as remote,
            ):
                rng = random.Random(args.seed)
                propagation = measure_propagation(
                    cluster, nicks, changer, args.changes, 0.0, rng, polled=False
                )
            result["propagation_applied_ms"] = propagation["applied_ms"]
            result["event_latency_local_ms"] = summary_ms(local.latencies)
            result["event_latency_peer_ms"] = summary_ms(remote.latencies)
        finally:
            for client in clients.values():
                client.close()
    return result


def table(results: list[dict[str, Any]]) -> str:
    off, on = results
    rows = [
        ("CPU per instance, median % of a core", lambda r: r["idle"]["cpu_percent"]["median"]),
        ("propagation median ms", lambda r: r["propagation_applied_ms"]["median"]),
        ("event latency (changer) median ms", lambda r: r["event_latency_local_ms"]["median"]),
        ("event latency (changer) p99 ms", lambda r: r["event_latency_local_ms"]["p99"]),
        ("event latency (peer) median ms", lambda r: r["event_latency_peer_ms"]["median"]),
        ("event latency (peer) p99 ms", lambda r: r["event_latency_peer_ms"]["p99"]),
    ]
    lines = [f"{'':40} {off['name']:>12} {on['name']:>14} {'delta':>8}"]
    for label, get in rows:
        a, b = get(off), get(on)
        lines.append(f"{label:40} {a:12.2f} {b:14.2f} {b - a:8.2f}")
    lines.append(f"load average before: {off['load_before_idle']} / {on['load_before_idle']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--idle-window", type=float, default=30.0)
    parser.add_argument("--changer", default="console_1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    if args.quick:
        args.changes, args.idle_window = 10, 10.0
    results = [run_config(name, options, args) for name, options in CONFIGS]
    print(table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
