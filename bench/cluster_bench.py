#!/usr/bin/env python3
"""Cluster benchmark: the Scenario 2 layout (3 servers, 3 consoles) on 127.0.0.1.

Run from the repository root::

    python bench/cluster_bench.py            # full run (a few minutes)
    python bench/cluster_bench.py --quick    # smoke run (fewer samples, shorter windows)

For each configuration (``tick_period=1`` with the default ``inactivity_ticks=2``, then
``tick_period=0.2, inactivity_ticks=3``) it starts six real supervisord instances with the
plugin (tests.harness.Cluster, temporary directory, dynamic ports) and measures:

(a) startup: launch -> every instance answers XML-RPC -> every instance in OPERATION with one
    Master (``get_supvisors_state`` polled on each instance every 20 ms);
(d) resources: RSS and CPU time of each supervisord process (psutil; its programs excluded)
    over an idle window, right after startup;
(b) propagation: alternately ``supervisor.startProcess`` / ``stopProcess`` of a dedicated
    sleeper on one instance; for each change, the time from the local event (the
    ``start_monotonic`` / ``stop_monotonic`` the changer reports in
    ``supvisors.get_local_process_info``) to the moment each of the 5 peers'
    ``supvisors.get_process_info`` reflects it. Peers are polled in a tight loop, one
    keep-alive HTTP connection per peer, the 5 requests of a round sent before any answer is
    read. Figures (all on this machine's CLOCK_MONOTONIC, shared by every process):
    ``observed`` = the bench receives a peer's first reflecting answer (conservative: it
    includes the polling resolution and the polling load); ``applied`` = once the change
    has settled, the peer's ``last_event_mtime`` minus the changer's own for the same last
    event (bus + hand-off + apply, no polling resolution), measured in this polled pass and
    in a quiet pass where nothing is polled while a change propagates;
(c) failure detection: SIGKILL of a non-Master instance's whole session, time until every
    survivor's ``get_instance_info`` shows it not RUNNING (polled every 10 ms); the instance
    is restarted between repetitions and the cluster waited back in OPERATION.

Prints a table (figures, targets, Supvisors 0.19.1 reference) and writes the raw samples
and summaries to bench/results/cluster_bench.json. Every process started is killed on exit,
Ctrl-C and errors included (the Cluster context manager kills each supervisord session).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import xmlrpc.client
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import psutil  # noqa: E402

from tests.harness import (  # noqa: E402
    Cluster,
    Deadline,
    add_scenario2,
    program_section,
    sleeper_command,
)
from tests.integration.scenario2_layout import RULES_FILE, write_scenario2_etc  # noqa: E402

HOST = "127.0.0.1"
SLEEPER = "bench_sleeper"  # a dedicated program, on every instance, changed on one only
DEFAULT_JSON = REPO_ROOT / "bench" / "results" / "cluster_bench.json"

CONFIGS: tuple[tuple[str, dict[str, float | int]], ...] = (
    ("tick=1/inact=2", {"tick_period": 1}),
    ("tick=0.2/inact=3", {"tick_period": 0.2, "inactivity_ticks": 3}),
)

STARTUP_POLL = 0.020  # (a) polling interval, as asked
DETECT_POLL = 0.010  # (c) polling interval
STARTUP_TIMEOUT = 90.0
PROPAGATION_TIMEOUT = 10.0  # per change
DETECTION_TIMEOUT = 30.0
REJOIN_TIMEOUT = 60.0
SETTLE = 2.0  # seconds left after OPERATION before the idle window
CALL_TIMEOUT = 5.0

TARGETS = {
    "operation_after_all_up_s": 3.0,
    "propagation_median_ms": 5.0,
    "propagation_p99_ms": 20.0,
    "detection_s_fast": 1.0,  # with tick 0.2 / inactivity 3 only
    "idle_cpu_percent": 1.0,
}
REFERENCE_0_19_1 = {
    "operation_s": 27.0,
    "propagation_median_ms": 23.0,
    "propagation_p90_ms": 149.0,
    "detection_s": 2.5,
}


class BenchError(RuntimeError):
    """A measurement could not complete (the message says which and why)."""


# ----------------------------------------------------------------------------- XML-RPC client
class KeepAliveRpc:
    """XML-RPC over one persistent HTTP/1.1 connection (supervisord's medusa keeps it open).

    ``send`` + ``receive`` split a call so that requests to several instances can be in
    flight at once. Any transport error closes the connection; the next call reconnects.
    """

    def __init__(self, port: int, timeout: float = CALL_TIMEOUT) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, method: str, *params: Any) -> None:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        body = xmlrpc.client.dumps(params, method).encode()
        try:
            self.conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def receive(self) -> Any:
        if self.conn is None:
            raise ConnectionError("no request in flight")
        try:
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.status != 200:
            self.close()
            raise ConnectionError(f"HTTP {response.status} from port {self.port}")
        (result,), _ = xmlrpc.client.loads(data)  # raises xmlrpc.client.Fault
        return result

    def call(self, method: str, *params: Any) -> Any:
        """One call; retried once on a stale keep-alive connection."""
        for attempt in (1, 2):
            try:
                self.send(method, *params)
                return self.receive()
            except (OSError, http.client.HTTPException):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


TRANSIENT = (OSError, http.client.HTTPException, xmlrpc.client.Error)


def parallel_calls(
    clients: dict[str, KeepAliveRpc], nicks: Iterable[str], method: str, *params: Any
) -> dict[str, tuple[float, Any]]:
    """Send ``method`` to every nick, then read the answers; {nick: (receive time, result)}.

    A nick whose call failed is absent from the result (its connection is reset).
    """
    sent = []
    for nick in nicks:
        try:
            clients[nick].send(method, *params)
            sent.append(nick)
        except TRANSIENT:
            clients[nick].close()
    answers = {}
    for nick in sent:
        try:
            result = clients[nick].receive()
        except TRANSIENT:
            clients[nick].close()
            continue
        answers[nick] = (time.monotonic(), result)
    return answers


# ----------------------------------------------------------------------------- statistics
def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Sequence[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "min": min(values),
        "median": percentile(values, 50),
        "mean": sum(values) / len(values),
        "p90": percentile(values, 90),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values),
    }


# ----------------------------------------------------------------------------- cluster helpers
def sleeper_program(kind: str) -> str:
    """The changed program: coreutils ``sleep`` (a spawn costs ~1 ms of CPU) or the harness's
    Python sleeper (an interpreter start, ~20 ms of CPU competing with the cluster)."""
    binary = shutil.which("sleep")
    command = f"{binary} 100000" if kind == "sleep" and binary else sleeper_command()
    return program_section(SLEEPER, command, autostart=False, startsecs=0, autorestart=False)


def build_cluster(
    cluster: Cluster, root: Path, options: dict[str, float | int], sleeper_kind: str
) -> list[str]:
    etc = write_scenario2_etc(root / "etc")
    sleeper = sleeper_program(sleeper_kind)
    add_scenario2(
        cluster,
        etc_dir=etc,
        supvisors_options={"rules_files": str(RULES_FILE), **options},
        extra=sleeper,
    )
    return [instance.nick for instance in cluster]


def check_alive(cluster: Cluster, nicks: Iterable[str]) -> None:
    for nick in nicks:
        if not cluster[nick].is_alive():
            raise BenchError(
                f"supervisord {nick} exited ({cluster[nick].returncode()})\n{cluster.dump([nick])}"
            )


def agreed_operation(states: dict[str, Any], nicks: Sequence[str]) -> str | None:
    """The common Master if every nick answered OPERATION with the same Master."""
    if any(nick not in states for nick in nicks):
        return None
    if any(states[nick]["fsm_statename"] != "OPERATION" for nick in nicks):
        return None
    masters = {states[nick]["master_identifier"] for nick in nicks}
    if len(masters) != 1 or "" in masters:
        return None
    return masters.pop()


def wait_cluster_operation(
    cluster: Cluster,
    clients: dict[str, KeepAliveRpc],
    nicks: Sequence[str],
    timeout: float,
    full_view: bool = True,
) -> tuple[str, dict[str, Any]]:
    """Wait until all nicks are in OPERATION with one Master (and, with ``full_view``, every
    one sees every nick RUNNING); return (master identifier, last states)."""
    identifiers = {cluster[nick].identifier for nick in nicks}
    deadline = Deadline(timeout)
    states: dict[str, Any] = {}
    while not deadline.expired():
        check_alive(cluster, nicks)
        answers = parallel_calls(clients, nicks, "supvisors.get_supvisors_state")
        states = {nick: result for nick, (_, result) in answers.items()}
        master = agreed_operation(states, nicks)
        if master and (
            not full_view
            or all(
                all(
                    states[nick]["instance_states"].get(ident) == "RUNNING" for ident in identifiers
                )
                for nick in nicks
            )
        ):
            return master, states
        time.sleep(STARTUP_POLL)
    raise BenchError(
        f"no common OPERATION after {timeout} s; last states: {states}\n{cluster.dump(nicks)}"
    )


def nick_of(cluster: Cluster, identifier: str) -> str:
    for instance in cluster:
        if identifier in (instance.identifier, instance.nick):
            return instance.nick
    return identifier


# ----------------------------------------------------------------------------- machine load
def foreign_processes(cluster: Cluster) -> list[str]:
    """supervisord / pytest processes on this machine that are not ours (a concurrent test
    run or benchmark skews every figure on a 2-core machine)."""
    ours = {os.getpid()}
    for instance in cluster:
        ours.update(proc.pid for proc in instance.processes())
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["pid"] in ours:
            continue
        if "supervisor.supervisord" in cmdline or "pytest" in cmdline:
            found.append(f"{proc.info['pid']}: {cmdline[:120]}")
    return found


def _busy(times: Any) -> tuple[float, float]:
    """(busy, total) seconds of all cores from psutil.cpu_times()."""
    idle = times.idle + getattr(times, "iowait", 0.0)
    total = sum(
        getattr(times, field, 0.0)
        for field in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    )
    return total - idle, total


def wait_quiet(cluster: Cluster, timeout: float) -> float:
    """Wait (at most ``timeout`` s) until no foreign supervisord/pytest process runs; return
    the time waited."""
    start = time.monotonic()
    deadline = Deadline(timeout)
    while not deadline.expired() and foreign_processes(cluster):
        time.sleep(min(1.0, deadline.remaining()))
    return time.monotonic() - start


@contextlib.contextmanager
def machine_load(
    cluster: Cluster, record: dict[str, Any], phase: str, quiet_timeout: float = 0.0
) -> Any:
    """Store in ``record['machine'][phase]`` how busy the whole machine was meanwhile (after
    waiting up to ``quiet_timeout`` s for foreign test processes to end)."""
    waited = wait_quiet(cluster, quiet_timeout) if quiet_timeout > 0 else 0.0
    foreign = foreign_processes(cluster)
    busy0, total0 = _busy(psutil.cpu_times())
    try:
        yield
    finally:
        busy1, total1 = _busy(psutil.cpu_times())
        foreign += [item for item in foreign_processes(cluster) if item not in foreign]
        record.setdefault("machine", {})[phase] = {
            "busy_percent_all_cores": 100.0 * (busy1 - busy0) / max(total1 - total0, 1e-9),
            "loadavg_1min_end": os.getloadavg()[0],
            "waited_for_quiet_s": waited,
            "foreign_processes": foreign,
        }


# ----------------------------------------------------------------------------- (a) startup
def measure_startup(
    cluster: Cluster, clients: dict[str, KeepAliveRpc], nicks: Sequence[str]
) -> dict[str, Any]:
    first_answer: dict[str, float] = {}
    first_operation: dict[str, float] = {}
    t_launch = time.monotonic()
    cluster.start(wait=False)
    launched = time.monotonic()
    deadline = Deadline(STARTUP_TIMEOUT)
    states: dict[str, Any] = {}
    next_round = time.monotonic()
    while True:
        if deadline.expired():
            raise BenchError(
                f"startup: no common OPERATION after {STARTUP_TIMEOUT} s; last states:"
                f" {states}\n{cluster.dump()}"
            )
        check_alive(cluster, nicks)
        answers = parallel_calls(clients, nicks, "supvisors.get_supvisors_state")
        for nick, (when, state) in answers.items():
            states[nick] = state
            first_answer.setdefault(nick, when)
            if state["fsm_statename"] == "OPERATION":
                first_operation.setdefault(nick, when)
        master = agreed_operation({n: s for n, (_, s) in answers.items()}, nicks)
        if master:
            t_operation = max(when for when, _ in answers.values())
            break
        next_round += STARTUP_POLL
        time.sleep(max(0.0, next_round - time.monotonic()))
    t_all_up = max(first_answer.values())
    rules_errors = {nick: s["rules_error"] for nick, s in states.items() if s.get("rules_error")}
    return {
        "launch_duration_s": launched - t_launch,
        "launch_to_all_answer_s": t_all_up - t_launch,
        "launch_to_operation_s": t_operation - t_launch,
        "all_answer_to_operation_s": t_operation - t_all_up,
        "per_instance_first_answer_s": {n: t - t_launch for n, t in first_answer.items()},
        "per_instance_first_operation_s": {n: t - t_launch for n, t in first_operation.items()},
        "master": nick_of(cluster, master),
        "rules_errors": rules_errors,
        "poll_interval_s": STARTUP_POLL,
    }


# ----------------------------------------------------------------------------- (d) resources
def measure_idle(cluster: Cluster, nicks: Sequence[str], window: float) -> dict[str, Any]:
    processes = {nick: psutil.Process(cluster[nick].pid) for nick in nicks}
    before = {nick: proc.cpu_times() for nick, proc in processes.items()}
    t0 = time.monotonic()
    time.sleep(window)
    elapsed = time.monotonic() - t0
    check_alive(cluster, nicks)
    per_instance = {}
    for nick, proc in processes.items():
        after = proc.cpu_times()
        cpu = (after.user - before[nick].user) + (after.system - before[nick].system)
        per_instance[nick] = {
            "cpu_percent": 100.0 * cpu / elapsed,
            "cpu_seconds": cpu,
            "rss_mib": proc.memory_info().rss / 2**20,
            "threads": proc.num_threads(),
        }
    cluster_share = sum(v["cpu_seconds"] for v in per_instance.values()) / elapsed
    return {
        "window_s": elapsed,
        "cluster_percent_of_one_core": 100.0 * cluster_share,
        "per_instance": per_instance,
        "cpu_percent": summarize([v["cpu_percent"] for v in per_instance.values()]),
        "rss_mib": summarize([v["rss_mib"] for v in per_instance.values()]),
    }


# ----------------------------------------------------------------------------- (b) propagation
def reflects(info: dict[str, Any], starting: bool, identifier: str, final: bool = False) -> bool:
    """Does a ``get_process_info`` entry show the change (``final``: its last state)?"""
    if starting:
        states = ("RUNNING",) if final else ("STARTING", "RUNNING")
        return info["statename"] in states and identifier in info["identifiers"]
    return info["statename"] == "STOPPED" and identifier not in info["identifiers"]


def measure_propagation(
    cluster: Cluster,
    nicks: Sequence[str],
    changer: str,
    changes: int,
    poll_pause: float,
    rng: random.Random,
    polled: bool = True,
) -> dict[str, Any]:
    """``changes`` alternate start/stop of the sleeper on ``changer``.

    ``polled``: the 5 peers are polled back-to-back from the request on, which gives the
    ``observed`` latency (brief's definition). Otherwise (quiet pass) nothing is polled while
    the change propagates. In both passes, once the change has settled, ``applied`` = each
    peer's ``last_event_mtime`` minus the changer's own ``last_event_mtime`` for the same
    (last) event: bus + hand-off + apply time, free of any polling resolution.
    """
    peers = [nick for nick in nicks if nick != changer]
    identifier = cluster[changer].identifier
    control = KeepAliveRpc(cluster[changer].http_port)
    pollers = {nick: KeepAliveRpc(cluster[nick].http_port) for nick in peers}
    samples: list[dict[str, Any]] = []
    anomalies: list[str] = []
    try:
        # starting point: the sleeper stopped everywhere, as seen by every peer
        if control.call("supervisor.getProcessInfo", SLEEPER)["statename"] != "STOPPED":
            control.call("supervisor.stopProcess", SLEEPER)
        settled_times(control, pollers, peers, starting=False, identifier=identifier)
        for index in range(changes):
            starting = index % 2 == 0
            time.sleep(rng.uniform(0.05, 0.15))  # desynchronized from the ticks
            method = "supervisor.startProcess" if starting else "supervisor.stopProcess"
            t_request = time.monotonic()
            control.send(method, SLEEPER, False)  # answer read after the polling
            seen: dict[str, dict[str, Any]] = {}
            rounds = 0
            if polled:
                seen, rounds = poll_until_reflected(
                    pollers, peers, starting, identifier, poll_pause
                )
            if control.receive() is not True:
                raise BenchError(f"{method}({SLEEPER}) on {changer} did not return True")
            if not polled:
                time.sleep(0.1)  # let it propagate unobserved
            origin, applied = settled_times(control, pollers, peers, starting, identifier)
            local = control.call("supvisors.get_local_process_info", SLEEPER)
            t_event = local["start_monotonic" if starting else "stop_monotonic"]
            if seen:
                first_seen = min(entry["received"] for entry in seen.values())
                if not t_request - 0.001 <= t_event <= first_seen:
                    anomalies.append(
                        f"change {index}: event time {t_event:.6f} outside"
                        f" [request {t_request:.6f}, first seen {first_seen:.6f}]"
                    )
            sample: dict[str, Any] = {
                "index": index,
                "change": "start" if starting else "stop",
                "request_to_event_ms": 1000 * (t_event - t_request),
                "event_to_last_local_event_ms": 1000 * (origin - t_event),
                "poll_rounds": rounds,
                "applied_ms": {nick: 1000 * (when - origin) for nick, when in applied.items()},
            }
            if polled:
                sample["peers"] = {
                    nick: {
                        "observed_ms": 1000 * (entry["received"] - t_event),
                        "answered_ms": 1000 * (entry["now_monotonic"] - t_event),
                        "resolution_ms": 1000 * entry["resolution"],
                        "statename": entry["statename"],
                    }
                    for nick, entry in seen.items()
                }
            for nick, value in sample["applied_ms"].items():
                if value < 0:
                    anomalies.append(f"change {index}: {nick} applied before the changer")
            samples.append(sample)
    finally:
        control.close()
        for poller in pollers.values():
            poller.close()

    applied = [v for s in samples for v in s["applied_ms"].values()]
    result: dict[str, Any] = {
        "changer": changer,
        "peers": peers,
        "changes": len(samples),
        "polled": polled,
        "applied_ms": summarize(applied),
        "applied_by_change_ms": {
            kind: summarize(
                [v for s in samples if s["change"] == kind for v in s["applied_ms"].values()]
            )
            for kind in ("start", "stop")
        },
        "request_to_event_ms": summarize([s["request_to_event_ms"] for s in samples]),
        "anomalies": anomalies,
    }
    if polled:

        def series(key: str, kind: str = "") -> list[float]:
            return [
                p[key]
                for s in samples
                if not kind or s["change"] == kind
                for p in s["peers"].values()
            ]

        last_peer = [max(p["observed_ms"] for p in s["peers"].values()) for s in samples]
        result.update(
            {
                "poll_pause_s": poll_pause,
                "observed_ms": summarize(series("observed_ms")),
                "answered_ms": summarize(series("answered_ms")),
                "all_peers_observed_ms": summarize(last_peer),
                "resolution_ms": summarize(series("resolution_ms")),
                "observed_by_change_ms": {
                    kind: summarize(series("observed_ms", kind)) for kind in ("start", "stop")
                },
            }
        )
    result["samples"] = samples
    return result


def poll_until_reflected(
    pollers: dict[str, KeepAliveRpc],
    peers: Sequence[str],
    starting: bool,
    identifier: str,
    poll_pause: float,
) -> tuple[dict[str, dict[str, Any]], int]:
    """Tight polling of ``get_process_info`` on the peers still waiting; first reflecting
    answer of each, with the time since that peer's previous answer (the resolution)."""
    pending = list(peers)
    previous = {nick: time.monotonic() for nick in peers}
    seen: dict[str, dict[str, Any]] = {}
    deadline = Deadline(PROPAGATION_TIMEOUT)
    rounds = 0
    while pending:
        if deadline.expired():
            raise BenchError(f"propagation: {pending} never reflected the change of {SLEEPER}")
        answers = parallel_calls(pollers, pending, "supvisors.get_process_info", SLEEPER)
        rounds += 1
        for nick, (received, result) in answers.items():
            info = result[0]
            if reflects(info, starting, identifier):
                seen[nick] = {
                    "received": received,
                    "now_monotonic": info["now_monotonic"],
                    "resolution": received - previous[nick],
                    "statename": info["statename"],
                }
                pending.remove(nick)
            previous[nick] = received
        if poll_pause:
            time.sleep(poll_pause)
    return seen, rounds


def settled_times(
    control: KeepAliveRpc,
    pollers: dict[str, KeepAliveRpc],
    peers: Sequence[str],
    starting: bool,
    identifier: str,
) -> tuple[float, dict[str, float]]:
    """Wait until the changer, then every peer, shows the final state of the change; return
    the changer's ``last_event_mtime`` and each peer's (all CLOCK_MONOTONIC)."""
    deadline = Deadline(PROPAGATION_TIMEOUT)
    while True:
        info = control.call("supvisors.get_process_info", SLEEPER)[0]
        if reflects(info, starting, identifier, final=True):
            origin = info["last_event_mtime"]
            break
        if deadline.expired():
            raise BenchError(f"propagation: the changer never settled: {info}")
        time.sleep(0.005)
    applied: dict[str, float] = {}
    while len(applied) < len(peers):
        pending = [nick for nick in peers if nick not in applied]
        answers = parallel_calls(pollers, pending, "supvisors.get_process_info", SLEEPER)
        for nick, (_, result) in answers.items():
            if reflects(result[0], starting, identifier, final=True):
                applied[nick] = result[0]["last_event_mtime"]
        if len(applied) < len(peers):
            if deadline.expired():
                raise BenchError(f"propagation: {pending} never settled")
            time.sleep(0.005)
    return origin, applied


# ----------------------------------------------------------------------------- (c) detection
def pick_victim(nicks: Sequence[str], master: str) -> str:
    """A non-Master instance: server_3 in the Scenario 2 layout (Master server_1)."""
    for nick in ("server_3", "server_2", "console_3", "console_2", *nicks):
        if nick in nicks and nick != master:
            return nick
    raise BenchError("no non-Master instance to kill")


def measure_detection(
    cluster: Cluster,
    clients: dict[str, KeepAliveRpc],
    nicks: Sequence[str],
    victim: str,
    repeats: int,
) -> dict[str, Any]:
    survivors = [nick for nick in nicks if nick != victim]
    identifier = cluster[victim].identifier
    runs = []
    for repeat in range(repeats):
        wait_cluster_operation(cluster, clients, nicks, REJOIN_TIMEOUT)
        clients[victim].close()
        time.sleep(0.3)  # a few ticks of steady state before the crash
        t_kill = time.monotonic()
        cluster[victim].signal_session(signal.SIGKILL)
        found: dict[str, dict[str, Any]] = {}
        previous = {nick: t_kill for nick in survivors}
        deadline = Deadline(DETECTION_TIMEOUT)
        next_round = time.monotonic()
        while len(found) < len(survivors):
            if deadline.expired():
                missing = [nick for nick in survivors if nick not in found]
                raise BenchError(f"detection: {missing} still see {victim} RUNNING")
            pending = [nick for nick in survivors if nick not in found]
            answers = parallel_calls(clients, pending, "supvisors.get_instance_info", identifier)
            for nick, (received, result) in answers.items():
                info = result[0]
                if info["statename"] != "RUNNING":
                    found[nick] = {
                        "detected_s": received - t_kill,
                        "resolution_s": received - previous[nick],
                        "statename": info["statename"],
                        "since_last_tick_received_s": received - info["local_mtime"],
                        "last_tick_before_kill_s": t_kill - info["local_mtime"],
                    }
                previous[nick] = received
            next_round += DETECT_POLL
            time.sleep(max(0.0, next_round - time.monotonic()))
        cluster.kill(victim)  # make sure the whole session is gone and supervisord reaped
        t_restart = time.monotonic()
        cluster.start([victim])
        t_http = time.monotonic()
        wait_cluster_operation(cluster, clients, nicks, REJOIN_TIMEOUT)
        t_back = time.monotonic()
        runs.append(
            {
                "repeat": repeat,
                "all_survivors_s": max(entry["detected_s"] for entry in found.values()),
                "first_survivor_s": min(entry["detected_s"] for entry in found.values()),
                "per_survivor": found,
                "restart_to_answer_s": t_http - t_restart,
                "restart_to_operation_s": t_back - t_restart,
            }
        )
    return {
        "victim": victim,
        "repeats": len(runs),
        "poll_interval_s": DETECT_POLL,
        "all_survivors_s": summarize([r["all_survivors_s"] for r in runs]),
        "since_last_tick_s": summarize(
            [e["since_last_tick_received_s"] for r in runs for e in r["per_survivor"].values()]
        ),
        "rejoin_s": summarize([r["restart_to_operation_s"] for r in runs]),
        "runs": runs,
    }


# ----------------------------------------------------------------------------- one configuration
def run_config(result: dict[str, Any], args: argparse.Namespace, rng: random.Random) -> None:
    """Fill ``result`` (name, options) step by step: a failure keeps what was measured."""
    name, options = result["name"], result["options"]
    with (
        tempfile.TemporaryDirectory(prefix="cluster_bench_") as tmp,
        Cluster(Path(tmp), plugin=True, name=name) as cluster,
    ):
        nicks = build_cluster(cluster, Path(tmp), options, args.sleeper)
        clients = {nick: KeepAliveRpc(cluster[nick].http_port, timeout=2.0) for nick in nicks}
        try:
            log(f"[{name}] (a) startup of {len(nicks)} instances")
            with machine_load(cluster, result, "startup", args.wait_quiet):
                result["startup"] = measure_startup(cluster, clients, nicks)
            master, _ = wait_cluster_operation(cluster, clients, nicks, REJOIN_TIMEOUT)
            master_nick = nick_of(cluster, master)
            result["master"] = master_nick
            time.sleep(SETTLE)
            log(f"[{name}] (d) idle window {args.idle_window:.0f} s")
            for client in clients.values():
                client.close()  # nothing from the bench during the window
            with machine_load(cluster, result, "idle", args.wait_quiet):
                result["idle"] = measure_idle(cluster, nicks, args.idle_window)
            changer = args.changer if args.changer in nicks else "console_1"
            log(f"[{name}] (b) propagation: {args.changes} changes of {SLEEPER} on {changer}")
            with machine_load(cluster, result, "propagation", args.wait_quiet):
                result["propagation"] = measure_propagation(
                    cluster, nicks, changer, args.changes, args.poll_pause, rng
                )
            log(f"[{name}] (b) propagation, quiet pass: {args.changes} changes, no polling")
            with machine_load(cluster, result, "propagation_quiet", args.wait_quiet):
                result["propagation_quiet"] = measure_propagation(
                    cluster, nicks, changer, args.changes, args.poll_pause, rng, polled=False
                )
            victim = pick_victim(nicks, master_nick)
            log(f"[{name}] (c) detection: SIGKILL {victim} x{args.kills}")
            with machine_load(cluster, result, "detection", args.wait_quiet):
                result["detection"] = measure_detection(cluster, clients, nicks, victim, args.kills)
        finally:
            for client in clients.values():
                client.close()


# ----------------------------------------------------------------------------- report
def fmt(value: float | None, unit: str, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f} {unit}"


def verdict(value: float | None, limit: float | None) -> str:
    if value is None or limit is None or math.isnan(value):
        return ""
    return " ok" if value < limit else " MISS"


Row = tuple[str, Callable[[dict[str, Any]], str], str, str]


def rows() -> list[Row]:
    def startup(key: str, limit: float | None = None) -> Callable[[dict[str, Any]], str]:
        return lambda r: fmt(r["startup"][key], "s", 2) + verdict(r["startup"][key], limit)

    def prop(
        series: str, stat: str, limit: float | None = None, key: str = "propagation"
    ) -> Callable[[dict[str, Any]], str]:
        def cell(r: dict[str, Any]) -> str:
            value = r[key][series][stat]
            return fmt(value, "ms", 2) + verdict(value, limit)

        return cell

    def detection(r: dict[str, Any]) -> str:
        stats = r["detection"]["all_survivors_s"]
        limit = TARGETS["detection_s_fast"] if r["options"].get("tick_period") == 0.2 else None
        text = f"{stats['median']:.2f} / {stats['max']:.2f} s"
        return text + verdict(stats["max"], limit)

    def detection_bound(r: dict[str, Any]) -> str:
        period = float(r["options"]["tick_period"])
        ticks = int(r["options"].get("inactivity_ticks", 2))
        stats = r["detection"]["since_last_tick_s"]
        bound = (ticks + 2) * period
        return f"{stats['max']:.2f} s (<= {bound:.1f})" + verdict(stats["max"], bound + 1e-9)

    def idle_cpu(r: dict[str, Any]) -> str:
        stats = r["idle"]["cpu_percent"]
        text = f"{stats['mean']:.2f} / {stats['max']:.2f} %"
        return text + verdict(stats["max"], TARGETS["idle_cpu_percent"])

    def rss(r: dict[str, Any]) -> str:
        stats = r["idle"]["rss_mib"]
        return f"{stats['min']:.1f}..{stats['max']:.1f} MiB"

    def rejoin(r: dict[str, Any]) -> str:
        stats = r["detection"]["rejoin_s"]
        return f"{stats['median']:.2f} / {stats['max']:.2f} s"

    def resolution(r: dict[str, Any]) -> str:
        stats = r["propagation"]["resolution_ms"]
        return f"{stats['median']:.2f} / {stats['p95']:.2f} ms"

    ref = REFERENCE_0_19_1
    quiet = "propagation_quiet"
    return [
        ("(a) launch -> all 6 answer XML-RPC", startup("launch_to_all_answer_s"), "", ""),
        ("(a) launch -> OPERATION on all 6", startup("launch_to_operation_s"), "", ""),
        (
            "(a) all answer -> OPERATION on all 6",
            startup("all_answer_to_operation_s", TARGETS["operation_after_all_up_s"]),
            "< 3 s",
            f"~{ref['operation_s']:.0f} s",
        ),
        (
            "(b) propagation median (observed)",
            prop("observed_ms", "median", TARGETS["propagation_median_ms"]),
            "< 5 ms",
            f"{ref['propagation_median_ms']:.0f} ms",
        ),
        ("(b) propagation p90 (observed)", prop("observed_ms", "p90"), "", "149 ms"),
        ("(b) propagation p95 (observed)", prop("observed_ms", "p95"), "", ""),
        (
            "(b) propagation p99 (observed)",
            prop("observed_ms", "p99", TARGETS["propagation_p99_ms"]),
            "< 20 ms",
            "",
        ),
        ("(b) propagation max (observed)", prop("observed_ms", "max"), "", ""),
        ("(b) last of 5 peers median (observed)", prop("all_peers_observed_ms", "median"), "", ""),
        ("(b) polling resolution median / p95", resolution, "", ""),
        ("(b) applied median, polled pass", prop("applied_ms", "median"), "", ""),
        ("(b) applied p99, polled pass", prop("applied_ms", "p99"), "", ""),
        ("(b) applied max, polled pass", prop("applied_ms", "max"), "", ""),
        ("(b) applied median, quiet pass", prop("applied_ms", "median", key=quiet), "", ""),
        ("(b) applied p90, quiet pass", prop("applied_ms", "p90", key=quiet), "", ""),
        ("(b) applied p99, quiet pass", prop("applied_ms", "p99", key=quiet), "", ""),
        ("(b) applied max, quiet pass", prop("applied_ms", "max", key=quiet), "", ""),
        ("(c) detection, all survivors med / max", detection, "< 1 s (0.2/3)", "2.5 s"),
        ("(c) detection after last tick, max", detection_bound, "(ticks+2)xT", ""),
        ("(c) restart -> OPERATION med / max", rejoin, "", ""),
        ("(d) RSS per supervisord min..max", rss, "", ""),
        ("(d) idle CPU per supervisord mean / max", idle_cpu, "< 1 %", ""),
    ]


def render_table(results: list[dict[str, Any]]) -> str:
    header = ["metric", *(r["name"] for r in results), "target", "reference 0.19.1"]
    table = [header]
    for label, cell, target, reference in rows():
        line = [label]
        for result in results:
            try:
                line.append(cell(result))
            except (KeyError, TypeError):
                line.append("-")
        table.append([*line, target, reference])
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    out = []
    for n, line in enumerate(table):
        out.append("  ".join(text.ljust(widths[i]) for i, text in enumerate(line)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def notes(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        prop = r.get("propagation")
        quiet = r.get("propagation_quiet")
        det = r.get("detection")
        parts = [f"[{r['name']}] master {r.get('master', '?')}"]
        if prop:
            parts.append(
                f"changer {prop['changer']}, {prop['changes']} changes x {len(prop['peers'])} peers"
                f" polled back-to-back (pause {prop['poll_pause_s'] * 1000:.1f} ms between rounds),"
                f" resolution median {prop['resolution_ms']['median']:.2f} ms"
            )
        anomalies = sum(len(x["anomalies"]) for x in (prop, quiet) if x)
        if anomalies:
            parts.append(f"{anomalies} timing anomalies (see JSON)")
        if det:
            parts.append(
                f"killed {det['victim']} x{det['repeats']}, survivors polled every"
                f" {det['poll_interval_s'] * 1000:.0f} ms"
            )
        machine = r.get("machine", {})
        if machine:
            busy = ", ".join(
                f"{phase} {m['busy_percent_all_cores']:.0f}%" for phase, m in machine.items()
            )
            parts.append(f"machine busy (all cores): {busy}")
            foreign = {item for m in machine.values() for item in m["foreign_processes"]}
            if foreign:
                parts.append(
                    f"WARNING: {len(foreign)} foreign supervisord/pytest processes ran meanwhile"
                    " (figures skewed; see JSON)"
                )
        if r.get("startup", {}).get("rules_errors"):
            parts.append(f"RULES ERRORS: {r['startup']['rules_errors']}")
        lines.append("; ".join(parts))
    lines.append(
        "(b) observed = from the changer's start_monotonic/stop_monotonic to the bench receiving"
        " the first reflecting get_process_info answer of a peer (5 peers polled back-to-back,"
        " one keep-alive connection each: includes the polling resolution and the polling"
        " load); applied = peer's last_event_mtime - changer's last_event_mtime for the same"
        " last event (bus + hand-off + apply, no polling resolution); quiet pass = same changes"
        " with nothing polled while they propagate. (a) polled every 20 ms."
    )
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def git_info() -> dict[str, Any]:
    def git(*argv: str) -> str:
        try:
            done = subprocess.run(
                ["git", *argv], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": git("status", "--porcelain").splitlines()}


# ----------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter windows")
    parser.add_argument("--changes", type=int, help="process state changes (default 100; quick 20)")
    parser.add_argument("--kills", type=int, help="SIGKILL repetitions (default 3; quick 1)")
    parser.add_argument("--idle-window", type=float, help="idle window in s (default 10; quick 3)")
    parser.add_argument("--changer", default="console_1", help="instance whose sleeper changes")
    parser.add_argument(
        "--poll-pause", type=float, default=0.0, help="pause between polling rounds in (b), s"
    )
    parser.add_argument(
        "--sleeper",
        choices=("sleep", "python"),
        default="sleep",
        help="command of the changed program: coreutils sleep (default) or a Python sleeper",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="output JSON path")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        help="before each phase, wait up to this many s for foreign supervisord/pytest"
        " processes (a concurrent test run) to end",
    )
    args = parser.parse_args(argv)
    if args.changes is None:
        args.changes = 20 if args.quick else 100
    if args.kills is None:
        args.kills = 1 if args.quick else 3
    if args.idle_window is None:
        args.idle_window = 3.0 if args.quick else 10.0
    if args.changes < 2 or args.kills < 1 or args.idle_window <= 0:
        parser.error("--changes >= 2, --kills >= 1 and --idle-window > 0 are required")
    return args


def _terminate(signum: int, _frame: object) -> None:
    # once only: a second signal must not interrupt the cleanup started by the first
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C, kill and hang-up all unwind through the Cluster context managers (even when
    # started in the background of a non-interactive shell, where SIGINT comes ignored)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    rng = random.Random(args.seed)
    started = time.time()
    results = []
    error = ""
    try:
        for name, options in CONFIGS:
            results.append({"name": name, "options": options})
            run_config(results[-1], args, rng)
    except KeyboardInterrupt:
        log("interrupted: every supervisord started was killed")
        return 130
    except (BenchError, AssertionError) as exc:
        error = str(exc)
        log(f"benchmark failed: {error}")
    except Exception as exc:  # noqa: BLE001 - report, keep what was measured
        error = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log(f"benchmark failed: {error}")
    report = {
        "meta": {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "duration_s": time.time() - started,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpu_count": psutil.cpu_count(),
            "git": git_info(),
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "layout": "Scenario 2: server_1..3 (core), console_1..3; rules " + str(RULES_FILE),
            "error": error,
        },
        "targets": TARGETS,
        "reference_supvisors_0_19_1": REFERENCE_0_19_1,
        "results": results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, sort_keys=False))
    if results:
        print(render_table(results))
        print()
        print(notes(results))
    print(f"\nJSON: {args.json}")
    return 1 if error else 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
