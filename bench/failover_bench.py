#!/usr/bin/env python3
"""Failover benchmark (issue 5): from the loss of the server hosting scen2_srv_01 to
scen2_srv_01 RUNNING on another server, as a surviving console sees it.

Run from the repository root, with the project installed (`pip install -e .`)::

    python bench/failover_bench.py             # 2 repeats of each case, both configurations
    python bench/failover_bench.py --repeats 1

Six real supervisord instances with the plugin (3 servers, 3 consoles, the Scenario 2 layout of
the integration tests: sleepers and checks that exit at once, startsecs 0) on 127.0.0.1 with
dynamic ports, for each configuration (`tick_period=0.2 inactivity_ticks=3`, and the defaults
`tick_period=1 inactivity_ticks=2`) and each case:

- `non-master`: SIGKILL of the whole session (supervisord and its programs) of a server that is
  not the Master and hosts scen2_srv_01;
- `master`: the same when that server is the Master;
- `hung`: SIGSTOP of every process of that session (a frozen host).

Figures: `detection` (kill -> the survivor's `get_instance_info(victim)` is not RUNNING),
`failover` (kill -> every service of scen2_srv_01 RUNNING on one other server and every check
exited as expected, polled every 20 ms on console_1),
`start-up` (the application's own start-up on the same cluster just before: a
`start_application('LESS_LOADED', 'scen2_srv_01', True)` call after a stop) and `overhead` =
failover - start-up. Prints a table and writes bench/results/failover_bench.json.
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
    median,
    run_series,
    safe,
    wait,
    write_json,
)
from tests.harness import Cluster  # noqa: E402
from tests.integration.cluster_helpers import start_scenario2  # noqa: E402

CASES = ("non-master", "master", "hung")
TARGETS = {"tick 0.2 / 3": 2.0, "defaults": 5.0}  # overhead beyond the start-up, seconds
REFERENCE = {"non-master": 6.0, "master": 18.6, "hung": 25.9}  # Supvisors 0.19.1, defaults


def where(instance: Any, application: str) -> set[str]:
    infos = instance.supvisors.get_process_info(f"{application}:*")
    return {identifier for info in infos for identifier in info["identifiers"]}


def settled(cluster: Cluster, nicks: list[str]) -> bool:
    states = [cluster[nick].supvisors.get_supvisors_state() for nick in nicks]
    if any(s["fsm_statename"] != "OPERATION" or s["starting_jobs"] for s in states):
        return False
    observer = cluster[nicks[-1]]
    apps = [observer.supvisors.get_application_info(f"scen2_srv_0{i}") for i in (1, 2, 3)]
    return all(app["statename"] == "RUNNING" for app in apps)


def restarted_elsewhere(infos: list[dict[str, Any]], victim: str) -> bool:
    """Every service RUNNING on one other server and every check exited as expected: the
    whole start sequence is over (the last stage runs only after the checks)."""
    hosts = set()
    for info in infos:
        if info["statename"] == "RUNNING":
            hosts.update(info["identifiers"])
        elif not (info["statename"] == "EXITED" and info["expected_exit"]):
            return False
    return len(hosts) == 1 and victim not in hosts


def master_of(cluster: Cluster) -> str:
    return cluster["console_1"].supvisors.get_master_identifier()["identifier"]


def nick_of(cluster: Cluster, identifier: str) -> str:
    return next(inst.nick for inst in cluster if inst.identifier == identifier)


def place_srv_01(cluster: Cluster, on_master: bool) -> float:
    """Restart scen2_srv_01 onto (or off) the Master's server; return its start-up time."""
    observer = cluster["console_1"]
    master = master_of(cluster)
    servers = [inst.identifier for inst in cluster if inst.nick.startswith("server")]
    wanted = master if on_master else next(i for i in servers if i != master)
    observer.supvisors.stop_application("scen2_srv_01", True)
    began = time.monotonic()
    cluster[nick_of(cluster, wanted)].supvisors.start_application("LOCAL", "scen2_srv_01", True)
    startup = time.monotonic() - began
    assert where(observer, "scen2_srv_01") == {wanted}
    return startup


def measure(options: dict[str, Any], case: str, root: Path) -> dict[str, float]:
    with Cluster(root, name="bench") as cluster:
        nicks = start_scenario2(cluster, root, options=options)
        wait(lambda: settled(cluster, nicks), 60, "first OPERATION")
        startup = place_srv_01(cluster, on_master=case == "master")
        wait(lambda: settled(cluster, nicks), 30, "OPERATION after placing")
        observer = cluster["console_1"]
        victim_id = next(iter(where(observer, "scen2_srv_01")))
        victim = nick_of(cluster, victim_id)
        began = time.monotonic()
        if case == "hung":
            cluster.suspend(victim)
        else:
            cluster.kill(victim)
        detection = failover = None
        deadline = began + 60
        while time.monotonic() < deadline and failover is None:
            now = time.monotonic()
            if detection is None:
                info = safe(lambda: observer.supvisors.get_instance_info(victim_id)[0])
                if info is not None and info["statename"] != "RUNNING":
                    detection = now - began
            infos = safe(lambda: observer.supvisors.get_process_info("scen2_srv_01:*"), [])
            if infos and restarted_elsewhere(infos, victim_id):
                failover = now - began
            time.sleep(POLL)
        if case == "hung":
            cluster.resume(victim)
        if failover is None:
            raise RuntimeError(f"{case}: no failover within 60 s")
        return {
            "detection": detection or float("nan"),
            "failover": failover,
            "startup": startup,
            "overhead": failover - startup,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", default=str(REPO_ROOT / "bench/results/failover_bench.json"))
    args = parser.parse_args(argv)
    results = run_series(CASES, args.repeats, measure, "failover-")
    lines = [
        "| config | case | detection s | failover s | start-up s | overhead s | target"
        " | Supvisors 0.19.1 (defaults) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for config, cases in results.items():
        for case, samples in cases.items():
            target = TARGETS[config]
            verdict = "ok" if median(samples, "overhead") < target else "MISSED"
            figures = " | ".join(
                f"{median(samples, key):.2f}"
                for key in ("detection", "failover", "startup", "overhead")
            )
            goal = f"< {target:.0f} ({verdict})"
            lines.append(f"| {config} | {case} | {figures} | {goal} | {REFERENCE[case]} |")
    print("\n".join(lines))
    write_json(args.json, args.repeats, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
