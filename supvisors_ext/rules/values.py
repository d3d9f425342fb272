"""Text values of the leaf elements: conversion and readable error messages; pure.

The XSD is the authority on validity, but libxml2 stops at the first content error of an
element and words its messages for schema authors. These converters give every leaf a
message that names the value and the allowed ones (docs/rules.md#errors).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, TypeVar

from supvisors_ext.model import (
    DistributionRules,
    RunningFailureStrategies,
    StartingFailureStrategies,
    StartingStrategies,
    parse_enum,
)
from supvisors_ext.rules.formula import StatusFormula
from supvisors_ext.rules.identifiers import split_items

E = TypeVar("E", bound=Enum)

# xs:integer in decimal only; Python's int() would also take '1_0' and non-ASCII digits
_INTEGER = re.compile(r"[+-]?[0-9]+")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class ValueType(Protocol):
    """Converts the trimmed text of a leaf element; ValueError carries the reason."""

    def convert(self, text: str) -> object: ...


@dataclass(frozen=True, slots=True)
class IntegerRange:
    """A decimal integer within [low, high] (xs:integer with bounds)."""

    low: int
    high: int

    def convert(self, text: str) -> int:
        if not _INTEGER.fullmatch(text):
            raise ValueError(f"{text!r} is not an integer")
        value = int(text)
        if not self.low <= value <= self.high:
            raise ValueError(f"{text!r} is not in {self.low}..{self.high}")
        return value


@dataclass(frozen=True, slots=True)
class Boolean:
    """An xs:boolean: true, false, 1 or 0."""

    def convert(self, text: str) -> bool:
        try:
            return _BOOLEANS[text]
        except KeyError:
            raise ValueError(f"{text!r} is not one of true, false, 1, 0") from None


@dataclass(frozen=True, slots=True)
class EnumName:
    """The name of a member of `enum_cls` (case-sensitive, as in the XSD)."""

    enum_cls: type[Enum]

    def convert(self, text: str) -> Enum:
        return parse_enum(self.enum_cls, text)


@dataclass(frozen=True, slots=True)
class Token:
    """A plain trimmed string, e.g. a model name."""

    def convert(self, text: str) -> str:
        return text


@dataclass(frozen=True, slots=True)
class ItemList:
    """A comma-separated identifier list, split but not yet expanded."""

    def convert(self, text: str) -> tuple[str, ...]:
        return split_items(text)


@dataclass(frozen=True, slots=True)
class Formula:
    """An operational_status formula, parsed now so that syntax errors are load errors."""

    def convert(self, text: str) -> StatusFormula:
        try:
            return StatusFormula.parse(text)
        except ValueError as exc:
            raise ValueError(f"invalid formula {text!r}: {exc}") from None


SEQUENCE = IntegerRange(0, 127)

# leaves of <program> and <model>
PROGRAM_LEAVES: Mapping[str, ValueType] = {
    "reference": Token(),
    "identifiers": ItemList(),
    "start_sequence": SEQUENCE,
    "stop_sequence": SEQUENCE,
    "required": Boolean(),
    "wait_exit": Boolean(),
    "expected_loading": IntegerRange(0, 100),
    "starting_failure_strategy": EnumName(StartingFailureStrategies),
    "running_failure_strategy": EnumName(RunningFailureStrategies),
}

# leaves of <application>; its container <programs> is read separately
APPLICATION_LEAVES: Mapping[str, ValueType] = {
    "distribution": EnumName(DistributionRules),
    "identifiers": ItemList(),
    "start_sequence": SEQUENCE,
    "stop_sequence": SEQUENCE,
    "starting_strategy": EnumName(StartingStrategies),
    "starting_failure_strategy": EnumName(StartingFailureStrategies),
    "running_failure_strategy": EnumName(RunningFailureStrategies),
    "operational_status": Formula(),
}


class Leaves:
    """The converted leaf values of one element, read back with their static type."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = dict(values)

    def integer(self, tag: str) -> int | None:
        value = self._values.get(tag)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def boolean(self, tag: str) -> bool | None:
        value = self._values.get(tag)
        return value if isinstance(value, bool) else None

    def text(self, tag: str) -> str | None:
        value = self._values.get(tag)
        return value if isinstance(value, str) else None

    def items(self, tag: str) -> tuple[str, ...] | None:
        value = self._values.get(tag)
        return value if isinstance(value, tuple) else None

    def formula(self, tag: str) -> StatusFormula | None:
        value = self._values.get(tag)
        return value if isinstance(value, StatusFormula) else None

    def enum(self, tag: str, enum_cls: type[E]) -> E | None:
        value = self._values.get(tag)
        return value if isinstance(value, enum_cls) else None
