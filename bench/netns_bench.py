#!/usr/bin/env python3
"""Partition benchmark (issue 9): failover when a host loses its network (its processes keep
running), and the way back to one copy once the network returns.

Run as root from the repository root, with the project installed (`pip install -e .`)::

    python bench/netns_bench.py              # 2 repeats of each case, both configurations
    python bench/netns_bench.py --repeats 1

Three network namespace hosts on a private bridge (tests/harness/netns.py), each running
server_N and console_N with the plugin: the layout of tests/integration/multihost_layout.py,
one application `svc` (bus RESTART_APPLICATION + worker, SINGLE_INSTANCE, LESS_LOADED over
the three servers), `conciliation_strategy = SENICIDE`. For each configuration
(`tick_period=0.2 inactivity_ticks=3`, and the defaults `tick_period=1 inactivity_ticks=2`)
and each case:

- `master`: the host of svc also runs the Master (server_1, where svc lands first);
- `non-master`: svc is first moved to a server on another host than the Master.

The host running svc is cut off (its port on the bridge goes down), then healed once svc has
failed over. Figures, as the console of a host that stays connected sees them (polled every
20 ms):

- `detection`: cut -> the cut server is not RUNNING any more;
- `failover`: cut -> svc RUNNING on another server;
- `start-up`: svc's own start-up just before (`start_application` LOCAL after a stop);
- `overhead`: failover - start-up;
- `heal`: svc then runs twice (the cut host kept its copy; checked before the heal); heal ->
  all six instances in OPERATION with no job, svc RUNNING once in every view, and the
  servers' supervisords (getProcessInfo) running exactly one copy of each svc process, and
  every instance seeing every other RUNNING.

Prints a table and writes bench/results/netns_bench.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.failover_common import (  # noqa: E402
    POLL,
    log,
    median,
    run_series,
    wait,
    write_json,
)
from tests.harness import Cluster  # noqa: E402
from tests.harness.netns import Network, unavailable  # noqa: E402
from tests.integration.multihost_layout import (  # noqa: E402
    CONSOLES,
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

CASES = ("non-master", "master")
ALL = [*SERVERS, *CONSOLES]


def measure(options: dict[str, Any], case: str, root: Path) -> dict[str, float]:
    with Network() as network, Cluster(root, name="bench") as cluster:
        add_multihost(
            cluster, network, root / "etc", {**options, "conciliation_strategy": "SENICIDE"}
        )
        cluster.start()
        wait(lambda: svc_settled(cluster, ALL), 60, "first OPERATION")
        startup = place_svc(cluster, on_master=case == "master")
        where = wait(lambda: svc_settled(cluster, ALL), 30, "OPERATION after placing")
        victim = nick_of(cluster, where)
        label = host_of_nick(victim)
        cut = nicks_on(label)
        observer = next(nick for nick in CONSOLES if nick not in cut)
        began = time.monotonic()
        network.cut(label)
        detection = failover = None
        deadline = began + 60
        while time.monotonic() < deadline and failover is None:
            now = time.monotonic()
            if detection is None and instance_state(cluster, observer, victim) not in (
                None,
                "RUNNING",
            ):
                detection = now - began
            placed = safe(lambda: svc_placed_once(cluster, observer))
            if placed and nick_of(cluster, placed) not in cut:
                failover = now - began
            time.sleep(POLL)
        if failover is None:
            raise RuntimeError(f"{case}: no failover within 60 s")
        others = [nick for nick in ALL if nick not in cut]
        wait(lambda: svc_settled(cluster, others), 60, "the other side settled")
        copies = len(running_copies(cluster, "svc:bus"))  # the cut host still runs its copy
        if copies != 2:
            raise RuntimeError(f"{case}: {copies} copies of svc:bus before the heal, not 2")
        healed_at = time.monotonic()
        network.heal(label)

        def healed() -> bool:
            return bool(svc_settled(cluster, ALL)) and all_see_all_running(cluster, ALL)

        wait(healed, 120, "back in OPERATION with one copy")
        heal = time.monotonic() - healed_at
        return {
            "detection": detection if detection is not None else float("nan"),
            "failover": failover,
            "startup": startup,
            "overhead": failover - startup,
            "heal": heal,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", default=str(REPO_ROOT / "bench/results/netns_bench.json"))
    args = parser.parse_args(argv)
    reason = unavailable()
    if reason:
        log(f"cannot run: {reason}")
        return 1
    results = run_series(CASES, args.repeats, measure, "netns-bench-")
    lines = [
        "| config | case | detection s | failover s | start-up s | overhead s"
        " | heal -> one copy s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for config, cases in results.items():
        for case, samples in cases.items():
            figures = " | ".join(
                f"{median(samples, key):.2f}"
                for key in ("detection", "failover", "startup", "overhead", "heal")
            )
            lines.append(f"| {config} | {case} | {figures} |")
    print("\n".join(lines))
    write_json(args.json, args.repeats, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
