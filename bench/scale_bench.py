#!/usr/bin/env python3
"""Scale benchmark: the Scenario 2 layout grown to N instances and X items (bench/README.md).

Run from the repository root, with the project installed with the ``bench`` extra::

    python bench/scale_bench.py --quick      # N in {6, 12}, X in {3, 30}
    python bench/scale_bench.py              # N in {6, 12, 24}, X in {3, 30, 100}

For each (N, X): N/2 servers and N/2 consoles (real supervisord with the plugin, 127.0.0.1,
dynamic ports, tick 0.2 s, inactivity 3), X scen2_srv and X scen2_hci groups on each server /
console (the stand-in programs of control_bench.py: ``sleep``, startsecs 1, checks exit after
0.2 s). It measures, on console_1:

- launch -> OPERATION and launch -> every scen2_srv RUNNING;
- at rest (2 s after): CPU % and RSS of every supervisord over the idle window (psutil), the
  bus traffic (a ZeroMQ subscriber of its own on every instance's PUB socket: messages and
  bytes per second, per topic), and a cProfile window of console_1's main thread
  (bench/profiling/sitecustomize.py): loop passes, wake-ups and plugin ticks per second;
- ``supvisors.get_all_process_info`` against ``supervisor.getAllProcessInfo`` (median of 20
  keep-alive calls each);
- propagation of a start/stop on console_1 to 3 peers (cluster_bench.measure_propagation:
  ``observed`` by a client polling every 5 ms, ``applied`` from the peers' own event times);
- the plugin's share of RSS: a bare supervisord (no plugin) with the same programs, per kind;
- failover: SIGKILL of the (non-Master) server hosting scen2_srv_01 -> scen2_srv_01 complete
  again elsewhere, minus its program chain (3.2 s).

Writes bench/results/scale_bench.json and bench/results/scale_bench.png (matplotlib).
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import psutil  # noqa: E402
import zmq  # noqa: E402

from bench.cluster_bench import measure_propagation, sleeper_program  # noqa: E402
from bench.control_bench import (  # noqa: E402
    KeepAliveRpc,
    srv_apps_running,
    srv_complete,
    write_bench_etc,
)
from tests.harness import Cluster, Deadline, add_scenario2  # noqa: E402
from tests.integration.scenario2_layout import RULES_FILE  # noqa: E402

TICK = {"tick_period": 0.2, "inactivity_ticks": 3}
OBSERVER = "console_1"
SRV_CHAIN_S = 3.2  # bus 1 s -> check 0.2 s -> services 1 s -> common_bus_interface 1 s
POLL = 0.05
LAUNCH_TIMEOUT = 180.0
WORKING = ("DISTRIBUTION", "OPERATION", "CONCILIATION")
PROFILE_DIR_ENV = "SUPVISORS_BENCH_PROFILE_DIR"
DEFAULT_JSON = REPO_ROOT / "bench" / "results" / "scale_bench.json"
TARGETS_N24_X100 = {
    "launch_to_operation_s": 15.0,
    "failover_overhead_s": 2.0,
    "idle_cpu_percent": 2.0,
    "process_info_ratio": 1.5,
}


class BenchError(RuntimeError):
    """A measurement could not complete."""


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# ----------------------------------------------------------------------------- layout
def scaled_rules(path: Path, servers: int, consoles: int, items: int) -> Path:
    """The example rules with the aliases over our instances; beyond X=3 only the data bus
    keeps a load (1), so that X items fit on N/2 servers whatever X."""
    text = RULES_FILE.read_text()
    server_list = ",".join(f"server_{index}" for index in range(1, servers + 1))
    console_list = ",".join(f"console_{index}" for index in range(1, consoles + 1))
    text = re.sub(r'(<alias name="servers">)[^<]*', rf"\g<1>{server_list}", text)
    text = re.sub(r'(<alias name="consoles">)[^<]*', rf"\g<1>{console_list}", text)
    if items > 3:
        text = re.sub(r"<expected_loading>\s*2\s*</expected_loading>", "<E>1</E>", text)
        text = re.sub(r"<expected_loading>\s*\d+\s*</expected_loading>", "<E>0</E>", text)
        text = text.replace("<E>", "<expected_loading>").replace("</E>", "</expected_loading>")
    path.write_text(text)
    return path


def build(cluster: Cluster, root: Path, nodes: int, items: int, plugin: bool = True) -> None:
    etc = write_bench_etc(root / "etc", items)
    rules = scaled_rules(root / "rules.xml", nodes // 2, nodes // 2, items)
    add_scenario2(
        cluster,
        etc_dir=etc,
        servers=nodes // 2,
        consoles=nodes // 2,
        supvisors_options={"rules_files": str(rules), **TICK},
        extra=sleeper_program("sleep"),
    )


# ----------------------------------------------------------------------------- phases
def wait_launch(cluster: Cluster, items: int, t_launch: float) -> dict[str, float]:
    """Seconds from launch to console_1 in OPERATION and to every scen2_srv complete (each
    marked on its own: the gap between both is the FSM's own delay)."""
    client = KeepAliveRpc(cluster[OBSERVER].http_port)
    marks: dict[str, float] = {}
    deadline = Deadline(LAUNCH_TIMEOUT)
    try:
        while len(marks) < 2:
            if deadline.expired():
                raise BenchError(f"launch: not complete after {LAUNCH_TIMEOUT} s: {marks}")
            try:
                state = client.call("supvisors.get_supvisors_state")["fsm_statename"]
            except Exception:  # noqa: BLE001 - not answering yet, or not ready for queries
                state = ""
            now = time.monotonic() - t_launch
            if state == "OPERATION":
                marks.setdefault("operation", now)
            if state in WORKING and "srv_running" not in marks and srv_ready(client, items):
                marks["srv_running"] = time.monotonic() - t_launch
            time.sleep(POLL)
    finally:
        client.close()
    return marks


def srv_ready(client: KeepAliveRpc, items: int) -> bool:
    apps = client.call("supvisors.get_all_applications_info")
    if not srv_apps_running(apps, items):
        return False
    complete, _why = srv_complete(client.call("supvisors.get_all_process_info"), items)
    return complete


class BusCounter:
    """A subscriber of our own on every instance's PUB socket: what the bus carries."""

    def __init__(self, cluster: Cluster) -> None:
        self.context: zmq.Context[Any] = zmq.Context()
        self.sub = self.context.socket(zmq.SUB)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"")
        self.sub.setsockopt(zmq.LINGER, 0)
        for instance in cluster:
            self.sub.connect(f"tcp://127.0.0.1:{instance.internal_port}")

    def count(self, window: float) -> dict[str, Any]:
        self._drain(time.monotonic() + 1.0, {})  # connections settle; nothing counted
        per_topic: dict[str, list[int]] = {}
        start = time.monotonic()
        self._drain(start + window, per_topic)
        elapsed = time.monotonic() - start
        messages = sum(value[0] for value in per_topic.values())
        size = sum(value[1] for value in per_topic.values())
        return {
            "window_s": elapsed,
            "messages_per_s": messages / elapsed,
            "bytes_per_s": size / elapsed,
            "per_topic_per_s": {
                topic: {"messages": count / elapsed, "bytes": nbytes / elapsed}
                for topic, (count, nbytes) in per_topic.items()
            },
        }

    def _drain(self, until: float, per_topic: dict[str, list[int]]) -> None:
        while (left := until - time.monotonic()) > 0:
            if not self.sub.poll(int(left * 1000) + 1):
                continue
            frames = self.sub.recv_multipart()
            entry = per_topic.setdefault(frames[0].decode(errors="replace"), [0, 0])
            entry[0] += 1
            entry[1] += sum(len(frame) for frame in frames)

    def close(self) -> None:
        self.sub.close(linger=0)
        self.context.term()


