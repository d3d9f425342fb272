"""Plumbing shared by the failover benchmarks (failover_bench.py, netns_bench.py): the two
configurations, polling with a deadline, the series of fresh clusters, medians, the JSON file."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

CONFIGS = {
    "tick 0.2 / 3": {"tick_period": 0.2, "inactivity_ticks": 3},
    "defaults": {"tick_period": 1, "inactivity_ticks": 2},
}
POLL = 0.02
Sample = dict[str, float]
Results = dict[str, dict[str, list[Sample]]]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def safe(call: Callable[[], Any], default: Any = None) -> Any:
    """The call's result, or `default` while the instance does not answer."""
    try:
        return call()
    except (OSError, xmlrpc.client.Error):
        return default


def wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = safe(predicate)
        if value:
            return value
        time.sleep(POLL)
    raise RuntimeError(f"timeout: {what}")


def run_series(
    cases: Iterable[str],
    repeats: int,
    measure: Callable[[dict[str, Any], str, Path], Sample],
    prefix: str,
) -> Results:
    """Every case `repeats` times in each configuration, each on a fresh cluster."""
    results: Results = {}
    cases = list(cases)
    for config, options in CONFIGS.items():
        for case in cases:
            for repeat in range(repeats):
                log(f"{config} / {case} #{repeat + 1}")
                with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
                    sample = measure(options, case, Path(tmp))
                log(f"  {sample}")
                results.setdefault(config, {}).setdefault(case, []).append(sample)
    return results


def median(samples: list[Sample], key: str) -> float:
    return statistics.median(sample[key] for sample in samples)


def write_json(path: str, repeats: int, results: Results) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"repeats": repeats, "results": results}, indent=2))
    log(f"written {out}")
