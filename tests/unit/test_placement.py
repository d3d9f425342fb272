"""Placement (docs/design/placement.md) and identifier lists (docs/rules.md#identifier-lists):
strategy/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from supvisors_ext.model import StartingStrategies
from supvisors_ext.rules import application_rank
from supvisors_ext.strategy import (
    CHOOSERS,
    FULL_LOAD,
    NO_RESOURCE,
    Candidate,
    PendingLoads,
    Placement,
    assign_hash_application,
    assign_hash_program,
    choose_instance,
    choose_node,
    node_loads,
    place_process,
    place_single_instance,
    reference_list,
    resolve_identifiers,
)

S = StartingStrategies
PACKAGE = Path(__file__).resolve().parents[2] / "supvisors_ext" / "strategy"


def cand(
    identifier: str,
    load: int = 0,
    pending: int = 0,
    *,
    node: str | None = None,
    running: bool = True,
    nick: str | None = None,
    stereotypes: tuple[str, ...] = (),
) -> Candidate:
    """A candidate alone on its node unless told otherwise."""
    return Candidate(
        identifier=identifier,
        nick=nick or f"nick_{identifier}",
        stereotypes=stereotypes,
        node=node or f"node_{identifier}",
        running=running,
        load=load,
        pending=pending,
    )


# --- purity -------------------------------------------------------------------------------


def test_modules_import_no_runtime() -> None:
    forbidden = {"supervisor", "zmq", "threading", "time", "socket"}
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert not roots & forbidden, module.name


def test_import_leaves_supervisor_and_zmq_unloaded() -> None:
    code = (
        "import sys, supvisors_ext.strategy\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('supervisor', 'zmq'))\n"
        "sys.exit(', '.join(bad) or 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- resolve_identifiers / reference_list -------------------------------------------------

INSTANCES = (
    cand("h:1", nick="server_1", stereotypes=("server",)),
    cand("h:2", nick="server_2", stereotypes=("server", "big")),
    cand("h:3", nick="console_1", stereotypes=("console", "big")),
)


@pytest.mark.parametrize(
    ("written", "identifiers"),
    [
        (("*",), ["h:1", "h:2", "h:3"]),
        (("h:3", "h:1"), ["h:3", "h:1"]),  # written order, not instance order
        (("console_1", "server_1"), ["h:3", "h:1"]),  # nicks
        (("big",), ["h:2", "h:3"]),  # stereotype: instance order
        (("console", "server"), ["h:3", "h:1", "h:2"]),
        (("server_2", "server", "h:2"), ["h:2", "h:1"]),  # duplicates keep first position
        (("h:3", "*"), ["h:3", "h:1", "h:2"]),
        (("#", "server_2", "server_1"), ["h:2", "h:1"]),  # signs are skipped
        (("@", "big"), ["h:2", "h:3"]),
        ((), []),
    ],
)
def test_resolve_identifiers(written: tuple[str, ...], identifiers: list[str]) -> None:
    assert resolve_identifiers(written, INSTANCES) == (identifiers, [])


def test_resolve_identifiers_reports_unknown_names_once() -> None:
    written = ("ghost", "server_1", "nobody", "ghost", "backend")
    assert resolve_identifiers(written, INSTANCES) == (["h:1"], ["ghost", "nobody", "backend"])


def test_resolve_identifiers_without_instances() -> None:
    # '*' is never unknown, even when no instance is known yet
    assert resolve_identifiers(("*", "server_1"), ()) == ([], ["server_1"])


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (("#",), (["h:1", "h:2", "h:3"], [])),  # no other item: every instance
        (("@",), (["h:1", "h:2", "h:3"], [])),
        (("#", "console_1", "h:1"), (["h:3", "h:1"], [])),
        (("@", "big", "ghost"), (["h:2", "h:3"], ["ghost"])),
        (("#", "*"), (["h:1", "h:2", "h:3"], [])),
    ],
)
def test_reference_list(written: tuple[str, ...], expected: tuple[list[str], list[str]]) -> None:
    assert reference_list(written, INSTANCES) == expected


# --- '#' and '@' ----------------------------------------------------------------------------


def test_hash_program_wraps_around() -> None:
    assert assign_hash_program(["a", "b"], range(5), one_each=False) == {
        0: "a",
        1: "b",
        2: "a",
        3: "b",
        4: "a",
    }


def test_hash_program_follows_process_index_order() -> None:
    assert assign_hash_program(["a", "b", "c"], [2, 0, 1], one_each=False) == {
        0: "a",
        1: "b",
        2: "c",
    }


def test_hash_program_fewer_processes_than_instances() -> None:
    assert assign_hash_program(["a", "b", "c"], [7], one_each=False) == {7: "a"}


def test_hash_program_duplicates_are_counted_once() -> None:
    # an instance repeated in R, or an index given twice, takes no extra share
    assert assign_hash_program(["a", "b", "a"], [0, 1, 1, 2], one_each=False) == {
        0: "a",
        1: "b",
        2: "a",
    }


def test_at_program_leaves_extras_unassigned() -> None:
    assert assign_hash_program(["a", "b"], [0, 1, 2, 3], one_each=True) == {
        0: "a",
        1: "b",
        2: None,
        3: None,
    }


def test_at_program_exact_fit() -> None:
    assert assign_hash_program(["a", "b"], [1, 0], one_each=True) == {0: "a", 1: "b"}


@pytest.mark.parametrize("one_each", [False, True])
def test_hash_program_empty_reference(one_each: bool) -> None:
    assert assign_hash_program([], [0, 1], one_each) == {0: None, 1: None}
    assert assign_hash_program(["a"], [], one_each) == {}


@pytest.mark.parametrize(
    ("rank", "expected"),
    [(1, ["a"]), (2, ["b"]), (3, ["c"]), (4, ["a"]), (8, ["b"]), (None, []), (0, [])],
)
def test_hash_application(rank: int | None, expected: list[str]) -> None:
    assert assign_hash_application(["a", "b", "c"], rank) == expected


def test_hash_application_empty_reference() -> None:
    assert assign_hash_application([], 1) == []


def test_hash_application_with_group_rank() -> None:
    reference = ["server_1", "server_2", "server_3"]
    assert assign_hash_application(reference, application_rank("scen2_srv_02")) == ["server_2"]
    assert assign_hash_application(reference, application_rank("scen2-5")) == ["server_2"]
    assert assign_hash_application(reference, application_rank("scen2_srv")) == []


# --- validity -------------------------------------------------------------------------------


def test_every_strategy_is_registered() -> None:
    assert set(CHOOSERS) == set(StartingStrategies)


@pytest.mark.parametrize("strategy", list(StartingStrategies))
def test_no_candidate(strategy: StartingStrategies) -> None:
    assert choose_instance(strategy, [], 10, "a") is None


@pytest.mark.parametrize("strategy", list(StartingStrategies))
def test_non_running_instances_are_excluded(strategy: StartingStrategies) -> None:
    candidates = [cand("a", running=False), cand("b", 50, running=False)]
    assert choose_instance(strategy, candidates, 0, "a") is None
    assert choose_instance(strategy, [*candidates, cand("c", 20)], 0, "c") == "c"


@pytest.mark.parametrize(
    ("load", "pending", "x", "valid"),
    [
        (0, 0, FULL_LOAD, True),
        (0, 0, FULL_LOAD + 1, False),
        (60, 0, 40, True),
        (60, 0, 41, False),
        (30, 30, 40, True),  # pending load counts as much as running load
        (30, 31, 40, False),
        (100, 0, 0, True),
    ],
)
def test_load_rule_is_per_instance(load: int, pending: int, x: int, valid: bool) -> None:
    candidate = cand("a", load, pending)
    assert candidate.accepts(x) is valid
    for strategy in StartingStrategies:
        assert (choose_instance(strategy, [candidate], x, "a") == "a") is valid


def test_node_sum_is_not_capped() -> None:
    # two instances of one node at 60 each: the node sums 120, yet each one takes 40 more
    candidates = [cand("a", 60, node="n"), cand("b", 60, node="n")]
    assert choose_instance(S.LESS_LOADED_NODE, candidates, 40, "a") == "a"


# --- strategies -----------------------------------------------------------------------------


def test_config_takes_first_valid_candidate() -> None:
    candidates = [cand("a", running=False), cand("b", 90), cand("c", 50), cand("d")]
    assert choose_instance(S.CONFIG, candidates, 20, "d") == "c"


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (S.CONFIG, "a"),
        (S.LESS_LOADED, "c"),
        (S.MOST_LOADED, "b"),
        (S.LESS_LOADED_NODE, "c"),
        (S.MOST_LOADED_NODE, "b"),
        (S.LOCAL, "d"),
    ],
)
def test_strategies_one_instance_per_node(strategy: StartingStrategies, expected: str) -> None:
    candidates = [cand("a", 30), cand("b", 50, 10), cand("c", 5), cand("d", 20), cand("e", 95)]
    assert choose_instance(strategy, candidates, 10, "d") == expected


@pytest.mark.parametrize("strategy", list(StartingStrategies))
def test_full_ties_go_to_earlier_candidate(strategy: StartingStrategies) -> None:
    candidates = [cand("a", 20, running=False), cand("b", 10, 10), cand("c", 20), cand("d", 5, 15)]
    assert choose_instance(strategy, candidates, 10, "b") == "b"


def two_node_cluster() -> list[Candidate]:
    """Node A holds a1 (10) and a2 (30): node load 40. Node B holds b (15), node C c (30)."""
    return [
        cand("a1", 10, node="A"),
        cand("b", 15, node="B"),
        cand("c", 30, node="C"),
        cand("a2", 20, 10, node="A"),
    ]


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (S.LESS_LOADED, "a1"),  # own 10 < 15 despite node A at 40
        (S.MOST_LOADED, "a2"),  # own 30 = c's 30 (earlier), node A 40 > node C 30
        (S.LESS_LOADED_NODE, "b"),  # node B 15 is the lowest
        (S.MOST_LOADED_NODE, "a2"),  # node A 40, then own 30 > 10
    ],
)
def test_node_loads_two_instances_on_one_node(strategy: StartingStrategies, expected: str) -> None:
    assert choose_instance(strategy, two_node_cluster(), 10, "b") == expected


def test_node_loads() -> None:
    cluster = two_node_cluster()
    assert node_loads(cluster) == {"A": 40, "B": 15, "C": 30}
    assert node_loads([*cluster, cluster[0]]) == {"A": 40, "B": 15, "C": 30}  # counted once


def test_less_loaded_tie_broken_by_node_load() -> None:
    candidates = [cand("a", 10, node="A"), cand("b", 10, node="B"), cand("x", 5, node="A")]
    assert choose_instance(S.LESS_LOADED, candidates[:2], 10, "a", candidates) == "b"
    assert choose_instance(S.MOST_LOADED, candidates[1::-1], 10, "a", candidates) == "a"


def test_node_tie_broken_by_own_load() -> None:
    candidates = [cand("a1", 10, node="A"), cand("a2", 5, 5, node="A"), cand("b", 10, node="B")]
    # node A 20, node B 10: LESS_LOADED_NODE picks b; MOST_LOADED_NODE a1 (tie within A)
    assert choose_instance(S.LESS_LOADED_NODE, candidates, 0, "b") == "b"
    assert choose_instance(S.MOST_LOADED_NODE, candidates, 0, "b") == "a1"
    lighter = [cand("a1", 12, node="A"), cand("a2", 8, node="A"), cand("b", 20, node="B")]
    assert choose_instance(S.LESS_LOADED_NODE, lighter, 0, "b") == "a2"
    assert choose_instance(S.MOST_LOADED_NODE, lighter, 0, "b") == "b"


def test_node_load_counts_every_known_instance() -> None:
    # a2 is not a candidate (not allowed) but still loads node A
    a1, a2, b = cand("a1", 10, node="A"), cand("a2", 30, node="A"), cand("b", 15, node="B")
    assert choose_instance(S.LESS_LOADED_NODE, [a1, b], 10, "a1") == "a1"
    assert choose_instance(S.LESS_LOADED_NODE, [a1, b], 10, "a1", [a1, a2, b]) == "b"
    # a non-running instance still counts what the caller gives for it
    stopped = cand("a2", 30, node="A", running=False)
    assert choose_instance(S.MOST_LOADED_NODE, [a1, b], 10, "a1", [a1, stopped, b]) == "a1"


def test_candidate_missing_from_all_instances_counts_on_its_node() -> None:
    a1, a2, b = cand("a1", 10, node="A"), cand("a2", 30, node="A"), cand("b", 15, node="B")
    assert choose_instance(S.LESS_LOADED_NODE, [a1, b], 0, "a1", [a2]) == "b"
    assert choose_instance(S.MOST_LOADED_NODE, [a1, b], 0, "a1", [a2]) == "a1"


def test_local_valid() -> None:
    candidates = [cand("a"), cand("b", 40), cand("c", 10)]
    assert choose_instance(S.LOCAL, candidates, 60, "b") == "b"


@pytest.mark.parametrize(
    "candidates",
    [
        [cand("a"), cand("b", 41)],  # local overloaded
        [cand("a"), cand("b", 0, 41)],  # local overloaded by pending loads
        [cand("a"), cand("b", running=False)],  # local not running
        [cand("a"), cand("c")],  # local not a candidate
    ],
)
def test_local_invalid(candidates: list[Candidate]) -> None:
    assert choose_instance(S.LOCAL, candidates, 60, "b") is None


# --- Scenario 2 and pending loads -------------------------------------------------------------

SERVERS = ("server_1", "server_2", "server_3")


def plan(
    strategy: StartingStrategies, servers: tuple[str, ...], loads: list[int]
) -> tuple[list[str | None], PendingLoads]:
    """Place one application after another, each pending where it was placed."""
    pending = PendingLoads()
    placed: list[str | None] = []
    for number, load in enumerate(loads, start=1):
        candidates = [cand(server, 0, pending.total(server)) for server in servers]
        placement = place_single_instance(strategy, candidates, load, servers[0])
        if placement.identifier is not None:
            pending.add(placement.identifier, f"scen2_srv_{number}:*", load)
        placed.append(placement.identifier)
    return placed, pending


def test_scenario2_less_loaded_spreads_one_per_server() -> None:
    placed, pending = plan(S.LESS_LOADED, SERVERS, [42, 42, 42])
    assert placed == ["server_1", "server_2", "server_3"]
    assert [pending.total(server) for server in SERVERS] == [42, 42, 42]


def test_scenario2_most_loaded_fills_first() -> None:
    placed, _ = plan(S.MOST_LOADED, SERVERS, [42, 42, 42])
    assert placed == ["server_1", "server_1", "server_2"]


def test_scenario2_capacity_single_server() -> None:
    placed, pending = plan(S.LESS_LOADED, SERVERS[:1], [42, 42, 42])
    assert placed == ["server_1", "server_1", None]  # 126 > 100
    assert pending.total("server_1") == 84


def test_pending_loads() -> None:
    pending = PendingLoads()
    assert pending.total("a") == 0 and len(pending) == 0
    pending.add("a", "g:p1", 20)
    pending.add("a", "g:p2", 15)
    pending.add("b", "g:p3", 5)
    assert (pending.total("a"), pending.total("b"), len(pending)) == (35, 5, 3)
    pending.add("b", "g:p1", 20)  # re-placed elsewhere: the old assignment goes
    assert (pending.total("a"), pending.total("b"), len(pending)) == (15, 25, 3)
    pending.remove("g:p2")
    pending.remove("g:unknown")
    assert (pending.total("a"), pending.total("b"), len(pending)) == (0, 25, 2)


# --- choose_node (SINGLE_NODE) ----------------------------------------------------------------


def nodes_of(candidates: list[Candidate]) -> dict[str, list[Candidate]]:
    nodes: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        nodes.setdefault(candidate.node, []).append(candidate)
    return nodes


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (S.CONFIG, "A"),
        (S.LESS_LOADED, "A"),
        (S.MOST_LOADED, "A"),
        (S.LESS_LOADED_NODE, "B"),
        (S.MOST_LOADED_NODE, "A"),
        (S.LOCAL, "B"),
    ],
)
def test_choose_node(strategy: StartingStrategies, expected: str) -> None:
    assert choose_node(strategy, nodes_of(two_node_cluster()), 10, "b") == expected


def test_choose_node_with_application_load() -> None:
    # only c can take 70; the node of c is chosen whatever the strategy
    cluster = nodes_of([cand("a", 40, node="A"), cand("c", 30, node="C")])
    for strategy in (S.CONFIG, S.LESS_LOADED, S.LESS_LOADED_NODE):
        assert choose_node(strategy, cluster, 70, "c") == "C"
    assert choose_node(S.LESS_LOADED, cluster, 71, "c") is None
    assert choose_node(S.LOCAL, cluster, 10, "elsewhere") is None
    assert choose_node(S.CONFIG, {}, 0, "a") is None


def test_choose_node_counts_every_known_instance() -> None:
    a, b, other = cand("a", 10, node="A"), cand("b", 15, node="B"), cand("x", 50, node="A")
    nodes = {"A": [a], "B": [b]}
    assert choose_node(S.LESS_LOADED_NODE, nodes, 0, "a") == "A"
    assert choose_node(S.LESS_LOADED_NODE, nodes, 0, "a", [a, b, other]) == "B"


def test_choose_node_returns_the_key_of_the_first_listing() -> None:
    # an instance listed twice belongs to the first node that lists it
    a, b = cand("a", 10, node="n1"), cand("b", 20, node="n2")
    assert choose_node(S.LESS_LOADED, {"first": [a], "second": [b, a]}, 0, "a") == "first"
    assert choose_node(S.MOST_LOADED, {"first": [a], "second": [b, a]}, 0, "a") == "second"


# --- placements -------------------------------------------------------------------------------


def test_place_process() -> None:
    candidates = [cand("a", 50), cand("b", 10)]
    assert place_process(S.LESS_LOADED, candidates, 20, "a") == Placement("b", "")
    assert place_process(S.LESS_LOADED, candidates, 91, "a") == Placement(None, NO_RESOURCE)
    assert NO_RESOURCE == "No resource available"


def test_place_single_instance_uses_strategy() -> None:
    allowed = [cand("a", 50), cand("b", 10), cand("c", 30)]
    assert place_single_instance(S.MOST_LOADED, allowed, 40, "c") == Placement("a", "")
    assert place_single_instance(S.LESS_LOADED, allowed, 40, "c") == Placement("b", "")
    assert place_single_instance(S.LOCAL, allowed, 40, "c") == Placement("c", "")
    assert place_single_instance(S.CONFIG, allowed, 91, "c") == Placement(None, NO_RESOURCE)


def test_place_single_instance_node_loads() -> None:
    allowed = [cand("a", 10, node="A"), cand("b", 15, node="B")]
    known = [*allowed, cand("x", 50, node="A")]
    assert place_single_instance(S.LESS_LOADED_NODE, allowed, 0, "a") == Placement("a", "")
    assert place_single_instance(S.LESS_LOADED_NODE, allowed, 0, "a", None, known) == Placement(
        "b", ""
    )


def test_place_single_instance_forced_when_still_valid() -> None:
    # repair: the instance running part of the application wins over the strategy
    allowed = [cand("a", 10), cand("b", 60)]
    assert place_single_instance(S.LESS_LOADED, allowed, 40, "a", forced="b") == Placement("b", "")


@pytest.mark.parametrize(
    "allowed",
    [
        [cand("a", 10), cand("b", 61)],  # forced instance overloaded for the remaining load
        [cand("a", 10), cand("b", 30, 31)],  # overloaded by pending loads
        [cand("a", 10), cand("b", running=False)],  # forced instance not running
        [cand("a", 10)],  # forced instance no longer allowed
    ],
)
def test_place_single_instance_forced_invalid(allowed: list[Candidate]) -> None:
    # never falls back to another instance: the application must stay where it runs
    assert place_single_instance(S.LESS_LOADED, allowed, 40, "a", forced="b") == Placement(
        None, NO_RESOURCE
    )