def measure_rest(cluster: Cluster, window: float, profile_dir: Path) -> dict[str, Any]:
    """CPU and RSS per instance, bus traffic, and a profile of console_1's main thread."""
    procs = {instance.nick: psutil.Process(instance.pid) for instance in cluster}
    counter = BusCounter(cluster)
    try:
        observer = procs[OBSERVER]
        before = {nick: proc.cpu_times() for nick, proc in procs.items()}
        threads_before = {thread.id: thread for thread in observer.threads()}
        observer.send_signal(signal.SIGWINCH)  # profile window on
        t0 = time.monotonic()
        bus = counter.count(window)
        observer.send_signal(signal.SIGWINCH)  # profile window off, written
        elapsed = time.monotonic() - t0
        threads = thread_cpu(observer, threads_before, elapsed)
    finally:
        counter.close()
    per_instance = {}
    for nick, proc in procs.items():
        after = proc.cpu_times()
        cpu = after.user - before[nick].user + after.system - before[nick].system
        per_instance[nick] = {
            "cpu_percent": 100 * cpu / elapsed,
            "rss_mib": proc.memory_info().rss / 2**20,
        }
    return {
        "window_s": elapsed,
        "load_average": load_average(),
        "cpu_percent_median": statistics.median(v["cpu_percent"] for v in per_instance.values()),
        "rss_mib_median": statistics.median(v["rss_mib"] for v in per_instance.values()),
        "per_instance": per_instance,
        "bus": bus,
        "observer_threads_cpu_percent": threads,
        "profile": read_profile(profile_dir, observer.pid, elapsed),
    }


