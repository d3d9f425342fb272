"""The soak's invariants (issue 14, Deliver 2), read through the public APIs of every
reachable instance, plus the OS processes and the logs.

`snapshot()` gathers what every live instance says; `violations()` lists what is wrong in it,
as sentences. The soak polls both until the list is empty or the settle deadline passes.
"""

from __future__ import annotations

import xmlrpc.client
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

import psutil

from bench.chaoslib.setup import CONSOLES, ITEMS, NICKS, SERVERS, Soak

SRV_LOAD, SERVER_CAPACITY = 42, 100  # the example's rules: two scen2_srv per server
ACTIVE = {"STARTING", "RUNNING", "BACKOFF", "STOPPING"}


@dataclass
class Snapshot:
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    applications: dict[str, dict[str, str]] = field(default_factory=dict)  # nick -> app -> state
    processes: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # nick -> ns -> ids
    local: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)  # supervisord
    unreachable: dict[str, str] = field(default_factory=dict)
    os_pids: dict[int, str] = field(default_factory=dict)  # tagged pid -> command line
    nick_of: dict[str, str] = field(default_factory=dict)  # identifier -> nick


def snapshot(soak: Soak) -> Snapshot:
    shot = Snapshot()
    for nick in NICKS:
        shot.nick_of[soak.cluster[nick].identifier] = nick
    for nick in soak.alive():
        instance = soak.cluster[nick]
        try:
            shot.states[nick] = instance.supvisors.get_supvisors_state()
            apps = instance.supvisors.get_all_applications_info()
            shot.applications[nick] = {a["application_name"]: a["statename"] for a in apps}
            procs = instance.supvisors.get_all_process_info()
            shot.processes[nick] = {
                f"{p['application_name']}:{p['process_name']}": sorted(
                    shot.nick_of.get(i, i) for i in p["identifiers"]
                )
                for p in procs
            }
            infos = instance.supervisor.getAllProcessInfo()
            shot.local[nick] = {
                f"{p['group']}:{p['name']}": (p["statename"], p["pid"]) for p in infos
            }
        except (OSError, xmlrpc.client.Error, ExpatError) as exc:
            shot.unreachable[nick] = f"{type(exc).__name__}: {exc}"
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = proc.info["cmdline"] or []
        if soak.tag in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            shot.os_pids[proc.info["pid"]] = " ".join(cmdline[-2:])
    return shot


def violations(soak: Soak, shot: Snapshot) -> list[str]:
    found = [f"{nick} unreachable: {why}" for nick, why in shot.unreachable.items()]
    found += _alive(soak)
    if shot.unreachable:
        return found
    found += _agreement(soak, shot)
    found += _placement(soak, shot)
    found += _os_processes(shot)
    return found


def _alive(soak: Soak) -> list[str]:
    return [
        f"{nick}: supervisord exited ({soak.cluster[nick].returncode()}) without being killed"
        for nick in soak.alive()
        if not soak.cluster[nick].is_alive()
    ]


def _agreement(soak: Soak, shot: Snapshot) -> list[str]:
    found = []
    masters = {nick: state["master_identifier"] for nick, state in shot.states.items()}
    if len(set(masters.values())) != 1 or not next(iter(masters.values()), ""):
        found.append(f"Master disagreement: {masters}")
    for nick, state in shot.states.items():
        if state["fsm_statename"] != "OPERATION":
            found.append(f"{nick} in {state['fsm_statename']}, not OPERATION")
        if state["starting_jobs"] or state["stopping_jobs"]:
            found.append(f"{nick} jobs: {state['starting_jobs']} {state['stopping_jobs']}")
        for identifier, instance_state in state["instance_states"].items():
            other = shot.nick_of.get(identifier, identifier)
            expected = "RUNNING" if other in soak.alive() else None
            if expected and instance_state != expected:
                found.append(f"{nick} sees {other} {instance_state}")
            if not expected and instance_state == "RUNNING":
                found.append(f"{nick} sees killed {other} RUNNING")
    reference = next(iter(shot.applications.values()), {})
    for nick, apps in shot.applications.items():
        if apps != reference:
            diff = {a: (s, reference.get(a)) for a, s in apps.items() if reference.get(a) != s}
            found.append(f"application states of {nick} differ: {diff}")
    reference_p = next(iter(shot.processes.values()), {})
    for nick, procs in shot.processes.items():
        diff = {ns: ids for ns, ids in procs.items() if reference_p.get(ns) != ids}
        if diff:
            found.append(f"process views of {nick} differ: {diff}")
    return found


def _placement(soak: Soak, shot: Snapshot) -> list[str]:
    found = []
    procs = next(iter(shot.processes.values()), {})
    live_servers = [nick for nick in SERVERS if nick in soak.alive()]
    whole = 0
    for index in range(1, ITEMS + 1):
        for prefix, allowed in (("scen2_srv", SERVERS), ("scen2_hci", CONSOLES)):
            name = f"{prefix}_{index:02}"
            services = {ns: ids for ns, ids in procs.items() if ns.startswith(name + ":")}
            running = {ns: ids for ns, ids in services.items() if ids and "_check_" not in ns}
            where = {i for ids in running.values() for i in ids}
            if any(len(ids) > 1 for ids in running.values()):
                found.append(f"{name} runs twice: {running}")
            if where - set(allowed):
                found.append(f"{name} runs outside {prefix[6:]}s: {sorted(where)}")
            if len(where) > 1:
                found.append(f"{name} split over {sorted(where)}: {running}")
            if prefix == "scen2_srv" and running:
                missing = [ns for ns in services if "_check_" not in ns and ns not in running]
                if missing:
                    found.append(f"{name} partly running on {sorted(where)}; stopped: {missing}")
                else:
                    whole += 1
    expected = min(ITEMS, len(live_servers) * (SERVER_CAPACITY // SRV_LOAD))
    if whole != expected:
        found.append(f"{whole} scen2_srv run whole, {expected} expected ({live_servers} alive)")
    return found


def _os_processes(shot: Snapshot) -> list[str]:
    """Every tagged OS process is one that a live supervisord reports, which every view shows
    there; every process a supervisord runs is shown there by every view."""
    found = []
    reported: dict[int, str] = {}
    for nick, infos in shot.local.items():
        for namespec, (state, pid) in infos.items():
            if state in ACTIVE and pid:
                reported[pid] = f"{namespec}@{nick}"
            for viewer, procs in shot.processes.items():
                if namespec not in procs:
                    continue
                shown = nick in procs[namespec]
                if shown != (state in ACTIVE) and state not in ("STARTING", "STOPPING"):
                    found.append(f"{viewer} shows {namespec} on {nick}: {shown}, it is {state}")
    for pid, what in shot.os_pids.items():
        if pid not in reported:
            found.append(f"OS process {pid} ({what}) unknown to every supervisord: orphan")
    return found


def log_tracebacks(soak: Soak, seen: dict[str, int]) -> list[str]:
    """New 'Traceback' lines in each instance's supervisord log (offsets kept in `seen`)."""
    found = []
    for nick in NICKS:
        path = soak.cluster[nick].log_path
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        start = seen.get(nick, 0)
        if len(text) < start:
            start = 0
        new = text[start:]
        seen[nick] = len(text)
        for line_no, line in enumerate(new.splitlines()):
            if "Traceback" in line:
                found.append(f"{nick} log: traceback near line +{line_no}: {line[:200]}")
    return found
