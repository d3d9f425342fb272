"""Identifier lists: splitting, alias expansion, the `*`/`#`/`@` signs; pure
(docs/rules.md#identifier-lists)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum

STAR = "*"  # every known instance
HASH = "#"  # distribute one-to-one over the reference list
AT = "@"  # like HASH, but each instance takes at most one process
SIGNS = (HASH, AT)

# application-level '#': the group name must end with -N or _N, N >= 1 (leading zeros allowed)
_RANK_SUFFIX = re.compile(r"[-_]([0-9]+)$")


class ListContext(Enum):
    """Where an identifier list is used, which decides what the signs may do."""

    PROGRAM_NAME = "program name"
    PROGRAM_PATTERN = "program pattern"
    APPLICATION = "application"


def split_items(text: str) -> tuple[str, ...]:
    """Comma-separated items, blanks around items and empty items dropped."""
    return tuple(item for item in (part.strip() for part in text.split(",")) if item)


def dedupe(items: Iterable[str]) -> tuple[str, ...]:
    """Items without duplicates, each at its first position."""
    return tuple(dict.fromkeys(items))


def find_alias_cycles(definitions: Mapping[str, Sequence[str]]) -> list[tuple[str, ...]]:
    """Every alias cycle, each as the aliases involved in reference order, once per cycle.

    A depth-first walk that keeps the current reference path: meeting a name already on the
    path closes a cycle. Aliases are visited in definition order so the report is stable.
    """
    cycles: list[tuple[str, ...]] = []
    seen_cycles: set[frozenset[str]] = set()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = tuple(path[path.index(name) :])
            if frozenset(cycle) not in seen_cycles:
                seen_cycles.add(frozenset(cycle))
                cycles.append(cycle)
            return
        if name in done or name not in definitions:
            return
        path.append(name)
        for item in definitions[name]:
            visit(item, path)
        path.pop()
        done.add(name)

    for alias in definitions:
        visit(alias, [])
    return cycles


def expand_aliases(
    items: Iterable[str], definitions: Mapping[str, Sequence[str]]
) -> tuple[str, ...]:
    """Replace alias names by their (recursively expanded) lists; other names are kept as-is.

    The definitions must be free of cycles (see find_alias_cycles).
    """
    expanded: list[str] = []
    for item in items:
        if item in definitions:
            expanded.extend(expand_aliases(definitions[item], definitions))
        else:
            expanded.append(item)
    return dedupe(expanded)


def normalise_signs(
    items: Sequence[str], context: ListContext
) -> tuple[tuple[str, ...], list[str]]:
    """Apply the `*`, `#` and `@` rules to an expanded list.

    Returns the list as it will be reported (the sign first, then the reference list) and
    the adjustments made, as warning texts for the caller to locate.
    """
    notes: list[str] = []
    names = tuple(item for item in items if item not in SIGNS)
    if STAR in names:
        names = (STAR,)
    sign = next((item for item in SIGNS if item in items), None)
    if HASH in items and AT in items:
        notes.append("'#' and '@' are both used in identifiers: '#' is dropped")
        sign = AT
    if sign is not None and context is ListContext.PROGRAM_NAME:
        notes.append(f"'{sign}' is only allowed in <program pattern=...>: identifiers reset to '*'")
        return (STAR,), notes
    if sign == AT and context is ListContext.APPLICATION:
        notes.append("'@' is not applicable to an application: it is ignored")
        sign = None
    if sign is None:
        return names or (STAR,), notes
    return (sign, *names), notes


def application_rank(group_name: str) -> int | None:
    """N of a `-N`/`_N` suffix (N >= 1), used by an application-level '#'; None if absent."""
    match = _RANK_SUFFIX.search(group_name)
    if match is None:
        return None
    rank = int(match.group(1))
    return rank if rank >= 1 else None