def thread_cpu(process: psutil.Process, before: dict[int, Any], elapsed: float) -> list[float]:
    """CPU % of each thread over the window, the main thread (tid = pid) first."""
    shares = []
    for thread in process.threads():
        old = before.get(thread.id)
        used = thread.user_time + thread.system_time
        if old is not None:
            used -= old.user_time + old.system_time
        shares.append((thread.id != process.pid, -used, 100 * used / elapsed))
    return [round(share, 3) for _, _, share in sorted(shares)]


PROFILE_KEYS = {
    "loop_passes": ("supervisord.py", "runforever"),
    "poll_calls": ("poller.py", "poll"),
    "wakeups": ("mainloop.py", "handle_read_event"),
    "plugin_ticks": ("plugin.py", "on_tick"),
    "driver_steps": ("driver.py", "step"),
    "evaluations": ("cluster_loop.py", "evaluate"),
    "items_handled": ("sync.py", "handle"),
    "publications": ("bus.py", "publish"),
}


def read_profile(folder: Path, pid: int, elapsed: float) -> dict[str, Any]:
    """Calls per second of the loop's landmarks, and the top functions by own time."""
    deadline = Deadline(10)
    path = folder / f"main.{pid}.1.prof"
    while not path.exists():
        if deadline.expired():
            return {"error": f"no profile written at {path}"}
        time.sleep(0.05)
    time.sleep(0.2)  # the dump may still be in progress
    stats = pstats.Stats(str(path))
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rates = {}
    for key, (filename, function) in PROFILE_KEYS.items():
        calls = sum(
            value[1]
            for (file, _line, name), value in raw.items()
            if file.endswith(filename) and name == function
        )
        rates[key] = calls / elapsed
    total = sum(value[2] for value in raw.values())
    top = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:12]
    return {
        "per_s": rates,
        "profiled_cpu_percent": 100 * total / elapsed,
        "top_own_time": [
            {
                "function": f"{Path(file).name}:{line} {name}",
                "calls_per_s": value[1] / elapsed,
                "own_ms_per_s": 1000 * value[2] / elapsed,
            }
            for (file, line, name), value in top
        ],
    }


def measure_calls(cluster: Cluster, repeats: int = 20) -> dict[str, Any]:
    client = KeepAliveRpc(cluster[OBSERVER].http_port)
    result: dict[str, Any] = {}
    try:
        for method in ("supervisor.getAllProcessInfo", "supvisors.get_all_process_info"):
            samples = []
            for _ in range(repeats):
                start = time.perf_counter()
                client.call(method)
                samples.append(1000 * (time.perf_counter() - start))
            result[method] = {"median_ms": statistics.median(samples), "max_ms": max(samples)}
        count = len(client.call("supvisors.get_all_process_info"))
    finally:
        client.close()
    result["processes"] = count
    ours = result["supvisors.get_all_process_info"]["median_ms"]
    result["ratio"] = ours / result["supervisor.getAllProcessInfo"]["median_ms"]
    return result


