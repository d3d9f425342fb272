"""Plain-text tables of docs/cli.md#tables; pure.

Name columns are as wide as their longest value or title plus 2, fixed columns have a given
width, the last column is not padded and trailing spaces are removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: a title and a fixed width, or 0 for a name column (dynamic width)."""

    title: str
    width: int = 0


def _widths(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[int]:
    widths = []
    for index, column in enumerate(columns):
        longest = max([len(column.title)] + [len(row[index]) for row in rows])
        # a value longer than a fixed width still gets one separating space
        widths.append(max(column.width, longest + 1) if column.width else longest + 2)
    return widths


def format_table(columns: Sequence[Column], rows: Iterable[Sequence[str]]) -> list[str]:
    """Return the title line then one line per row."""
    rows = [list(row) for row in rows]
    widths = _widths(columns, rows)
    lines = []
    for cells in [[column.title for column in columns], *rows]:
        padded = [cell.ljust(width) for cell, width in zip(cells[:-1], widths, strict=False)]
        lines.append(("".join(padded) + cells[-1]).rstrip())
    return lines


def yes_no(value: object) -> str:
    """Booleans print True/False."""
    return "True" if value else "False"


def nicks(identifiers: Iterable[str], names: dict[str, str]) -> str:
    """Instances as their nicks joined by ',' (an unknown identifier prints as itself), or '-'."""
    text = ",".join(names.get(identifier, identifier) for identifier in identifiers)
    return text or "-"
