"""Instances as the placement sees them, and identifier lists resolved against them; pure.

Thread: main (the values are immutable, so any thread may read them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from supvisors_ext.rules.identifiers import SIGNS, STAR

# instance capacity, in expected_loading percent (docs/design/placement.md#load)
FULL_LOAD = 100


@dataclass(frozen=True, slots=True)
class Candidate:
    """One instance as seen by the placement (docs/design/placement.md#load).

    `load` is L(i), the expected loading of the processes STARTING/RUNNING/BACKOFF there;
    `pending` is R(i), what this driver's start jobs assigned there that is not running yet.
    """

    identifier: str
    nick: str
    stereotypes: tuple[str, ...]
    node: str  # machine id: instances sharing it are on one node
    running: bool  # instance state RUNNING
    load: int
    pending: int

    @property
    def total(self) -> int:
        """L(i) + R(i)."""
        return self.load + self.pending

    def designated_by(self, name: str) -> bool:
        """True if `name` is this instance's identifier, nick or one of its stereotypes."""
        return name in (self.identifier, self.nick) or name in self.stereotypes

    def accepts(self, load: int) -> bool:
        """Load rule: RUNNING and L(i) + R(i) + load <= 100 (capacity per instance)."""
        return self.running and self.total + load <= FULL_LOAD


def resolve_identifiers(
    written: Sequence[str], instances: Sequence[Candidate]
) -> tuple[list[str], list[str]]:
    """Expand an identifier list (aliases already expanded) into instance identifiers.

    Written order is kept: `*` gives every instance in instance order, an identifier or a
    nick gives that instance, a stereotype every instance declaring it (instance order);
    duplicates keep their first position. The signs `#`/`@` are skipped (see
    `reference_list`). Returns the identifiers and the names matching no instance, each
    once, so that the caller logs one warning per name (docs/rules.md#identifier-lists).
    """
    found: dict[str, None] = {}
    unknown: dict[str, None] = {}
    for name in written:
        if name in SIGNS:
            continue
        if name == STAR:
            matches = [instance.identifier for instance in instances]
        else:
            matches = [item.identifier for item in instances if item.designated_by(name)]
            if not matches:
                unknown[name] = None
        found.update(dict.fromkeys(matches))
    return list(found), list(unknown)


def reference_list(
    written: Sequence[str], instances: Sequence[Candidate]
) -> tuple[list[str], list[str]]:
    """The reference list R of a `#`/`@` list: its other items, or every instance if none.

    Returns R as identifiers and the unknown names, as `resolve_identifiers` does.
    """
    names = [name for name in written if name not in SIGNS]
    return resolve_identifiers(names or [STAR], instances)
