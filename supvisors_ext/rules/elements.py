"""Elements as read from one rules file, before inheritance and matching; pure.

A field left as None was not written in the element, which is what inheritance needs to
know: only written values override (docs/rules.md#models-and-inheritance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from supvisors_ext.model import (
    DistributionRules,
    RunningFailureStrategies,
    StartingFailureStrategies,
    StartingStrategies,
)
from supvisors_ext.rules.errors import Location
from supvisors_ext.rules.formula import StatusFormula


@dataclass(frozen=True, slots=True)
class ProgramFields:
    """The values written in one <program> or <model> (identifiers not yet expanded)."""

    identifiers: tuple[str, ...] | None = None
    start_sequence: int | None = None
    stop_sequence: int | None = None
    required: bool | None = None
    wait_exit: bool | None = None
    expected_loading: int | None = None
    starting_failure_strategy: StartingFailureStrategies | None = None
    running_failure_strategy: RunningFailureStrategies | None = None

    def overlay(self, top: ProgramFields) -> ProgramFields:
        """These fields, overridden by every field written in `top`."""
        written = {f.name: getattr(top, f.name) for f in fields(top)}
        return replace(
            self, **{name: value for name, value in written.items() if value is not None}
        )


@dataclass(frozen=True, slots=True)
class ProgramElement:
    """One <program> of an application, or one <model>."""

    where: Location
    name: str | None
    pattern: str | None
    regex: re.Pattern[str] | None
    reference: str | None
    reference_where: Location | None
    fields: ProgramFields

    def describe(self) -> str:
        """How warnings name this element."""
        if self.name is not None:
            return f"program '{self.name}'"
        return f"program pattern '{self.pattern}'"


@dataclass(frozen=True, slots=True)
class ApplicationFields:
    """The values written in one <application> (identifiers not yet expanded)."""

    distribution: DistributionRules | None = None
    identifiers: tuple[str, ...] | None = None
    start_sequence: int | None = None
    stop_sequence: int | None = None
    starting_strategy: StartingStrategies | None = None
    starting_failure_strategy: StartingFailureStrategies | None = None
    running_failure_strategy: RunningFailureStrategies | None = None
    operational_status: StatusFormula | None = None


@dataclass(frozen=True, slots=True)
class ApplicationElement:
    """One <application>, with its <program> elements in document order."""

    where: Location
    name: str | None
    pattern: str | None
    regex: re.Pattern[str] | None
    fields: ApplicationFields
    programs: tuple[ProgramElement, ...]

    def describe(self) -> str:
        """How warnings name this element."""
        if self.name is not None:
            return f"application '{self.name}'"
        return f"application pattern '{self.pattern}'"


@dataclass(frozen=True, slots=True)
class AliasElement:
    """One <alias>: its name and its items (not yet expanded)."""

    where: Location
    name: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FileContent:
    """Everything read from one file, each kind in document order."""

    aliases: tuple[AliasElement, ...] = ()
    models: tuple[ProgramElement, ...] = ()
    applications: tuple[ApplicationElement, ...] = ()