def measure_failover(cluster: Cluster, items: int) -> dict[str, Any]:
    """SIGKILL of a non-Master server hosting scen2_srv items -> all scen2_srv complete again
    without it, as console_1 sees it."""
    client = KeepAliveRpc(cluster[OBSERVER].http_port)
    try:
        master = client.call("supvisors.get_supvisors_state")["master_identifier"]
        hosts: dict[str, int] = {}
        for info in client.call("supvisors.get_all_process_info"):
            if info["application_name"].startswith("scen2_srv_"):
                for identifier in info["identifiers"]:
                    hosts[identifier] = hosts.get(identifier, 0) + 1
        candidates = [ident for ident in sorted(hosts) if ident != master]
        if not candidates:
            raise BenchError(f"failover: no non-Master server hosts scen2_srv ({hosts})")
        victim = next(inst for inst in cluster if inst.identifier == candidates[0])
        t_kill = time.monotonic()
        cluster.kill(victim.nick)
        deadline = Deadline(60)
        detected = None
        while True:
            if deadline.expired():
                raise BenchError("failover: not complete after 60 s")
            if detected is None:
                state = client.call("supvisors.get_instance_info", victim.identifier)
                if state[0]["statename"] != "RUNNING":
                    detected = time.monotonic() - t_kill
            if detected is not None:
                infos = client.call("supvisors.get_all_process_info")
                moved = all(
                    victim.identifier not in info["identifiers"]
                    for info in infos
                    if info["application_name"].startswith("scen2_srv_")
                )
                if moved and srv_complete(infos, items)[0]:
                    break
            time.sleep(POLL)
        failover = time.monotonic() - t_kill
    finally:
        client.close()
    return {
        "victim": victim.nick,
        "processes_hosted": hosts[victim.identifier],
        "detection_s": detected,
        "failover_s": failover,
        "overhead_s": failover - SRV_CHAIN_S,
    }


MEMORY_NICKS = ("server_1", "console_1")


def running_programs(cluster: Cluster) -> dict[str, list[str]]:
    """Namespecs RUNNING on the instances whose memory is compared."""
    running = {}
    for nick in MEMORY_NICKS:
        client = KeepAliveRpc(cluster[nick].http_port)
        try:
            infos = client.call("supervisor.getAllProcessInfo")
        finally:
            client.close()
        running[nick] = [f"{i['group']}:{i['name']}" for i in infos if i["statename"] == "RUNNING"]
    return running


BARE_CPU_WINDOW = 10.0


def measure_bare(
    root: Path, nodes: int, items: int, running: dict[str, list[str]]
) -> tuple[dict[str, float], dict[str, float]]:
    """RSS and idle CPU % of supervisord without the plugin, same programs, the same ones
    running: what supervisord costs by itself (its loop walks every process once a second)."""
    result = {}
    cpu: dict[str, float] = {}
    with Cluster(root / "bare", plugin=False) as bare:
        build(bare, root / "bare", nodes, items)
        for nick in MEMORY_NICKS:
            bare.start(nick)
            client = KeepAliveRpc(bare[nick].http_port)
            try:
                for namespec in running[nick]:
                    try:
                        client.call("supervisor.startProcess", namespec, False)
                    except Exception:  # noqa: BLE001 - already started by autostart
                        pass
            finally:
                client.close()
        time.sleep(2.0)  # spawned, memory settled
        processes = {nick: psutil.Process(bare[nick].pid) for nick in MEMORY_NICKS}
        for nick, process in processes.items():
            result[nick] = process.memory_info().rss / 2**20
        before = {nick: process.cpu_times() for nick, process in processes.items()}
        start = time.monotonic()
        time.sleep(BARE_CPU_WINDOW)
        elapsed = time.monotonic() - start
        for nick, process in processes.items():
            after, first = process.cpu_times(), before[nick]
            used = after.user - first.user + after.system - first.system
            cpu[nick] = 100 * used / elapsed
    return result, cpu


def keep_logs(folder: Path, target: Path) -> None:
    """Copy every supervisord log of a failed point (the temporary folder goes away)."""
    target.mkdir(parents=True, exist_ok=True)
    for log_file in folder.glob("*/supervisord.log"):
        shutil.copy(log_file, target / f"{log_file.parent.name}.log")
    log(f"logs kept in {target}")


