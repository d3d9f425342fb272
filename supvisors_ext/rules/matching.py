"""Name and pattern precedence of applications and programs; pure
(docs/rules.md#matching-and-precedence)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from supvisors_ext.rules.errors import IssueLog, Location

T = TypeVar("T")


class NameIndex(Generic[T]):
    """Elements selected by `name`: the earliest element of a name wins."""

    def __init__(self, kind: str) -> None:
        self._kind = kind  # 'application' or 'program', for warnings
        self._entries: dict[str, tuple[Location, T]] = {}

    def add(self, name: str, where: Location, value: T, log: IssueLog) -> bool:
        """Register the element; a later duplicate is ignored with a warning (False)."""
        if name in self._entries:
            first = self._entries[name][0]
            log.warning(
                where,
                f"{self._kind} '{name}' is already defined at {first.path}:{first.line}: "
                "this element is ignored",
            )
            return False
        self._entries[name] = (where, value)
        return True

    def get(self, name: str) -> T | None:
        entry = self._entries.get(name)
        return entry[1] if entry is not None else None

    def __iter__(self) -> Iterator[T]:
        return (value for _, value in self._entries.values())


@dataclass(frozen=True, slots=True)
class _PatternEntry(Generic[T]):
    pattern: str
    regex: re.Pattern[str]
    where: Location
    value: T


class PatternIndex(Generic[T]):
    """Elements selected by `pattern`, in precedence order, and the best-match rule."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._entries: list[_PatternEntry[T]] = []

    def add(
        self, pattern: str, regex: re.Pattern[str], where: Location, value: T, log: IssueLog
    ) -> None:
        """Register the element; a repeated pattern replaces the earlier one at its position."""
        for index, entry in enumerate(self._entries):
            if entry.pattern == pattern:
                log.warning(
                    where,
                    f"{self._kind} pattern '{pattern}' is defined again: this element replaces "
                    f"the one at {entry.where.path}:{entry.where.line}",
                )
                self._entries[index] = _PatternEntry(pattern, regex, where, value)
                return
        self._entries.append(_PatternEntry(pattern, regex, where, value))

    def __iter__(self) -> Iterator[T]:
        return (entry.value for entry in self._entries)

    def best(self, name: str) -> T | None:
        """The value of the pattern whose search matches the longest text; ties: the earliest.

        The empty pattern matches with length 0, so it only wins when nothing else matches.
        """
        best_value: T | None = None
        best_score = -1
        for entry in self._entries:
            match = entry.regex.search(name)
            if match is not None and match.end() - match.start() > best_score:
                best_score = match.end() - match.start()
                best_value = entry.value
        return best_value
