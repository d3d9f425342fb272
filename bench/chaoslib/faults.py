"""The soak's faults (issue 14, Deliver 1): drawn from a seeded generator, carried out on
the real cluster. Each fault runs to its end (a hang is resumed, a partition healed) except
a kill, whose instance stays dead until the next draw starts it again (`revive`).

Every draw uses the generator only, before any timing-dependent call, so a seed replays the
same sequence of faults, targets and durations.
"""

from __future__ import annotations

import random
import signal
import socket
import threading
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

from bench.chaoslib.setup import CONSOLES, ITEMS, NICKS, SERVERS, Soak
from tests.scenario2_facts import CONSOLE_PROGRAMS, SERVER_PROGRAMS

RESTART_GUARD = 15.0  # a second crash within 10 s of a restart stops the srv by design
_last_crash: dict[str, float] = {}

# kind -> weight; the namespace-only kinds are dropped on 127.0.0.1
WEIGHTS = {
    "kill": 3,
    "hang": 3,
    "restart": 2,
    "partition": 3,
    "crash": 4,
    "start_race": 3,
    "restart_application": 3,
    "reload": 2,
    "hostile_frames": 1,
}
NETNS_ONLY = {"partition"}
UNAVAILABLE = {"bus_port_cut": "needs iptables/nft inside the namespaces: not installed here"}
CALL_TIMEOUT = 120.0  # a waiting call must return before this (it documents 600 s)
# what an outcome says when a waiting call did not return in time (a violation); the faults
# the plugin returns may say "no answer within 10 s" of a peer: that is an answer
CALL_HUNG = f"caller gave up after {CALL_TIMEOUT:g} s"


@dataclass
class Fault:
    kind: str
    target: str
    params: dict[str, Any] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0
    outcome: str = ""

    def describe(self) -> str:
        extra = " ".join(f"{key}={value}" for key, value in self.params.items())
        return f"{self.kind} {self.target} {extra}".strip()


def kinds(mode: str) -> list[str]:
    return [kind for kind in WEIGHTS if mode == "netns" or kind not in NETNS_ONLY]


def draw(rng: random.Random, soak: Soak, max_hold: float) -> list[Fault]:
    """The next step: one fault, sometimes two at once; a dead instance comes back first."""
    faults = []
    if soak.dead:
        faults.append(Fault("revive", sorted(soak.dead)[0]))
    available = kinds(soak.mode)
    count = 2 if rng.random() < 0.2 else 1
    for _ in range(count):
        kind = rng.choices(available, [WEIGHTS[k] for k in available])[0]
        if kind == "kill" and (soak.dead or any(f.kind == "kill" for f in faults)):
            kind = "hang"  # at most one instance dead at a time
        faults.append(_parameters(rng, kind, max_hold))
    return faults


def _parameters(rng: random.Random, kind: str, max_hold: float) -> Fault:
    hold = round(rng.uniform(1.0, max_hold), 1)
    if kind in ("kill", "hang", "restart", "reload", "hostile_frames"):
        return Fault(kind, rng.choice(NICKS), {"hold": hold} if kind == "hang" else {})
    if kind == "partition":
        hosts = rng.sample(["h1", "h2", "h3"], rng.choice([1, 2]))
        return Fault(kind, ",".join(sorted(hosts)), {"hold": round(rng.uniform(1.0, max_hold), 1)})
    if kind == "crash":
        # a scen2_srv service other than its bus is CONTINUE: it would stay down by design
        if rng.random() < 0.5:
            return Fault(kind, f"scen2_srv_{rng.randint(1, ITEMS):02}:{SERVER_PROGRAMS[0]}")
        program = rng.choice([p for p in CONSOLE_PROGRAMS if "_check_" not in p])
        return Fault(kind, f"scen2_hci_{rng.randint(1, ITEMS):02}:{program}")
    if kind == "start_race":
        consoles = rng.sample(list(CONSOLES), 3)
        return Fault(kind, f"scen2_hci_{rng.randint(1, ITEMS):02}", {"from": consoles})
    return Fault(kind, f"scen2_srv_{rng.randint(1, ITEMS):02}", {"via": rng.choice(NICKS)})


def carry_out(soak: Soak, fault: Fault) -> None:
    fault.started = time.monotonic()
    try:
        fault.outcome = ACTIONS[fault.kind](soak, fault) or "done"
    except (OSError, xmlrpc.client.Error, ExpatError, AssertionError, RuntimeError) as exc:
        fault.outcome = f"{type(exc).__name__}: {str(exc)[:300]}"
    fault.ended = time.monotonic()