def run_point(nodes: int, items: int, args: argparse.Namespace) -> dict[str, Any]:
    point: dict[str, Any] = {"nodes": nodes, "items": items, "load_before": load_average()}
    with tempfile.TemporaryDirectory(prefix=f"scale-{nodes}-{items}-") as tmp:
        root = Path(tmp)
        profile_dir = root / "profiles"
        profile_dir.mkdir()
        os.environ[PROFILE_DIR_ENV] = str(profile_dir)
        os.environ["PYTHONPATH"] = str(REPO_ROOT / "bench" / "profiling")
        try:
            with Cluster(root / "cluster") as cluster:
                build(cluster, root / "cluster", nodes, items)
                t_launch = time.monotonic()
                cluster.start(wait=False)
                point["launch"] = wait_launch(cluster, items, t_launch)
                log(f"N={nodes} X={items}: launch {point['launch']}")
                time.sleep(2.0)
                point["rest"] = measure_rest(cluster, args.idle_window, profile_dir)
                log(f"N={nodes} X={items}: idle cpu {point['rest']['cpu_percent_median']:.2f} %")
                point["calls"] = measure_calls(cluster)
                running = running_programs(cluster)
                point["rss_after_calls_mib"] = {
                    nick: psutil.Process(cluster[nick].pid).memory_info().rss / 2**20
                    for nick in MEMORY_NICKS
                }
                peers = [OBSERVER, "server_1", "server_2", "console_2"]
                propagation = measure_propagation(
                    cluster, peers, OBSERVER, args.changes, 0.005, args.rng
                )
                propagation.pop("samples", None)
                point["propagation"] = propagation
                point["failover"] = measure_failover(cluster, items)
                log(f"N={nodes} X={items}: failover {point['failover']}")
        except Exception:
            keep_logs(root / "cluster", args.json.parent / f"scale-logs-{nodes}-{items}")
            raise
        finally:
            os.environ.pop(PROFILE_DIR_ENV, None)
            os.environ.pop("PYTHONPATH", None)
        bare, bare_cpu = measure_bare(root, nodes, items, running)
        ours = point["rest"]["per_instance"]
        point["memory"] = {
            nick: {
                "bare_mib": rss,
                "running": len(running[nick]),
                "plugin_share_mib": ours[nick]["rss_mib"] - rss,
            }
            for nick, rss in bare.items()
        }
        point["bare_idle_cpu_percent"] = bare_cpu
    point["load_after"] = load_average()
    return point


# ----------------------------------------------------------------------------- report
COLUMNS = (
    ("N", lambda p: p["nodes"], "{}"),
    ("X", lambda p: p["items"], "{}"),
    ("→OPER s", lambda p: p["launch"]["operation"], "{:.1f}"),
    ("→srv s", lambda p: p["launch"]["srv_running"], "{:.1f}"),
    ("failover s", lambda p: p["failover"]["failover_s"], "{:.2f}"),
    ("fo-chain s", lambda p: p["failover"]["overhead_s"], "{:.2f}"),
    ("obs med ms", lambda p: p["propagation"]["observed_ms"]["median"], "{:.1f}"),
    ("obs p99 ms", lambda p: p["propagation"]["observed_ms"]["p99"], "{:.1f}"),
    ("bus med ms", lambda p: p["propagation"]["applied_ms"]["median"], "{:.2f}"),
    ("bus p99 ms", lambda p: p["propagation"]["applied_ms"]["p99"], "{:.2f}"),
    ("idle CPU %", lambda p: p["rest"]["cpu_percent_median"], "{:.2f}"),
    ("bare CPU %", lambda p: max(p["bare_idle_cpu_percent"].values()), "{:.2f}"),
    ("wakeups/s", lambda p: p["rest"]["profile"]["per_s"]["wakeups"], "{:.1f}"),
    ("RSS MiB", lambda p: p["rest"]["rss_mib_median"], "{:.1f}"),
    ("plugin MiB", lambda p: max(m["plugin_share_mib"] for m in p["memory"].values()), "{:.1f}"),
    ("bus msg/s", lambda p: p["rest"]["bus"]["messages_per_s"], "{:.0f}"),
    ("bus kB/s", lambda p: p["rest"]["bus"]["bytes_per_s"] / 1000, "{:.1f}"),
    ("gapi ms", lambda p: p["calls"]["supvisors.get_all_process_info"]["median_ms"], "{:.1f}"),
    ("getAll ms", lambda p: p["calls"]["supervisor.getAllProcessInfo"]["median_ms"], "{:.1f}"),
    ("ratio", lambda p: p["calls"]["ratio"], "{:.2f}"),
    ("load", lambda p: p["rest"]["load_average"][0], "{:.1f}"),
)


def cell(point: dict[str, Any], getter: Any, pattern: str) -> str:
    try:
        return pattern.format(getter(point))
    except (KeyError, TypeError, ValueError):
        return "-"


