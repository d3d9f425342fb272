#!/usr/bin/env python3
"""Chaos soak (issue 14): random faults on the Scenario 2 cluster, invariants after each.

Run from the repository root, with the project installed (`pip install -e .[test]`)::

    python bench/chaos.py --seed 14 --faults 300             # the long run
    python bench/chaos.py --seed 14 --faults 20 --max-hold 4 # the short mode of the suite

Six supervisord instances with the plugin (3 servers, 3 consoles, X=6, tick 0.2 s, SENICIDE)
on network-namespace hosts where the machine allows them (`--net auto`), else on 127.0.0.1.
A violation stops the run, writes a report under `--out` and prints the command replaying it.
See bench/CHAOS.md for the faults, the invariants and the results.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.chaoslib.run import Chaos  # noqa: E402


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--faults", type=int, default=300, help="steps of faults to inject")
    parser.add_argument("--max-hold", type=float, default=15.0, help="longest hang/partition, s")
    parser.add_argument("--net", choices=("auto", "netns", "loopback"), default="auto")
    parser.add_argument(
        "--late-grace",
        type=float,
        default=60.0,
        help="seconds past the settle deadline before a state counts as wrong",
    )
    parser.add_argument("--out", default=str(REPO_ROOT / "bench" / "results"))
    return parser.parse_args(argv)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    # SIGTERM (or SIGINT, ignored in a background job) stops the run cleanly: the clusters
    # and namespaces are removed and the figures so far are written
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return Chaos(parse(argv)).run()
    finally:  # the suite calls main() in pytest's own process
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
