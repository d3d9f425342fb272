"""Where the propagation time goes: each hop of a PROCESS message, from the changer's event to
its application on every peer (issue 18).

    python bench/propagation_trace.py                    # N=6, X=3, 40 changes
    python bench/propagation_trace.py --nodes 6 --items 30 --changes 40 --json out.json

Runs the Scenario 2 layout of `scale_bench.py` with `bench/tracing/sitecustomize.py` on the
supervisord PYTHONPATH, makes the start/stop changes of `cluster_bench.measure_propagation` on
console_1 (polled by its client every 5 ms, as in the scale bench), then collects the
landmarks of each instance (one monotonic clock for the host) and prints, per hop, the median,
p90 and max over every (change, peer) pair:

- event → pub: the changer's main thread, from the process event to the publication;
- pub → ctl: until the changer's bus thread takes it from its PAIR (a thread hand-off);
- ctl → recv: ZeroMQ over loopback and the peer's bus thread, until it has decoded it;
- recv → wake: until the peer's main loop is woken by the plugin's pipe;
- wake → apply: the peer's main thread, until the message is applied.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import scale_bench  # noqa: E402
from bench.cluster_bench import measure_propagation  # noqa: E402

TRACE_DIR_ENV = "SUPVISORS_BENCH_TRACE_DIR"
TRACING = Path(__file__).resolve().parent / "tracing"
HOPS = ("event→pub", "pub→ctl", "ctl→recv", "recv→wake", "wake→apply", "total")


def collect(folder: Path, pids: dict[int, str]) -> dict[str, list[Any]]:
    deadline = time.monotonic() + 10
    traces: dict[str, list[Any]] = {}
    while len(traces) < len(pids) and time.monotonic() < deadline:
        for path in folder.glob("trace.*.json"):
            nick = pids[int(path.name.split(".")[1])]
            try:
                traces[nick] = json.loads(path.read_text())
            except json.JSONDecodeError:  # still being written
                continue
        time.sleep(0.1)
    return traces


def hops(traces: dict[str, list[Any]], changer: str) -> dict[str, list[float]]:
    """Per hop, the milliseconds of every (change, peer) pair."""
    published = {tuple(key): when for kind, key, when in traces[changer] if kind == "pub"}
    controls = sorted(when for kind, _key, when in traces[changer] if kind == "ctl")
    result: dict[str, list[float]] = {hop: [] for hop in HOPS}
    for nick, records in traces.items():
        if nick == changer:
            continue
        wakes = sorted(when for kind, _key, when in records if kind == "wake")
        received = {tuple(key): when for kind, key, when in records if kind == "recv"}
        for kind, raw, applied in records:
            key = tuple(raw) if raw else None
            if kind != "apply" or key not in published or key not in received:
                continue
            event, pub, recv = key[4], published[key], received[key]
            index = bisect.bisect_left(controls, pub)
            wake_index = bisect.bisect_left(wakes, recv)
            if index == len(controls) or wake_index == len(wakes):
                continue
            ctl, wake = controls[index], wakes[wake_index]
            spans = (pub - event, ctl - pub, recv - ctl, wake - recv, applied - wake)
            for hop, value in zip(HOPS, (*spans, applied - event)):
                result[hop].append(1000 * value)
    return result


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p90": ordered[int(0.9 * (len(ordered) - 1))],
        "max": ordered[-1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=6)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--json", type=Path, default=Path("bench/reports/propagation_trace.json"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trace-") as tmp:
        root = Path(tmp)
        folder = root / "trace"
        folder.mkdir()
        os.environ[TRACE_DIR_ENV] = str(folder)
        os.environ["PYTHONPATH"] = str(TRACING)
        with scale_bench.Cluster(root / "cluster") as cluster:
            scale_bench.build(cluster, root / "cluster", args.nodes, args.items)
            start = time.monotonic()
            cluster.start(wait=False)
            launch = scale_bench.wait_launch(cluster, args.items, start)
            time.sleep(3.0)
            peers = [scale_bench.OBSERVER, "server_1", "server_2", "console_2"]
            measured = measure_propagation(
                cluster, peers, scale_bench.OBSERVER, args.changes, 0.005, random.Random(1)
            )
            for instance in cluster:
                os.kill(instance.pid, signal.SIGWINCH)
            traces = collect(folder, {instance.pid: instance.nick for instance in cluster})
    per_hop = hops(traces, scale_bench.OBSERVER)
    table = {hop: summary(values) for hop, values in per_hop.items() if values}
    print(f"N={args.nodes} X={args.items}, {args.changes} changes on {scale_bench.OBSERVER}")
    print("| hop | n | median ms | p90 ms | max ms |\n| --- | --- | --- | --- | --- |")
    for hop, row in table.items():
        print(f"| {hop} | {row['n']} | {row['median']:.2f} | {row['p90']:.2f} | {row['max']:.2f} |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "meta": {
                    "nodes": args.nodes,
                    "items": args.items,
                    "changes": args.changes,
                    "load_average": os.getloadavg(),
                    "launch": launch,
                },
                "hops_ms": table,
                "propagation": {k: v for k, v in measured.items() if k != "samples"},
            },
            indent=1,
        )
    )
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
