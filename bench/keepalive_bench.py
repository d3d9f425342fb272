#!/usr/bin/env python3
"""Keep-alive XML-RPC benchmark: one call on a reused HTTP connection against one on a fresh one.

Run from the repository root, with the project installed::

    python bench/keepalive_bench.py              # 30 calls of each kind and method

One supervisord with the plugin (127.0.0.1, dynamic port, temporary directory) and 60 programs
(not started). For ``supervisor.getAllProcessInfo`` and ``supvisors.get_all_local_process_info``
it times ``--calls`` calls through one ``xmlrpc.client.ServerProxy`` (which keeps its HTTP/1.1
connection, like the peer workers) and as many on a fresh connection each. Before the plugin set
``TCP_NODELAY`` on supervisord's listening sockets, every keep-alive call after the first waited
for the client's delayed ACK (~40 ms). Prints medians and writes
bench/results/keepalive_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.harness import Cluster, program_section  # noqa: E402

METHODS = ("supervisor.getAllProcessInfo", "supvisors.get_all_local_process_info")


def timed(call: Any) -> float:
    start = time.perf_counter()
    call()
    return 1000 * (time.perf_counter() - start)


def measure(url: str, method: str, calls: int) -> dict[str, float]:
    kept = xmlrpc.client.ServerProxy(url)
    path = method.split(".")

    def invoke(proxy: Any) -> Any:
        return getattr(getattr(proxy, path[0]), path[1])()

    invoke(kept)  # the connection is open from here on
    keep_alive = [timed(lambda: invoke(kept)) for _ in range(calls)]
    fresh = [timed(lambda: invoke(xmlrpc.client.ServerProxy(url))) for _ in range(calls)]
    return {
        "keep_alive_median_ms": statistics.median(keep_alive),
        "keep_alive_max_ms": max(keep_alive),
        "fresh_median_ms": statistics.median(fresh),
        "fresh_max_ms": max(fresh),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument(
        "--json", type=Path, default=REPO_ROOT / "bench" / "results" / "keepalive_bench.json"
    )
    args = parser.parse_args(argv)
    sleep = shutil.which("sleep") or "sleep"
    programs = [
        program_section(f"prog_{index:02}", f"{sleep} infinity", autostart=False)
        for index in range(60)
    ]
    with tempfile.TemporaryDirectory(prefix="keepalive-") as tmp, Cluster(Path(tmp)) as cluster:
        cluster.add("solo", programs=programs)
        cluster.start()
        url = f"http://127.0.0.1:{cluster['solo'].http_port}"
        results = {method: measure(url, method, args.calls) for method in METHODS}
    results["load_average"] = list(os.getloadavg())  # type: ignore[assignment]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    for method in METHODS:
        row = results[method]
        print(
            f"{method}: keep-alive {row['keep_alive_median_ms']:.1f} ms"
            f" (max {row['keep_alive_max_ms']:.1f}), fresh {row['fresh_median_ms']:.1f} ms"
            f" (max {row['fresh_max_ms']:.1f})"
        )
    print(f"load average {results['load_average']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