def render_table(points: list[dict[str, Any]]) -> str:
    header = "| " + " | ".join(name for name, _, _ in COLUMNS) + " |"
    lines = [header, "|" + "---|" * len(COLUMNS)]
    for point in points:
        lines.append("| " + " | ".join(cell(point, g, f) for _, g, f in COLUMNS) + " |")
    return "\n".join(lines)


def plot(points: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (
        ("launch → OPERATION (s)", lambda p: p["launch"]["operation"]),
        ("launch → all srv RUNNING (s)", lambda p: p["launch"]["srv_running"]),
        ("failover (s)", lambda p: p["failover"]["failover_s"]),
        ("propagation observed median (ms)", lambda p: p["propagation"]["observed_ms"]["median"]),
        ("idle CPU per instance (%)", lambda p: p["rest"]["cpu_percent_median"]),
        ("RSS per instance (MiB)", lambda p: p["rest"]["rss_mib_median"]),
        ("bus messages/s at rest", lambda p: p["rest"]["bus"]["messages_per_s"]),
        ("get_all_process_info / getAllProcessInfo", lambda p: p["calls"]["ratio"]),
    )
    figure, axes = plt.subplots(2, 4, figsize=(16, 7))
    for index, (title, getter) in enumerate(panels):
        axis = axes.flat[index]
        for items in sorted({p["items"] for p in points}):
            series = [(p["nodes"], getter(p)) for p in points if p["items"] == items and ok(p)]
            if series:
                xs, ys = [x for x, _ in series], [y for _, y in series]
                axis.plot(xs, ys, marker="o", label=f"X={items}")
        axis.set_title(title, fontsize=9)
        axis.set_xlabel("instances N")
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def ok(point: dict[str, Any]) -> bool:
    return "error" not in point


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N in {6, 12}, X in {3, 30}")
    parser.add_argument("--nodes", type=int, nargs="+", help="instances (even numbers)")
    parser.add_argument(
        "--replot",
        type=Path,
        nargs="+",
        help="JSON files of earlier runs: one table, and curves in the PNG of --json",
    )
    parser.add_argument("--items", type=int, nargs="+", help="scen2_srv / scen2_hci items")
    parser.add_argument("--idle-window", type=float, default=10.0)
    parser.add_argument("--changes", type=int, default=40, help="propagation changes")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--inactivity",
        type=int,
        default=3,
        help="inactivity_ticks (3: the issue's setting; more on an overloaded machine)",
    )
    args = parser.parse_args(argv)
    args.nodes = args.nodes or ([6, 12] if args.quick else [6, 12, 24])
    args.items = args.items or ([3, 30] if args.quick else [3, 30, 100])
    if args.quick:
        args.idle_window, args.changes = min(args.idle_window, 6.0), min(args.changes, 20)
    import random

    args.rng = random.Random(args.seed)
    TICK["inactivity_ticks"] = args.inactivity
    return args


def replot(sources: Sequence[Path], target: Path) -> int:
    """One table and one set of curves from the points of several runs (the later run of a
    point wins), without measuring anything."""
    merged: dict[tuple[int, int], dict[str, Any]] = {}
    for source in sources:
        for point in json.loads(source.read_text())["points"]:
            if "error" not in point or (point["nodes"], point["items"]) not in merged:
                merged[(point["nodes"], point["items"])] = point
    points = [merged[key] for key in sorted(merged)]
    print(render_table(points))
    plot(points, target)
    log(f"wrote {target} from {', '.join(str(source) for source in sources)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.replot:
        return replot(args.replot, args.json.with_suffix(".png"))
    points: list[dict[str, Any]] = []
    status = 0
    for nodes in args.nodes:
        for items in args.items:
            log(f"N={nodes} X={items} (load {load_average()})")
            try:
                points.append(run_point(nodes, items, args))
            except Exception as exc:  # noqa: BLE001 - record it, go on with the next point
                traceback.print_exc()
                points.append({"nodes": nodes, "items": items, "error": repr(exc)})
                status = 1
            write(args.json, points, args)
    print(render_table(points))
    png = args.json.with_suffix(".png")
    plot(points, png)
    log(f"wrote {args.json} and {png}")
    return status


def write(path: Path, points: list[dict[str, Any]], args: argparse.Namespace) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "argv": sys.argv[1:],
        "cpus": os.cpu_count(),
        "tick": TICK,
        "targets_n24_x100": TARGETS_N24_X100,
        "idle_window_s": args.idle_window,
    }
    path.write_text(json.dumps({"meta": meta, "points": points}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
