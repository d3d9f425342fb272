#!/usr/bin/env python3
"""Control benchmark: how long the plugin takes to start Scenario 2 applications.

Run from the repository root::

    python bench/control_bench.py            # full run (a few minutes)
    python bench/control_bench.py --quick    # smoke run (one cold start each, 3 hci starts)

Six real supervisord instances with the plugin (3 servers, 3 consoles: tests.harness,
temporary directory, dynamic ports on 127.0.0.1), once with ``tick_period=0.2,
inactivity_ticks=3`` and once with the defaults (``tick_period=1``). The programs are
realistic stand-ins (coreutils ``sleep``): every internal bus and every service has
``startsecs=1``, every check exits 0 after 0.2 s.

(a) cold start, X=3 and X=30 ``scen2_srv`` items (X=30: a copy of the example rules with every
    ``expected_loading`` divided by 10, so that 10 items fit on each server): from launching
    the six supervisord to "all scen2_srv RUNNING" (``get_all_applications_info`` polled on
    console_1 every 20 ms; the end is the first poll where, in addition, every scen2_srv
    process is in its final state per ``get_all_process_info``: buses and services RUNNING,
    checks EXITED as expected), and from "all 6 answer XML-RPC" to the same moment.
(b) the programs' own start-up time along the longest stage chain, computed from the
    configuration (stages from ``get_process_rules``: bus startsecs -> check runtime ->
    max(services startsecs, common check runtime) -> common_bus_interface startsecs), and
    the control overhead = measured - chain minimum. The stage-by-stage timeline of every
    item (spawn and exit times from the hosting server's ``get_all_local_process_info``,
    RUNNING times from its ``last_event_mtime``) splits that overhead into supervisord's
    own latency (STARTING -> RUNNING after startsecs, exit detection) and the plugin's
    reaction (event -> next stage spawned).
(c) ``start_application('LOCAL', 'scen2_hci_NN', True)`` on a console, 10 times (items and
    consoles rotated, ``stop_application`` in between): call duration, median and max, and
    its control overhead against the hci chain (bus startsecs -> check -> services
    startsecs).

Prints a table (figures, targets, Supvisors 0.19.1 reference) and writes every sample to
bench/results/control_bench.json. Every process started is killed on exit, Ctrl-C and errors
included (the Cluster context manager kills each supervisord session).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import psutil  # noqa: E402

from tests.harness import (  # noqa: E402
    CONSOLES,
    SERVERS,
    Cluster,
    Deadline,
    add_scenario2,
    group_section,
    make_proxy,
    program_section,
)
from tests.integration.scenario2_layout import (  # noqa: E402
    CONSOLE_PROGRAMS,
    RULES_FILE,
    SERVER_PROGRAMS,
)

HOST = "127.0.0.1"
DEFAULT_JSON = REPO_ROOT / "bench" / "results" / "control_bench.json"
OBSERVER = "console_1"  # the instance polled during a cold start
POLL = 0.02  # polling interval of the cold start (s)
CALL_TIMEOUT = 10.0  # every XML-RPC call but start/stop_application
CONTROL_TIMEOUT = 60.0  # start_application / stop_application with wait=True
COLD_START_TIMEOUT = 60.0  # launch -> all scen2_srv RUNNING
SETTLE_TIMEOUT = 30.0  # an application to be seen STOPPED after stop_application

SRV_PREFIX = "scen2_srv_"
HCI_PREFIX = "scen2_hci_"
BUS = "scen2_internal_data_bus"  # stage 1 of both applications
CHECK = "scen2_check_internal_data_bus"  # stage 2 (wait_exit)
CBI = "scen2_common_bus_interface"  # scen2_srv's last stage

#: the stand-in programs: a check exits 0 after CHECK_RUNTIME, anything else runs until stopped
BUS_STARTSECS = 1
SERVICE_STARTSECS = 1
CHECK_RUNTIME = 0.2

CONFIGS: dict[str, tuple[str, dict[str, float | int]]] = {
    "fast": ("tick=0.2/inact=3", {"tick_period": 0.2, "inactivity_ticks": 3}),
    "default": ("defaults (tick=1)", {}),
}
ITEM_COUNTS = (3, 30)

TARGETS = {"overhead_x3_s": 0.5, "overhead_x30_s": 3.0, "overhead_hci_s": 0.5}
REFERENCE_0_19_1 = {"launch_to_srv_running_s": 24.0, "hci_start_s": 2.25}

QUERY_STATES = {"ELECTION", "DISTRIBUTION", "OPERATION", "CONCILIATION"}


class BenchError(RuntimeError):
    """A measurement could not complete (the message says which and why)."""


# ----------------------------------------------------------------------------- XML-RPC client
class KeepAliveRpc:
    """XML-RPC over one persistent HTTP/1.1 connection; any transport error closes it and
    the next call reconnects (before supervisord listens, a call fails at once)."""

    def __init__(self, port: int, timeout: float = CALL_TIMEOUT) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, *params: Any) -> Any:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        body = xmlrpc.client.dumps(params, method).encode()
        try:
            self.conn.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
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

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


TRANSIENT = (OSError, http.client.HTTPException, xmlrpc.client.Error)


# ----------------------------------------------------------------------------- statistics
def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Iterable[float | None]) -> dict[str, float | int]:
    kept = [value for value in values if value is not None and not math.isnan(value)]
    if not kept:
        return {"n": 0}
    return {
        "n": len(kept),
        "min": min(kept),
        "median": percentile(kept, 50),
        "mean": sum(kept) / len(kept),
        "max": max(kept),
    }


# ----------------------------------------------------------------------------- configuration
def sleep_binary() -> str:
    binary = shutil.which("sleep")
    if binary is None:
        raise BenchError("coreutils sleep not found on PATH")
    return binary


def is_check(program: str) -> bool:
    return "_check_" in program


def program_startsecs(program: str) -> int:
    if is_check(program):
        return 0  # RUNNING at once, then EXITED: the rules wait for its exit (wait_exit)
    return BUS_STARTSECS if program == BUS else SERVICE_STARTSECS


def bench_program(program: str, *, autostart: bool = False) -> str:
    """``[program:x]``: a check sleeps CHECK_RUNTIME then exits 0; anything else sleeps until
    stopped (coreutils sleep dies at once on supervisord's SIGTERM)."""
    sleep = sleep_binary()
    command = f"{sleep} {CHECK_RUNTIME}" if is_check(program) else f"{sleep} infinity"
    return program_section(
        program,
        command,
        autostart=autostart,
        startsecs=program_startsecs(program),
        autorestart=False,
    )


def write_bench_etc(root: Path, items: int) -> Path:
    """The include folders of write_scenario2_etc with realistic startsecs and run times."""
    (root / "common").mkdir(parents=True, exist_ok=True)
    (root / "common" / "common.ini").write_text(bench_program("common_data_bus", autostart=True))
    for kind, programs, prefix in (
        ("server", SERVER_PROGRAMS, SRV_PREFIX),
        ("console", CONSOLE_PROGRAMS, HCI_PREFIX),
    ):
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        sections = [bench_program(program) for program in programs]
        sections += [
            group_section(f"{prefix}{index:02}", programs) for index in range(1, items + 1)
        ]
        (folder / f"programs_{kind}.ini").write_text("\n".join(sections))
    return root


def write_scaled_rules(path: Path, divisor: int = 10) -> tuple[Path, dict[str, int]]:
    """A copy of the example rules with every expected_loading divided by ``divisor`` (at
    least 1). Return the path and {original: scaled}."""
    mapping: dict[str, int] = {}

    def scale(match: re.Match[str]) -> str:
        value = int(match.group(1))
        scaled = max(1, round(value / divisor)) if value else 0
        mapping[match.group(1)] = scaled
        return f"<expected_loading>{scaled}</expected_loading>"

    text = re.sub(
        r"<expected_loading>\s*(\d+)\s*</expected_loading>", scale, RULES_FILE.read_text()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path, mapping


def chain_minimum(rules: list[dict[str, Any]]) -> tuple[float, list[dict[str, Any]]]:
    """Sum over start stages of the longest program start-up in the stage: startsecs for a
    program that must be RUNNING, its run time for a wait_exit one (the stand-ins' config)."""
    stages: dict[int, list[tuple[str, float]]] = {}
    for rule in rules:
        if rule["start_sequence"] <= 0:
            continue
        name = rule["process_name"]
        duration = CHECK_RUNTIME if rule["wait_exit"] else float(program_startsecs(name))
        stages.setdefault(rule["start_sequence"], []).append((name, duration))
    detail = []
    total = 0.0
    for sequence in sorted(stages):
        longest = max(duration for _, duration in stages[sequence])
        total += longest
        detail.append(
            {"start_sequence": sequence, "programs": dict(stages[sequence]), "longest_s": longest}
        )
    return total, detail


# ----------------------------------------------------------------------------- cluster helpers
def check_alive(cluster: Cluster) -> None:
    for instance in cluster:
        if not instance.is_alive():
            raise BenchError(
                f"supervisord {instance.nick} exited ({instance.returncode()})\n"
                + cluster.dump([instance.nick])
            )


def nick_by_identifier(cluster: Cluster) -> dict[str, str]:
    return {instance.identifier: instance.nick for instance in cluster}


def srv_complete(processes: list[dict[str, Any]], items: int) -> tuple[bool, str]:
    """Every process of every scen2_srv in its final state (checks EXITED as expected, the
    rest RUNNING); the text says what is missing."""
    srv = [p for p in processes if p["application_name"].startswith(SRV_PREFIX)]
    expected = items * len(SERVER_PROGRAMS)
    if len(srv) != expected:
        return False, f"{len(srv)} scen2_srv processes known, {expected} expected"
    pending = [
        f"{p['application_name']}:{p['process_name']}={p['statename']}"
        for p in srv
        if not (
            (p["statename"] == "EXITED" and p["expected_exit"])
            if is_check(p["process_name"])
            else p["statename"] == "RUNNING"
        )
    ]
    return not pending, f"{len(pending)} not final: {pending[:4]}"


def srv_apps_running(apps: list[dict[str, Any]], items: int) -> bool:
    srv = [a for a in apps if a["application_name"].startswith(SRV_PREFIX)]
    return len(srv) == items and all(
        a["statename"] == "RUNNING" and not a["major_failure"] for a in srv
    )


def foreign_processes(cluster: Cluster | None) -> list[str]:
    """supervisord / pytest processes that are not ours: a concurrent run skews every figure."""
    ours = {os.getpid()}
    for instance in cluster or ():
        ours.update(proc.pid for proc in instance.processes())
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            cmdline = " ".join(proc.info["cmdline"] or [])
            if proc.info["pid"] not in ours and ("supervisord" in cmdline or "pytest" in cmdline):
                found.append(f"{proc.info['pid']}: {cmdline[:120]}")
    return found


def wait_quiet(timeout: float) -> tuple[float, list[str]]:
    """Wait (at most ``timeout`` s) until no foreign supervisord/pytest process runs; return
    the time waited and what still ran at the end."""
    start = time.monotonic()
    deadline = Deadline(timeout)
    foreign = foreign_processes(None)
    while foreign and not deadline.expired():
        time.sleep(min(2.0, deadline.remaining()))
        foreign = foreign_processes(None)
    return time.monotonic() - start, foreign


def cpu_busy() -> tuple[float, float]:
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    total = sum(
        getattr(times, field, 0.0)
        for field in ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    )
    return total - idle, total


def fsm_states(cluster: Cluster, clients: dict[str, KeepAliveRpc]) -> dict[str, str]:
    """'<state> (Master <nick>)' of every instance, or why it did not answer."""
    names = nick_by_identifier(cluster)
    states = {}
    for nick, client in clients.items():
        try:
            state = client.call("supvisors.get_supvisors_state")
        except TRANSIENT as exc:
            states[nick] = f"no answer: {exc}"
            continue
        master = names.get(state["master_identifier"], state["master_identifier"] or "none")
        states[nick] = f"{state['fsm_statename']} (Master {master})"
    return states


def srv_evidence(
    cluster: Cluster, clients: dict[str, KeepAliveRpc], limit: int = 12
) -> dict[str, Any]:
    """What each instance shows that is not final for scen2_srv: applications not RUNNING
    (or with a major failure) and processes neither RUNNING nor EXITED as expected."""
    names = nick_by_identifier(cluster)
    evidence: dict[str, Any] = {}
    for nick in (OBSERVER, *SERVERS):
        try:
            apps = clients[nick].call("supvisors.get_all_applications_info")
            processes = clients[nick].call("supvisors.get_all_process_info")
        except TRANSIENT as exc:
            evidence[nick] = f"no answer: {exc}"
            continue
        bad_apps = [
            f"{a['application_name']}={a['statename']}"
            + (" major" if a["major_failure"] else "")
            + (" minor" if a["minor_failure"] else "")
            for a in apps
            if a["application_name"].startswith(SRV_PREFIX)
            and (a["statename"] != "RUNNING" or a["major_failure"])
        ]
        bad_processes = [
            f"{p['application_name']}:{p['process_name']}={p['statename']}"
            f" on {[names.get(i, i) for i in p['identifiers']]}"
            for p in processes
            if p["application_name"].startswith(SRV_PREFIX)
            and not (
                (p["statename"] == "EXITED" and p["expected_exit"])
                if is_check(p["process_name"])
                else p["statename"] == "RUNNING"
            )
        ]
        conflicts = [
            f"{p['application_name']}:{p['process_name']}"
            for p in processes
            if p["application_name"].startswith(SRV_PREFIX) and len(p["identifiers"]) > 1
        ]
        evidence[nick] = {
            "apps_not_running": (len(bad_apps), bad_apps[:limit]),
            "processes_not_final": (len(bad_processes), bad_processes[:limit]),
            "conflicts": (len(conflicts), conflicts[:limit]),
        }
    return evidence


def supervisord_cpu(cluster: Cluster) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each supervisord (its programs excluded)."""
    used = {}
    for instance in cluster:
        with contextlib.suppress(psutil.Error, TypeError):
            times = psutil.Process(instance.pid).cpu_times()
            used[instance.nick] = times.user + times.system
    return used


LOG_PATTERN = re.compile(r" (WARN|ERRO|CRIT) |Traceback")
#: expected on every run: root without user=, no HTTP auth, our stop_application's SIGTERM
LOG_EXPECTED = re.compile(
    r"running as root|without any HTTP authentication|stopped: \S+ \(terminated by SIGTERM\)"
)


def log_findings(cluster: Cluster, limit: int = 10) -> dict[str, Any]:
    """WARN / ERROR / CRITICAL lines of each supervisord log (count and the first ones)."""
    found: dict[str, Any] = {}
    for instance in cluster:
        try:
            lines = instance.log_path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        hits = [
            line for line in lines if LOG_PATTERN.search(line) and not LOG_EXPECTED.search(line)
        ]
        if hits:
            found[instance.nick] = {"count": len(hits), "first": hits[:limit]}
    return found


def keep_logs(cluster: Cluster, target: Path) -> None:
    for instance in cluster:
        folder = target / instance.nick
        folder.mkdir(parents=True, exist_ok=True)
        for path in (instance.log_path, instance.output_path, instance.conf_path):
            if path.exists():
                shutil.copy2(path, folder / path.name)


# ----------------------------------------------------------------------------- timelines
def process_times(client: KeepAliveRpc, prefix: str) -> dict[str, dict[str, dict[str, Any]]]:
    """{group: {process: {state, start, stop, running_mtime}}} of the processes of one
    instance whose group starts with ``prefix`` (monotonic times of this host = ours)."""
    local = client.call("supvisors.get_all_local_process_info")
    view = client.call("supvisors.get_all_process_info")
    mtimes = {(p["application_name"], p["process_name"]): p["last_event_mtime"] for p in view}
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for info in local:
        if not info["group"].startswith(prefix):
            continue
        result.setdefault(info["group"], {})[info["name"]] = {
            "state": info["statename"],
            "start": info["start_monotonic"],
            "stop": info["stop_monotonic"],
            "event_mtime": mtimes.get((info["group"], info["name"]), math.nan),
        }
    return result


def bound_running_times(procs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Copy of ``procs`` where a RUNNING time (``last_event_mtime``) later than the spawn of
    the next stage is replaced by that spawn: the start job only spawns the next stage once
    it has seen the RUNNING event, so a later mtime comes from a later refresh of the record
    (e.g. a peer's snapshot), not from the event. ``mtime_capped`` marks the replacement."""
    bounded = {name: dict(proc) for name, proc in procs.items()}
    following: list[tuple[set[str], str]] = [({BUS}, CHECK)]
    if CBI in procs:
        following.append(({n for n in procs if n not in {BUS, CHECK, CBI}}, CBI))
    for names, later in following:
        for name in names:
            proc = bounded[name]
            if not is_check(name) and proc["event_mtime"] > procs[later]["start"]:
                proc["event_mtime"] = procs[later]["start"]
                proc["mtime_capped"] = True
    return bounded


def timeline(procs: dict[str, dict[str, Any]], origin: float) -> dict[str, Any]:
    """Stage-by-stage times of one application on its host, relative to ``origin``, and the
    split of its start-up into program time, supervisord latency and plugin reaction.

    RUNNING times are the host's ``last_event_mtime`` (its last event is the RUNNING one).
    """
    procs = bound_running_times(procs)
    bus = procs[BUS]
    check = procs[CHECK]
    last_stage = {CBI} & set(procs)
    stage3 = {n: p for n, p in procs.items() if n not in {BUS, CHECK, CBI}}
    s3_running = [p["event_mtime"] for n, p in stage3.items() if not is_check(n)]
    s3_exits = [p["stop"] for n, p in stage3.items() if is_check(n)]
    s3_done = max(s3_running + s3_exits)
    rel = {
        "bus_spawn": bus["start"] - origin,
        "bus_running": bus["event_mtime"] - origin,
        "check_spawn": check["start"] - origin,
        "check_exit": check["stop"] - origin,
        "stage3_first_spawn": min(p["start"] for p in stage3.values()) - origin,
        "stage3_last_spawn": max(p["start"] for p in stage3.values()) - origin,
        "stage3_done": s3_done - origin,
    }
    sup_latency = (bus["event_mtime"] - bus["start"] - BUS_STARTSECS) + (
        check["stop"] - check["start"] - CHECK_RUNTIME
    )
    reaction = (check["start"] - bus["event_mtime"]) + (
        min(p["start"] for p in stage3.values()) - check["stop"]
    )
    # exact split of stage 3: spawn spread up to its slowest member (plugin), then that
    # member's start-up beyond the stage's longest configured one (supervisord)
    slowest = max(stage3, key=lambda n: stage3[n]["stop" if is_check(n) else "event_mtime"])
    longest = max(CHECK_RUNTIME if is_check(n) else SERVICE_STARTSECS for n in stage3)
    reaction += stage3[slowest]["start"] - min(p["start"] for p in stage3.values())
    sup_latency += s3_done - stage3[slowest]["start"] - longest
    end = s3_done
    if last_stage:
        cbi = procs[CBI]
        rel["last_stage_spawn"] = cbi["start"] - origin
        rel["last_stage_running"] = cbi["event_mtime"] - origin
        sup_latency += cbi["event_mtime"] - cbi["start"] - SERVICE_STARTSECS
        reaction += cbi["start"] - s3_done
        end = cbi["event_mtime"]
    rel["done"] = end - origin
    return {
        "times_s": rel,
        "mtimes_capped": sorted(n for n, p in procs.items() if p.get("mtime_capped")),
        "processes_s": {
            name: {
                "spawn": proc["start"] - origin,
                ("exit" if is_check(name) else "running"): (
                    proc["stop"] if is_check(name) else proc["event_mtime"]
                )
                - origin,
            }
            for name, proc in sorted(procs.items(), key=lambda item: item[1]["start"])
        },
        "first_spawn_to_done_s": end - bus["start"],
        "supervisord_latency_s": sup_latency,
        "plugin_reaction_s": reaction,
        "check_runtime_s": check["stop"] - check["start"],
        "bus_running_lag_s": bus["event_mtime"] - bus["start"] - BUS_STARTSECS,
        "bus_running_to_check_spawn_s": check["start"] - bus["event_mtime"],
        "check_exit_to_stage3_spawn_s": rel["stage3_first_spawn"] - rel["check_exit"],
        "stage3_done_to_last_stage_spawn_s": (
            rel["last_stage_spawn"] - rel["stage3_done"] if last_stage else None
        ),
    }


def consistent(procs: dict[str, dict[str, Any]]) -> list[str]:
    """Req 4 ordering on the host: anything wrong is returned as text (a product bug)."""
    problems = []
    bus, check = procs[BUS], procs[CHECK]
    if check["start"] < bus["start"] + BUS_STARTSECS:
        problems.append("check spawned before bus startsecs elapsed")
    for name, proc in procs.items():
        if name in {BUS, CHECK}:
            continue
        if proc["start"] < check["stop"]:
            problems.append(f"{name} spawned before the check exited")
        if not is_check(name) and proc["event_mtime"] < proc["start"] + SERVICE_STARTSECS - 0.01:
            problems.append(f"{name}: last event before startsecs elapsed (not its RUNNING?)")
    return problems


# ----------------------------------------------------------------------------- (a) + (b)
def measure_cold_start(
    cluster: Cluster, clients: dict[str, KeepAliveRpc], items: int
) -> dict[str, Any]:
    nicks = [instance.nick for instance in cluster]
    observer = clients[OBSERVER]
    first_answer: dict[str, float] = {}
    fsm_first: dict[str, float] = {}
    t_apps_first: float | None = None
    t_apps_since: float | None = None  # start of the current "all apps RUNNING" streak
    t_complete: float | None = None
    last_state: dict[str, Any] = {}
    missing = "observer not answering"
    rounds = 0
    busy0, total0 = cpu_busy()
    t_launch = time.monotonic()
    cluster.start(wait=False)
    launched = time.monotonic()
    deadline = Deadline(COLD_START_TIMEOUT)
    next_round = time.monotonic()
    while True:
        if deadline.expired():
            raise BenchError(
                f"cold start X={items}: not complete after {COLD_START_TIMEOUT} s ({missing});"
                f" observer state {last_state.get('fsm_statename')}\n{cluster.dump()}"
            )
        check_alive(cluster)
        rounds += 1
        for nick in nicks:
            if nick in first_answer:
                continue
            with contextlib.suppress(*TRANSIENT):
                clients[nick].call("supvisors.get_supvisors_state")
                first_answer[nick] = time.monotonic()
        if OBSERVER in first_answer:
            with contextlib.suppress(*TRANSIENT):
                last_state = observer.call("supvisors.get_supvisors_state")
                now = time.monotonic()
                fsm_first.setdefault(last_state["fsm_statename"], now)
                if last_state["rules_error"]:
                    raise BenchError(f"rules error: {last_state['rules_error']}")
                if last_state["fsm_statename"] in QUERY_STATES:
                    apps = observer.call("supvisors.get_all_applications_info")
                    now = time.monotonic()
                    if srv_apps_running(apps, items):
                        t_apps_first = t_apps_first or now
                        t_apps_since = t_apps_since or now
                    else:
                        t_apps_since = None
                    if t_apps_since is not None and t_complete is None:
                        processes = observer.call("supvisors.get_all_process_info")
                        done, missing = srv_complete(processes, items)
                        if done:
                            t_complete = time.monotonic()
                    elif t_complete is None:
                        missing = "some scen2_srv application not RUNNING"
        if t_complete is not None and "OPERATION" in fsm_first:
            break
        next_round += POLL
        time.sleep(max(0.0, next_round - time.monotonic()))
    busy1, total1 = cpu_busy()
    cpu = supervisord_cpu(cluster)
    t_all_answer = max(first_answer.values())
    assert t_apps_first is not None and t_apps_since is not None
    result: dict[str, Any] = {
        "items": items,
        "launch_duration_s": launched - t_launch,
        "launch_to_all_answer_s": t_all_answer - t_launch,
        "launch_to_srv_running_s": t_complete - t_launch,
        "all_answer_to_srv_running_s": t_complete - t_all_answer,
        "launch_to_apps_first_all_running_s": t_apps_first - t_launch,
        "launch_to_apps_all_running_streak_s": t_apps_since - t_launch,
        "observer_fsm_first_seen_s": {k: v - t_launch for k, v in fsm_first.items()},
        "per_instance_first_answer_s": {n: t - t_launch for n, t in first_answer.items()},
        "poll_rounds": rounds,
        "poll_interval_s": POLL,
        "machine_busy_percent": 100.0 * (busy1 - busy0) / max(total1 - total0, 1e-9),
        "supervisord_cpu_s": cpu,
        "supervisord_cpu_total_s": sum(cpu.values()),
    }
    if "DISTRIBUTION" in fsm_first:
        result["all_answer_to_distribution_s"] = fsm_first["DISTRIBUTION"] - t_all_answer
        result["distribution_to_srv_running_s"] = t_complete - fsm_first["DISTRIBUTION"]
    result.update(analyse_srv(cluster, clients, items, t_launch, t_complete))
    result["control_overhead_s"] = result["all_answer_to_srv_running_s"] - result["chain_min_s"]
    result["job_overhead_s"] = result["job_span_s"] - result["chain_min_s"]
    return result


def analyse_srv(
    cluster: Cluster,
    clients: dict[str, KeepAliveRpc],
    items: int,
    t_launch: float,
    t_complete: float,
) -> dict[str, Any]:
    """Chain minimum, placement and per-item timelines (from the hosting servers)."""
    rules = clients[OBSERVER].call("supvisors.get_process_rules", f"{SRV_PREFIX}01:*")
    chain, stages = chain_minimum(rules)
    per_app: dict[str, Any] = {}
    hosts: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for server in SERVERS:
        for group, procs in process_times(clients[server], SRV_PREFIX).items():
            if procs[BUS]["state"] != "RUNNING":
                continue
            if group in hosts:
                problems.setdefault(group, []).append(f"bus RUNNING on {hosts[group]} and {server}")
            hosts[group] = server
            per_app[group] = timeline(procs, t_launch)
            found = consistent(procs)
            if found:
                problems[group] = problems.get(group, []) + found
    if len(per_app) != items:
        raise BenchError(f"{len(per_app)} scen2_srv hosted, {items} expected: {sorted(hosts)}")
    first_spawn = min(app["times_s"]["bus_spawn"] for app in per_app.values())
    last_done = max(app["times_s"]["done"] for app in per_app.values())
    loads = {}
    for info in clients[OBSERVER].call("supvisors.get_all_instances_info"):
        loads[nick_by_identifier(cluster).get(info["identifier"], info["identifier"])] = info[
            "loading"
        ]

    def stat(key: str) -> dict[str, float | int]:
        return summarize(app[key] for app in per_app.values())

    return {
        "chain_min_s": chain,
        "chain_stages": stages,
        "first_bus_spawn_s": first_spawn,
        "last_done_s": last_done,
        "job_span_s": last_done - first_spawn,
        "done_to_observed_s": (t_complete - t_launch) - last_done,
        "items_per_server": {s: sorted(g for g, h in hosts.items() if h == s) for s in SERVERS},
        "loading": loads,
        "per_item_first_spawn_to_done": stat("first_spawn_to_done_s"),
        "per_item_supervisord_latency": stat("supervisord_latency_s"),
        "per_item_plugin_reaction": stat("plugin_reaction_s"),
        "per_item_check_runtime": stat("check_runtime_s"),
        "per_item_bus_running_lag": stat("bus_running_lag_s"),
        "per_item_bus_running_to_check_spawn": stat("bus_running_to_check_spawn_s"),
        "per_item_check_exit_to_stage3_spawn": stat("check_exit_to_stage3_spawn_s"),
        "per_item_stage3_done_to_last_stage_spawn": stat("stage3_done_to_last_stage_spawn_s"),
        "ordering_problems": problems,
        "per_item": per_app,
    }


# ----------------------------------------------------------------------------- (c)
def wait_stopped(clients: dict[str, KeepAliveRpc], nick: str, name: str) -> float:
    """Wait until ``nick`` shows every process of ``name`` stopped; return the time waited."""
    start = time.monotonic()
    deadline = Deadline(SETTLE_TIMEOUT)
    while not deadline.expired():
        with contextlib.suppress(*TRANSIENT):
            info = clients[nick].call("supvisors.get_process_info", f"{name}:*")
            if all(p["statename"] in {"STOPPED", "EXITED", "FATAL"} for p in info):
                app = clients[nick].call("supvisors.get_application_info", name)
                if app["statename"] == "STOPPED":
                    return time.monotonic() - start
        time.sleep(0.02)
    raise BenchError(f"{name} not STOPPED on {nick} after {SETTLE_TIMEOUT} s")


def measure_hci(
    cluster: Cluster, clients: dict[str, KeepAliveRpc], items: int, reps: int
) -> dict[str, Any]:
    rules = clients["console_1"].call("supvisors.get_process_rules", f"{HCI_PREFIX}01:*")
    chain, stages = chain_minimum(rules)
    samples = []
    for rep in range(reps):
        item = rep % items + 1
        console = CONSOLES[(rep + rep // items) % len(CONSOLES)]
        name = f"{HCI_PREFIX}{item:02}"
        for nick in CONSOLES:
            wait_stopped(clients, nick, name)
        check_alive(cluster)
        with make_proxy(cluster[console].url, CONTROL_TIMEOUT) as proxy:
            t_call = time.monotonic()
            returned = proxy.supvisors.start_application("LOCAL", name, True)
            t_return = time.monotonic()
        procs = process_times(clients[console], name)[name]
        line = timeline(procs, t_call)
        sample = {
            "rep": rep,
            "application": name,
            "console": console,
            "returned": returned,
            "call_s": t_return - t_call,
            "overhead_s": t_return - t_call - chain,
            "call_to_bus_spawn_s": line["times_s"]["bus_spawn"],
            "done_to_return_s": (t_return - t_call) - line["times_s"]["done"],
            "ordering_problems": consistent(procs),
            **{k: v for k, v in line.items() if k != "times_s"},
            "times_s": line["times_s"],
        }
        samples.append(sample)
        log(
            f"    hci {rep + 1}/{reps}: {name} on {console}: {sample['call_s']:.3f} s"
            f" (first spawn {sample['call_to_bus_spawn_s']:.3f} s,"
            f" done -> return {sample['done_to_return_s']:.3f} s)"
        )
        with make_proxy(cluster[console].url, CONTROL_TIMEOUT) as proxy:
            t_stop = time.monotonic()
            proxy.supvisors.stop_application(name, True)
            sample["stop_call_s"] = time.monotonic() - t_stop
    for nick in CONSOLES:
        wait_stopped(clients, nick, f"{HCI_PREFIX}{(reps - 1) % items + 1:02}")

    def stat(key: str) -> dict[str, float | int]:
        return summarize(sample[key] for sample in samples)

    return {
        "chain_min_s": chain,
        "chain_stages": stages,
        "call": stat("call_s"),
        "overhead": stat("overhead_s"),
        "call_to_bus_spawn": stat("call_to_bus_spawn_s"),
        "done_to_return": stat("done_to_return_s"),
        "supervisord_latency": stat("supervisord_latency_s"),
        "plugin_reaction": stat("plugin_reaction_s"),
        "stop_call": stat("stop_call_s"),
        "samples": samples,
    }


# ----------------------------------------------------------------------------- runs
def run_cold_start(
    options: dict[str, float | int], items: int, hci_reps: int, logs_to: Path | None
) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="control_bench_") as tmp,
        Cluster(Path(tmp), plugin=True, name=f"control_bench_x{items}") as cluster,
    ):
        root = Path(tmp)
        etc = write_bench_etc(root / "etc", items)
        scaling: dict[str, int] = {}
        rules = RULES_FILE
        if items > 3:
            rules, scaling = write_scaled_rules(root / "etc" / "supvisors_rules_scaled.xml")
        add_scenario2(
            cluster, etc_dir=etc, supvisors_options={"rules_files": str(rules), **options}
        )
        clients = {instance.nick: KeepAliveRpc(instance.http_port) for instance in cluster}
        foreign = foreign_processes(cluster)
        result: dict[str, Any] = {"items": items}
        busy0, total0 = cpu_busy()
        try:
            result.update(measure_cold_start(cluster, clients, items))
            result["rules_file"] = str(rules) if items <= 3 else "scaled copy of " + str(RULES_FILE)
            result["loading_scaling"] = scaling
            if hci_reps:
                try:
                    result["hci"] = measure_hci(cluster, clients, items, hci_reps)
                except (BenchError, OSError, xmlrpc.client.Error) as exc:
                    result["hci_error"] = f"{type(exc).__name__}: {exc}"
                    result["fsm_at_error"] = fsm_states(cluster, clients)
                    log(f"    (c) FAILED: {str(exc)[:300]}")
            return result
        except (BenchError, OSError, xmlrpc.client.Error) as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"
            result["fsm_at_error"] = fsm_states(cluster, clients)
            result["srv_at_error"] = srv_evidence(cluster, clients)
            log(f"    FAILED: {str(exc).splitlines()[0]}")
            log(f"    FSM of each instance now: {result['fsm_at_error']}")
            for nick, seen in result["srv_at_error"].items():
                log(f"    {nick} shows: {seen}")
            return result
        finally:
            busy1, total1 = cpu_busy()
            result["run_busy_percent"] = 100.0 * (busy1 - busy0) / max(total1 - total0, 1e-9)
            result["foreign_processes"] = sorted(set(foreign + foreign_processes(cluster)))
            for client in clients.values():
                client.close()
            result["log_findings"] = log_findings(cluster)
            if result["log_findings"]:
                counts = {nick: found["count"] for nick, found in result["log_findings"].items()}
                log(f"    WARN/ERROR/CRITICAL lines in supervisord logs: {counts}")
            if logs_to is not None:
                keep_logs(cluster, logs_to)


def run_config(
    record: dict[str, Any], options: dict[str, float | int], args: argparse.Namespace
) -> None:
    for items in args.items:
        runs = record.setdefault(f"x{items}", [])
        for repeat in range(args.repeats):
            hci_reps = args.hci_reps if (items == 3 and repeat == args.repeats - 1) else 0
            waited, still = wait_quiet(args.wait_quiet) if args.wait_quiet > 0 else (0.0, [])
            if waited > 1:
                log(f"    waited {waited:.0f} s for foreign supervisord/pytest processes to end")
            if still:
                log(f"    WARNING: {len(still)} foreign supervisord/pytest processes running")
            log(f"[{record['name']}] cold start X={items} ({repeat + 1}/{args.repeats})")
            logs_to = None
            if args.keep_logs is not None:
                tag = re.sub(r"[^\w.=-]+", "_", record["name"])
                logs_to = args.keep_logs / f"{tag}_x{items}_{repeat + 1}"
            result = run_cold_start(options, items, hci_reps, logs_to)
            result["waited_for_quiet_s"] = waited
            runs.append(result)
            if "error" in result:
                continue
            log(
                f"    launch -> srv RUNNING {result['launch_to_srv_running_s']:.2f} s,"
                f" all answer -> srv RUNNING {result['all_answer_to_srv_running_s']:.2f} s,"
                f" job span {result['job_span_s']:.2f} s (chain {result['chain_min_s']:.2f} s)"
            )
            if result["ordering_problems"]:
                log(f"    ORDERING PROBLEMS: {result['ordering_problems']}")


# ----------------------------------------------------------------------------- report
def median_of(runs: list[dict[str, Any]], key: str) -> tuple[float, float, int] | None:
    values = [run[key] for run in runs if run.get(key) is not None and "error" not in run]
    if not values:
        return None
    return percentile(values, 50), max(values), len(values)


def cell(value: tuple[float, float, int] | None, unit: str = "s") -> str:
    if value is None:
        return "-"
    median, high, count = value
    text = f"{median:.2f} {unit}"
    if count > 1:
        text += f" (max {high:.2f})"
    return text


def verdict(value: tuple[float, float, int] | None, limit: float) -> str:
    if value is None:
        return ""
    return "  OK" if value[1] < limit else "  MISS"


def ok_runs(record: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [run for run in record.get(key, []) if "error" not in run]


def render_table(results: list[dict[str, Any]]) -> str:
    rows: list[tuple[str, list[str], str, str]] = []

    def add(label: str, cells: list[str], target: str = "", ref: str = "") -> None:
        rows.append((label, cells, target, ref))

    for items in sorted({int(k[1:]) for r in results for k in r if k.startswith("x")}):
        key = f"x{items}"
        limit = TARGETS["overhead_x3_s"] if items <= 3 else TARGETS["overhead_x30_s"]

        def col(field: str, unit: str = "s", k: str = key) -> list[str]:
            return [cell(median_of(ok_runs(r, k), field), unit) for r in results]

        def judged(field: str, k: str = key, lim: float = limit) -> list[str]:
            values = [median_of(ok_runs(r, k), field) for r in results]
            return [cell(value) + verdict(value, lim) for value in values]

        def derived(func: Any, k: str = key) -> list[str]:
            return [
                cell(median_of([{"v": func(run)} for run in ok_runs(r, k)], "v")) for r in results
            ]

        ref = f"~{REFERENCE_0_19_1['launch_to_srv_running_s']:.0f} s" if items == 3 else ""
        add(
            f"(a) X={items} cold starts completed",
            [f"{len(ok_runs(r, key))}/{len(r.get(key, []))}" for r in results],
            "all",
        )
        add(f"(a) X={items} launch -> all 6 answer XML-RPC", col("launch_to_all_answer_s"))
        add(
            f"(a) X={items} launch -> all scen2_srv RUNNING",
            col("launch_to_srv_running_s"),
            "",
            ref,
        )
        add(
            f"(a) X={items} all answer -> all scen2_srv RUNNING", col("all_answer_to_srv_running_s")
        )
        add(f"(a) X={items} CPU s of the 6 supervisord till then", col("supervisord_cpu_total_s"))
        add(f"(a) X={items} machine busy (all cores) in the run", col("run_busy_percent", "%"))
        add(f"(b) X={items} chain minimum (config)", col("chain_min_s"))
        add(
            f"(b) X={items} control overhead (all answer->RUNNING - chain)",
            judged("control_overhead_s"),
            f"< {limit:g} s",
        )
        add(
            f"(b) X={items}   of which sync: all answer -> DISTRIBUTION",
            col("all_answer_to_distribution_s"),
        )
        add(
            f"(b) X={items}   of which DISTRIBUTION -> RUNNING - chain",
            derived(lambda run: run["distribution_to_srv_running_s"] - run["chain_min_s"]),
        )
        add(
            f"(b) X={items} start job: 1st spawn -> last RUNNING - chain",
            judged("job_overhead_s"),
            f"< {limit:g} s",
        )
        add(
            f"(b) X={items}   slowest item: supervisord latency",
            derived(lambda run: slowest(run)["supervisord_latency_s"]),
        )
        add(
            f"(b) X={items}   slowest item: plugin reaction",
            derived(lambda run: slowest(run)["plugin_reaction_s"]),
        )
        add(
            f"(b) X={items}   last RUNNING -> seen on {OBSERVER}",
            col("done_to_observed_s"),
        )
    # (c)
    hci = [next((run["hci"] for run in ok_runs(r, "x3") if "hci" in run), None) for r in results]
    if any(hci):

        def hcell(field: str, stat: str, limit: float | None = None) -> list[str]:
            out = []
            for h in hci:
                if not h or h[field].get("n", 0) == 0:
                    out.append("-")
                    continue
                value = h[field][stat]
                text = f"{value:.2f} s"
                if limit is not None:
                    text += "  OK" if value < limit else "  MISS"
                out.append(text)
            return out

        add("(c) hci start_application, samples", [str(h["call"]["n"]) if h else "-" for h in hci])
        add("(c) hci start_application, call median", hcell("call", "median"), "", "2.25 s")
        add("(c) hci start_application, call max", hcell("call", "max"))
        add(
            "(c) hci chain minimum (config)",
            [f"{h['chain_min_s']:.2f} s" if h else "-" for h in hci],
        )
        add(
            "(c) hci control overhead median",
            hcell("overhead", "median", TARGETS["overhead_hci_s"]),
            f"< {TARGETS['overhead_hci_s']:g} s",
        )
        add(
            "(c) hci control overhead max",
            hcell("overhead", "max", TARGETS["overhead_hci_s"]),
            f"< {TARGETS['overhead_hci_s']:g} s",
        )
        add("(c)   call -> bus spawned (median)", hcell("call_to_bus_spawn", "median"))
        add("(c)   supervisord latency (median)", hcell("supervisord_latency", "median"))
        add("(c)   plugin reaction between stages (median)", hcell("plugin_reaction", "median"))
        add("(c)   last RUNNING -> call returns (median)", hcell("done_to_return", "median"))

    headers = ["measurement", *[r["name"] for r in results], "target", "Supvisors 0.19.1"]
    table = [headers] + [[label, *cells, target, ref] for label, cells, target, ref in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(table):
        lines.append(" | ".join(text.ljust(width) for text, width in zip(row, widths)))
        if index == 0:
            lines.append("-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def slowest(run: dict[str, Any]) -> dict[str, Any]:
    """The item whose start-up ended last."""
    return max(run["per_item"].values(), key=lambda item: item["times_s"]["done"])


def short_evidence(seen: Any, examples: int = 3) -> str:
    if isinstance(seen, str):
        return seen
    parts = []
    for label, key in (
        ("apps not RUNNING or major", "apps_not_running"),
        ("processes not final", "processes_not_final"),
        ("scen2_srv conflicts", "conflicts"),
    ):
        count, sample = seen[key]
        text = f"{label}: {count}"
        if count:
            text += f" (e.g. {', '.join(sample[:examples])})"
        parts.append(text)
    return "; ".join(parts)


def notes(results: list[dict[str, Any]]) -> str:
    lines = [
        "Notes:",
        f"- cells: median over the completed cold starts (max in brackets when several);"
        f" polling every {POLL * 1000:.0f} ms on {OBSERVER}. 'all scen2_srv RUNNING' = every"
        " scen2_srv application RUNNING in get_all_applications_info AND every one of its"
        " processes in its final state (checks EXITED, the rest RUNNING) in"
        " get_all_process_info.",
        f"- stand-ins: coreutils sleep; bus/services startsecs={BUS_STARTSECS}/"
        f"{SERVICE_STARTSECS}, checks exit 0 after {CHECK_RUNTIME} s. Chain minimum = sum over"
        " start stages of the longest start-up in the stage.",
        "- supervisord latency = STARTING->RUNNING later than startsecs + check exit seen later"
        " than its run time (supervisord's own loop); plugin reaction = event seen -> next"
        " stage spawned (incl. the spread of the spawns inside a stage). Both along the item"
        " that finished last; they add up to 'start job ... - chain'.",
    ]
    for r in results:
        for key in ("x3", "x30"):
            for number, run in enumerate(r.get(key, []), 1):
                tag = f"- {r['name']} {key} #{number}:"
                if "error" in run:
                    lines.append(f"{tag} FAILED: {run['error'].splitlines()[0]}")
                    lines.append(f"{tag}   FSM of each instance then: {run['fsm_at_error']}")
                    for nick, seen in run.get("srv_at_error", {}).items():
                        lines.append(f"{tag}   {nick} showed: {short_evidence(seen)}")
                if "hci_error" in run:
                    lines.append(f"{tag} (c) FAILED: {run['hci_error'].splitlines()[0]}")
                if run.get("ordering_problems"):
                    lines.append(f"{tag} ORDERING PROBLEMS {run['ordering_problems']}")
                findings = run.get("log_findings", {})
                if findings:
                    counts = {nick: found["count"] for nick, found in findings.items()}
                    first = next(iter(findings.values()))["first"][0]
                    lines.append(f"{tag} WARN/ERROR log lines {counts}; e.g. {first[:200]}")
                capped = sum(
                    bool(item["mtimes_capped"]) for item in run.get("per_item", {}).values()
                )
                if capped:
                    lines.append(
                        f"{tag} {capped} item(s) with a RUNNING last_event_mtime after the next"
                        " stage's spawn (record refreshed later): capped to that spawn"
                    )
                if run.get("foreign_processes"):
                    lines.append(
                        f"{tag} WARNING: {len(run['foreign_processes'])} foreign"
                        " supervisord/pytest processes ran meanwhile: figures are skewed"
                    )
            done = ok_runs(r, key)
            if done:
                spread = {s: len(v) for s, v in done[-1]["items_per_server"].items()}
                lines.append(
                    f"- {r['name']} {key}: items per server {spread}, loading"
                    f" {done[-1]['loading']}; get_all_applications_info first showed all"
                    f" scen2_srv RUNNING at {done[-1]['launch_to_apps_first_all_running_s']:.2f} s,"
                    f" processes final at {done[-1]['launch_to_srv_running_s']:.2f} s"
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
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one cold start each, 3 hci starts")
    parser.add_argument("--repeats", type=int, help="cold starts per X and config (default 3)")
    parser.add_argument("--hci-reps", type=int, help="hci starts in (c) (default 10; quick 3)")
    parser.add_argument(
        "--items", type=int, nargs="+", default=list(ITEM_COUNTS), help="X values (3 30)"
    )
    parser.add_argument(
        "--configs",
        nargs="+",
        choices=list(CONFIGS),
        default=list(CONFIGS),
        help="fast: tick_period=0.2, inactivity_ticks=3; default: the defaults (tick_period=1)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="output JSON path")
    parser.add_argument(
        "--keep-logs", type=Path, help="copy every supervisord log and config under this folder"
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        help="before each cold start, wait up to this many s for foreign supervisord/pytest"
        " processes (a concurrent test run or benchmark) to end",
    )
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.hci_reps is None:
        args.hci_reps = 3 if args.quick else 10
    if args.repeats < 1 or args.hci_reps < 0 or any(x < 1 for x in args.items):
        parser.error("--repeats >= 1, --hci-reps >= 0 and --items >= 1 are required")
    return args


def _terminate(signum: int, _frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    started = time.time()
    results: list[dict[str, Any]] = []
    error = ""
    try:
        for key in args.configs:
            name, options = CONFIGS[key]
            results.append({"name": name, "options": options})
            run_config(results[-1], options, args)
    except KeyboardInterrupt:
        log("interrupted: every supervisord started was killed")
        return 130
    except (BenchError, AssertionError, OSError, xmlrpc.client.Error) as exc:
        error = f"{type(exc).__name__}: {exc}"
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
            "programs": {
                "bus_startsecs": BUS_STARTSECS,
                "service_startsecs": SERVICE_STARTSECS,
                "check_runtime_s": CHECK_RUNTIME,
                "command": sleep_binary(),
            },
            "observer": OBSERVER,
            "error": error,
        },
        "targets": TARGETS,
        "reference_supvisors_0_19_1": REFERENCE_0_19_1,
        "results": results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    if results:
        print(render_table(results))
        print()
        print(notes(results))
    print(f"\nJSON: {args.json}")
    failed = any(
        "error" in run or "hci_error" in run
        for record in results
        for key, runs in record.items()
        if key.startswith("x")
        for run in runs
    )
    return 1 if error or failed else 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
