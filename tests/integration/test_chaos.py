"""The chaos soak in its short mode (issue 14): 20 steps of random faults with a fixed seed,
every invariant checked after each (bench/chaos.py, bench/CHAOS.md). Select it alone with
`pytest -m chaos -p no:xdist`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.chaos import main

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
SEED = 20


def test_short_chaos_soak_holds_every_invariant(tmp_path: Path) -> None:
    # holds of at most 4 s keep it CI-sized; the long run uses 1-15 s
    argv = ["--seed", str(SEED), "--faults", "20", "--max-hold", "4", "--out", str(tmp_path)]
    code = main(argv)
    results = json.loads((tmp_path / f"chaos_seed{SEED}.json").read_text())
    assert code == 0, f"violation: {results['violation']}; replay: {results['command']}"
    assert results["steps_survived"] == 20
