"""The soak loop: draw faults, carry them out, wait for the invariants, stop at a violation.

A step is settled once every invariant holds. Its deadline is detection + program chain + 5 s
(issue 14), plus the measured supervisord start-up for the steps that start one. Past it, the
soak keeps polling for `late_grace` seconds more: a cluster that gets there is *slow* (noted,
the run goes on: the machine is shared), one that does not is *wrong* (a violation: the run
stops and writes its report).
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.chaoslib.faults import CALL_HUNG, UNAVAILABLE, Fault, carry_out_all, draw, kinds
from bench.chaoslib.invariants import log_tracebacks, snapshot, violations
from bench.chaoslib.setup import INACTIVITY, NICKS, TICK, Soak, build

POLL = 0.5
MARGIN = 5.0
RESTARTING = {"revive", "restart", "reload"}


def log(text: str) -> None:
    print(f"[chaos {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def wait_invariants(soak: Soak, deadline: float, late_grace: float) -> tuple[str, float, list[str]]:
    """('ok'|'slow'|'wrong', seconds from now to the first success, last violations)."""
    begin = time.monotonic()
    found: list[str] = []
    while True:
        found = violations(soak, snapshot(soak))
        elapsed = time.monotonic() - begin
        if not found:
            return ("ok" if elapsed <= deadline else "slow"), elapsed, []
        if elapsed > deadline + late_grace:
            return "wrong", elapsed, found
        time.sleep(POLL)


class Chaos:
    def __init__(self, args: Any) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.history: list[dict[str, Any]] = []
        self.settle: dict[str, list[float]] = {}
        self.slow: list[dict[str, Any]] = []
        self.log_offsets: dict[str, int] = {}
        self.chain = self.startup = 0.0

    def replay_command(self) -> str:
        a = self.args
        return (
            f"python bench/chaos.py --seed {a.seed} --faults {a.faults} --max-hold {a.max_hold}"
            f" --net {a.net}"
        )

    def run(self) -> int:
        with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
            soak = build(Path(tmp), self.args.net)
            try:
                return self._run(soak)
            finally:
                soak.close()

    def _run(self, soak: Soak) -> int:
        log(f"seed {self.args.seed}, {self.args.faults} faults, hosts: {soak.mode}")
        log(f"fault kinds: {', '.join(kinds(soak.mode))}; not drawn: {UNAVAILABLE}")
        begin = time.monotonic()
        soak.cluster.start()
        self.startup = time.monotonic() - begin
        status, elapsed, found = wait_invariants(soak, 120.0, 0.0)
        if status != "ok":
            return self._violation(soak, "initial start", found)
        log(f"cluster up in {self.startup:.1f} s, settled {elapsed:.1f} s later")
        self._measure_chain(soak)
        for number in range(1, self.args.faults + 1):
            try:
                if not self._step(soak, number):
                    return 1
            except KeyboardInterrupt:  # an interrupted run still leaves its figures
                log(f"interrupted during step {number}")
                self.history = [entry for entry in self.history if entry["number"] < number]
                self._write_results(soak)
                return 130
        self._write_results(soak)
        return 0

    def _measure_chain(self, soak: Soak) -> None:
        """The program chain: one restart_application of a scen2_srv, stop then start."""
        begin = time.monotonic()
        soak.cluster["console_1"].supvisors.restart_application("CONFIG", "scen2_srv_01")
        wait_invariants(soak, 60.0, 0.0)
        self.chain = time.monotonic() - begin
        log(f"program chain (restart of scen2_srv_01): {self.chain:.1f} s")

    def deadline(self, faults: list[Fault]) -> float:
        detection = INACTIVITY * TICK + TICK
        extra = self.startup if any(f.kind in RESTARTING for f in faults) else 0.0
        return detection + self.chain + MARGIN + extra

    def _step(self, soak: Soak, number: int) -> bool:
        faults = draw(self.rng, soak, self.args.max_hold)
        log(f"#{number}: {' + '.join(f.describe() for f in faults)}")
        carry_out_all(soak, faults)
        deadline = self.deadline(faults)
        status, elapsed, found = wait_invariants(soak, deadline, self.args.late_grace)
        found += log_tracebacks(soak, self.log_offsets)
        found += [f"{f.describe()}: {f.outcome}" for f in faults if CALL_HUNG in f.outcome]
        entry = {
            "number": number,
            "faults": [asdict(f) for f in faults],
            "status": status,
            "settle": round(elapsed, 2),
            "deadline": round(deadline, 2),
        }
        self.history.append(entry)
        log(
            f"   {status} in {elapsed:.1f} s (deadline {deadline:.1f}): "
            + "; ".join(f"{f.kind}: {f.outcome}" for f in faults)
        )
        if status == "wrong" or found:
            return self._violation(soak, f"fault #{number}", found) == 0
        if status == "slow":
            self.slow.append(entry)
        key = "+".join(sorted(f.kind for f in faults if f.kind != "revive")) or "revive"
        self.settle.setdefault(key, []).append(elapsed)
        return True

    def _violation(self, soak: Soak, when: str, found: list[str]) -> int:
        out = Path(self.args.out) / f"chaos-violation-seed{self.args.seed}-{int(time.time())}"
        out.mkdir(parents=True, exist_ok=True)
        shot = snapshot(soak)
        lines = [
            f"# Chaos violation after {when}",
            f"seed {self.args.seed}, hosts {soak.mode}, machine {machine()}",
            "",
            "## Violations",
            *[f"- {item}" for item in found],
            "",
            "## Replay",
            f"    {self.replay_command()}",
            "",
            "## Fault history",
            *[json.dumps(entry) for entry in self.history],
            "",
            "## State of every instance",
            json.dumps(asdict(shot), indent=1, default=str),
            "",
            "## Log tails",
            soak.cluster.dump(NICKS, lines=150),
        ]
        (out / "report.md").write_text("\n".join(lines))
        log(f"VIOLATION after {when}: {found}")
        log(f"report: {out / 'report.md'}")
        print(f"replay: {self.replay_command()}", flush=True)
        self._write_results(soak, violation=found)
        return 1

    def _write_results(self, soak: Soak, violation: list[str] | None = None) -> None:
        table = {
            kind: {
                "count": len(times),
                "median": round(statistics.median(times), 2),
                "p99": round(percentile(times, 0.99), 2),
            }
            for kind, times in sorted(self.settle.items())
        }
        results = {
            "seed": self.args.seed,
            "faults_asked": self.args.faults,
            "steps_survived": len(self.history) - (1 if violation else 0),
            "faults_survived": sum(
                len([f for f in e["faults"] if f["kind"] != "revive"])
                for e in self.history[: len(self.history) - (1 if violation else 0)]
            ),
            "hosts": soak.mode,
            "machine": machine(),
            "startup": round(self.startup, 2),
            "chain": round(self.chain, 2),
            "settle": table,
            "slow": len(self.slow),
            "violation": violation,
            "history": self.history,
            "command": self.replay_command(),
        }
        path = Path(self.args.out) / f"chaos_seed{self.args.seed}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1))
        log(f"results: {path}")
        for kind, row in table.items():
            log(
                f"  {kind:40} n={row['count']:3}"
                f" median {row['median']:5.1f} s p99 {row['p99']:5.1f} s"
            )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, load {load}"
