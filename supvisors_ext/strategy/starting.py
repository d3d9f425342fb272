"""Starting strategies: which valid candidate takes a load (docs/design/placement.md#load); pure.

Each strategy is a `Chooser` in the `CHOOSERS` registry keyed by `StartingStrategies`.
Thread: main.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from supvisors_ext.model import StartingStrategies
from supvisors_ext.strategy.candidates import Candidate


@dataclass(frozen=True, slots=True)
class Scored:
    """A valid candidate with the two loads the strategies compare."""

    candidate: Candidate
    own: int  # L(i) + R(i)
    node: int  # Σ (L + R) over the instances of its node


class Chooser(Protocol):
    """Pick one of the valid candidates (given in candidate order), or None."""

    def __call__(self, valid: Sequence[Scored], local: str) -> Scored | None: ...


# min() and max() both return the first of equal items: ties go to the earlier candidate
def _config(valid: Sequence[Scored], local: str) -> Scored | None:
    return valid[0] if valid else None


def _less_loaded(valid: Sequence[Scored], local: str) -> Scored | None:
    return min(valid, key=lambda item: (item.own, item.node), default=None)


def _most_loaded(valid: Sequence[Scored], local: str) -> Scored | None:
    return max(valid, key=lambda item: (item.own, item.node), default=None)


def _less_loaded_node(valid: Sequence[Scored], local: str) -> Scored | None:
    return min(valid, key=lambda item: (item.node, item.own), default=None)


def _most_loaded_node(valid: Sequence[Scored], local: str) -> Scored | None:
    return max(valid, key=lambda item: (item.node, item.own), default=None)


def _local(valid: Sequence[Scored], local: str) -> Scored | None:
    return next((item for item in valid if item.candidate.identifier == local), None)


CHOOSERS: Mapping[StartingStrategies, Chooser] = MappingProxyType(
    {
        StartingStrategies.CONFIG: _config,
        StartingStrategies.LESS_LOADED: _less_loaded,
        StartingStrategies.MOST_LOADED: _most_loaded,
        StartingStrategies.LESS_LOADED_NODE: _less_loaded_node,
        StartingStrategies.MOST_LOADED_NODE: _most_loaded_node,
        StartingStrategies.LOCAL: _local,
    }
)


def node_loads(instances: Iterable[Candidate]) -> dict[str, int]:
    """Node load of every node: Σ (L + R) over its instances, each instance counted once."""
    loads: dict[str, int] = {}
    seen: set[str] = set()
    for instance in instances:
        if instance.identifier not in seen:
            seen.add(instance.identifier)
            loads[instance.node] = loads.get(instance.node, 0) + instance.total
    return loads


def pick_candidate(
    strategy: StartingStrategies,
    candidates: Sequence[Candidate],
    load: int,
    local: str,
    all_instances: Sequence[Candidate] | None = None,
) -> Candidate | None:
    """The candidate chosen by `strategy` for `load` (see choose_instance), or None."""
    # a candidate missing from all_instances still counts on its own node
    nodes = node_loads([*(candidates if all_instances is None else all_instances), *candidates])
    valid = [
        Scored(candidate, candidate.total, nodes[candidate.node])
        for candidate in candidates
        if candidate.accepts(load)
    ]
    chosen = CHOOSERS[strategy](valid, local)
    return None if chosen is None else chosen.candidate


def choose_instance(
    strategy: StartingStrategies,
    candidates: Sequence[Candidate],
    load: int,
    local: str,
    all_instances: Sequence[Candidate] | None = None,
) -> str | None:
    """Identifier of the instance taking `load` among allowed `candidates`, or None.

    Candidates are the allowed instances in candidate order; only the valid ones are kept
    (RUNNING and L + R + load <= 100). Node loads are summed over `all_instances` (every
    instance known to the caller; default the candidates). Ties go to the earlier candidate;
    LOCAL gives `local` if it is a valid candidate, else None.
    """
    chosen = pick_candidate(strategy, candidates, load, local, all_instances)
    return None if chosen is None else chosen.identifier


def choose_node(
    strategy: StartingStrategies,
    nodes: Mapping[str, Sequence[Candidate]],
    load: int,
    local: str,
    all_instances: Sequence[Candidate] | None = None,
) -> str | None:
    """SINGLE_NODE: the node taking the application `load` (docs/design/placement.md#distribution),
    or None.

    `nodes` maps each candidate node (one where every process has an allowed instance) to
    its allowed instances. The node is the one of the instance that `choose_instance` picks
    over the union of those instances, node loads included.
    """
    owners: dict[str, str] = {}
    union: list[Candidate] = []
    for node, members in nodes.items():
        for member in members:
            if member.identifier not in owners:
                owners[member.identifier] = node
                union.append(member)
    chosen = pick_candidate(strategy, union, load, local, all_instances)
    return None if chosen is None else owners[chosen.identifier]