def carry_out_all(soak: Soak, faults: list[Fault]) -> None:
    """Faults of one step at once (the revive first, alone)."""
    for fault in [f for f in faults if f.kind == "revive"]:
        carry_out(soak, fault)
    threads = [
        threading.Thread(target=carry_out, args=(soak, fault))
        for fault in faults
        if fault.kind != "revive"
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# ----- the actions
def _reachable(soak: Soak, nick: str) -> bool:
    return nick not in soak.dead


def _kill(soak: Soak, fault: Fault) -> str:
    if not _reachable(soak, fault.target):
        return "already dead"
    soak.dead.add(fault.target)
    soak.cluster.kill(fault.target)
    return "killed"


def _revive(soak: Soak, fault: Fault) -> str:
    soak.cluster.start([fault.target])
    soak.dead.discard(fault.target)
    return "started again"


def _hang(soak: Soak, fault: Fault) -> str:
    if not _reachable(soak, fault.target):
        return "dead: skipped"
    soak.cluster.suspend(fault.target)
    time.sleep(fault.params["hold"])
    soak.cluster.resume(fault.target)
    return "resumed"


def _restart(soak: Soak, fault: Fault) -> str:
    if not _reachable(soak, fault.target):
        return "dead: skipped"
    soak.cluster.restart(fault.target)
    return "restarted"


def _reload(soak: Soak, fault: Fault) -> str:
    if not _reachable(soak, fault.target):
        return "dead: skipped"
    soak.cluster.signal(fault.target, signal.SIGHUP)
    instance = soak.cluster[fault.target]
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:  # the restart began: it no longer answers OPERATION
        try:
            if instance.supvisors.get_supvisors_state()["fsm_statename"] != "OPERATION":
                return "SIGHUP: restarting"
        except (OSError, xmlrpc.client.Error, ExpatError):
            return "SIGHUP: restarting"
        time.sleep(0.05)
    return "SIGHUP sent, no restart seen"


def _partition(soak: Soak, fault: Fault) -> str:
    assert soak.network is not None
    hosts = fault.target.split(",")
    for host in hosts:
        soak.network.cut(host)
    try:
        time.sleep(fault.params["hold"])
    finally:
        for host in hosts:
            soak.network.heal(host)
    return "healed"


def _crash(soak: Soak, fault: Fault) -> str:
    group = fault.target.split(":", 1)[0]
    # not a second crash inside the restart-loop guard (docs/failures.md): timing only, the
    # draw stays the seed's
    wait = _last_crash.get(group, float("-inf")) + RESTART_GUARD - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    _last_crash[group] = time.monotonic()
    allowed = SERVERS if group.startswith("scen2_srv") else CONSOLES
    for nick in allowed:
        if not _reachable(soak, nick):
            continue
        info = soak.cluster[nick].supervisor.getProcessInfo(fault.target)
        if info["statename"] == "RUNNING":
            soak.cluster[nick].supervisor.signalProcess(fault.target, "KILL")
            return f"killed on {nick}"
    return "not running anywhere"


def _call(soak: Soak, nick: str, method: str, *args: Any) -> str:
    if not _reachable(soak, nick):
        return f"{nick} dead"
    proxy = soak.cluster[nick].rpc("supvisors", timeout=CALL_TIMEOUT)
    try:
        return f"{nick}: {getattr(proxy, method)(*args)}"
    except xmlrpc.client.Fault as exc:
        return f"{nick}: fault {exc.faultCode} {exc.faultString[:80]}"
    except TimeoutError:
        raise RuntimeError(f"{method}{args} on {nick}: {CALL_HUNG}") from None


def _start_race(soak: Soak, fault: Fault) -> str:
    first, second, third = fault.params["from"]
    calls: list[tuple[str, str, tuple[Any, ...]]] = [
        (first, "start_application", ("LESS_LOADED", fault.target)),
        (second, "start_application", ("LESS_LOADED", fault.target)),
        (third, "stop_application", (fault.target,)),
    ]
    return _concurrently(soak, calls)


def _restart_application(soak: Soak, fault: Fault) -> str:
    via = fault.params["via"]
    return _call(soak, via, "restart_application", "LESS_LOADED", fault.target)


def _concurrently(soak: Soak, calls: list[tuple[str, str, tuple[Any, ...]]]) -> str:
    results: list[str] = [""] * len(calls)
    errors: list[BaseException] = []

    def one(index: int) -> None:
        nick, method, args = calls[index]
        try:
            results[index] = _call(soak, nick, method, *args)
        except (OSError, xmlrpc.client.Error, RuntimeError) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if any(isinstance(error, RuntimeError) for error in errors):
        raise next(e for e in errors if isinstance(e, RuntimeError))
    return "; ".join(results + [repr(error)[:100] for error in errors])


def _hostile_frames(soak: Soak, fault: Fault) -> str:
    """Garbage on the instance's bus port: a bad ZMTP greeting, then random bytes."""
    if not _reachable(soak, fault.target):
        return "dead: skipped"
    instance = soak.cluster[fault.target]
    host = instance.spec.host
    payloads = [
        b"\xff" + b"\x00" * 8 + b"\x7f\x03\x00NULL",
        bytes(range(256)) * 64,
        b"GET / HTTP/1.0\r\n\r\n",
    ]
    sent = 0
    for payload in payloads:
        if soak.network is not None:
            from tests.harness.netns import connect_in

            sock = connect_in(instance.netns, (host, instance.internal_port), 2.0)
        else:
            sock = socket.create_connection((host, instance.internal_port), 2.0)
        with sock:
            try:
                sock.sendall(payload)
                sent += len(payload)
            except OSError:
                pass
    return f"{sent} bytes"


ACTIONS: dict[str, Callable[[Soak, Fault], str]] = {
    "kill": _kill,
    "revive": _revive,
    "hang": _hang,
    "restart": _restart,
    "reload": _reload,
    "partition": _partition,
    "crash": _crash,
    "start_race": _start_race,
    "restart_application": _restart_application,
    "hostile_frames": _hostile_frames,
}
