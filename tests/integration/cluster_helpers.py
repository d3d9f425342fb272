"""Helpers shared by the multi-instance integration tests."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.harness import Cluster, add_scenario2, group_section, program_section
from tests.integration.scenario2_layout import RULES_FILE, write_scenario2_etc

# 2 s of silence before FAILED: with 0.6 s, then 1 s, two six-instance clusters on 2 cores
# (a failover spawning two applications at once) gave false losses of a busy Master
FAST = {"tick_period": 0.2, "inactivity_ticks": 10}


def safe_state(instance: Any) -> dict[str, Any] | None:
    """get_supvisors_state(), or None while the instance does not answer."""
    try:
        return instance.supvisors.get_supvisors_state()
    except (OSError, xmlrpc.client.Error):
        return None


def wait_operation(
    cluster: Cluster, nicks: Iterable[str], timeout: float = 20, not_master: str = ""
) -> str:
    """Wait until every named instance is in OPERATION with one common Master; return it.

    `not_master` excludes a Master that is known to be gone.
    """
    nicks = list(nicks)

    def agreed() -> str | None:
        states = [safe_state(cluster[nick]) for nick in nicks]
        if any(s is None or s["fsm_statename"] != "OPERATION" for s in states):
            return None
        masters = {s["master_identifier"] for s in states if s}
        if len(masters) != 1 or not_master in masters:
            return None
        return masters.pop()

    return cluster.wait_until(agreed, timeout=timeout, message=f"{nicks} never agreed in OPERATION")


def start_scenario2(
    cluster: Cluster,
    tmp_path: Path,
    options: dict[str, Any] | None = None,
    items: int = 3,
    nicks: Iterable[str] | None = None,
    commands: dict[str, str] | None = None,
    startsecs: dict[str, int] | None = None,
) -> list[str]:
    """Add and start the six Scenario 2 instances (or the named subset); return the nicks.

    `commands` and `startsecs` replace those of programs by name (fault injection).
    """
    etc = write_scenario2_etc(tmp_path / "etc", items=items, commands=commands, startsecs=startsecs)
    supvisors_options = {"rules_files": str(RULES_FILE), **FAST, **(options or {})}
    add_scenario2(cluster, etc_dir=etc, supvisors_options=supvisors_options)
    started = list(nicks) if nicks is not None else [instance.nick for instance in cluster]
    cluster.start(started)
    return started


def process_state_on(instance: Any, namespec: str) -> str | None:
    try:
        return instance.supvisors.get_process_info(namespec)[0]["statename"]
    except (OSError, xmlrpc.client.Error):
        return None


def pair_cluster(root: Path, name: str, rules: str, programs: Sequence[str]) -> Iterator[Cluster]:
    """Two instances `a` (core) and `b` with the same programs and rules, in OPERATION; closed
    after the `yield` (the body of a module-scoped fixture)."""
    rules_file = root / "rules.xml"
    rules_file.write_text(rules)
    options = {**FAST, "rules_files": str(rules_file), "core_identifiers": "a"}
    cluster = Cluster(root / "cluster", name=name, supvisors_options=options)
    try:
        for nick in ("a", "b"):
            cluster.add(nick, programs=list(programs))
        cluster.start()
        wait_operation(cluster, ["a", "b"])
        yield cluster
    finally:
        cluster.close()


# the rules and programs of the Supvisors oracle clusters: one managed application `grp` (program
# `prog`) and one unmanaged group `free`
ORACLE_RULES = """<?xml version="1.0" encoding="UTF-8"?>
<root>
  <application name="grp">
    <start_sequence>1</start_sequence>
    <programs><program name="prog"><start_sequence>1</start_sequence></program></programs>
  </application>
</root>
"""
ORACLE_PROGRAMS = [
    program_section("prog", autostart=False),
    group_section("grp", ["prog"]),
    program_section("free", autostart=False),
]
