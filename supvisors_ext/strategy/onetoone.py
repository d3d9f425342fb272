"""One-to-one distribution of the `#` and `@` signs (docs/rules.md#identifier-lists); pure."""

from __future__ import annotations

from collections.abc import Sequence


def assign_hash_program(
    reference: Sequence[str], process_indexes: Sequence[int], one_each: bool
) -> dict[int, str | None]:
    """Program-level `#` (one_each False) or `@` (one_each True) over the reference list R.

    The processes of one program are taken in `process_index` order; each goes to the
    instance of R with the fewest processes of that program assigned so far, ties to the
    earlier one in R. `#` wraps around; with `@` each instance takes at most one process
    and the extra ones are mapped to None (they cannot be started by the plugin).
    """
    counts = dict.fromkeys(reference, 0)
    limit = 1 if one_each else None
    assignment: dict[int, str | None] = {}
    for index in sorted(set(process_indexes)):
        # min() keeps the first of equal counts, i.e. the earlier instance in R
        target = min(counts, key=counts.__getitem__, default=None)
        if target is None or (limit is not None and counts[target] >= limit):
            assignment[index] = None
            continue
        counts[target] += 1
        assignment[index] = target
    return assignment


def assign_hash_application(reference: Sequence[str], rank: int | None) -> list[str]:
    """Application-level `#`: [R[(N-1) mod len(R)]] for rank N >= 1; [] without rank or R."""
    if rank is None or rank < 1 or not reference:
        return []
    return [reference[(rank - 1) % len(reference)]]
