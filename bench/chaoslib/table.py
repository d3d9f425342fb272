"""Markdown summary of a soak's JSON results (for bench/CHAOS.md)::

python -m bench.chaoslib.table bench/results/chaos_seed14.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from bench.chaoslib.run import percentile


def per_kind(history: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Settle times by fault kind; a step of two faults counts for both kinds."""
    times: dict[str, list[float]] = {}
    for entry in history:
        if entry["status"] == "wrong":
            continue
        for fault in entry["faults"]:
            times.setdefault(fault["kind"], []).append(entry["settle"])
    return times


def markdown(results: dict[str, Any]) -> str:
    history = results["history"]
    lines = [
        f"seed {results['seed']}, hosts {results['hosts']}, {results['steps_survived']} steps"
        f" ({results['faults_survived']} faults) survived of {results['faults_asked']} asked;"
        f" slow steps {results['slow']}; violation: {results['violation'] or 'none'}",
        "",
        "| fault kind | steps | settle median (s) | settle p99 (s) | max (s) | slow |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    slow = per_kind([e for e in history if e["status"] == "slow"])
    for kind, times in sorted(per_kind(history).items()):
        lines.append(
            f"| {kind} | {len(times)} | {statistics.median(times):.1f} |"
            f" {percentile(times, 0.99):.1f} | {max(times):.1f} | {len(slow.get(kind, []))} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
