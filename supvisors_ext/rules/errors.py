"""Rules-file issues (errors and warnings) and their collector; pure (docs/rules.md#errors)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where an element was written: absolute file path and 1-based line (0 if unknown)."""

    path: str
    line: int


@dataclass(frozen=True, slots=True)
class RulesIssue:
    """One rules-file error or warning, located in its file."""

    path: str
    line: int
    column: int
    message: str

    def format_error(self) -> str:
        """The error line written to the log and to supervisord's stderr."""
        return f"rules file error: {self.path}:{self.line}:{self.column}: {self.message}"

    def format_warning(self) -> str:
        """The warning line written to the log (warnings carry no column)."""
        return f"rules file warning: {self.path}:{self.line}: {self.message}"

    def __str__(self) -> str:
        return self.format_error()


class RulesFileError(Exception):
    """The rules files hold at least one error; `errors` lists all of them, in file order."""

    def __init__(self, errors: Sequence[RulesIssue]) -> None:
        if not errors:
            raise ValueError("RulesFileError needs at least one issue")
        self.errors: list[RulesIssue] = list(errors)
        super().__init__(self.errors[0].format_error())

    def __str__(self) -> str:
        return self.errors[0].format_error()


class IssueLog:
    """Collects the errors and warnings of one load, in the order they are found.

    Errors remember the XPath of the element they concern, so that the schema pass can tell
    which of its own (less readable) messages are already explained.
    """

    def __init__(self) -> None:
        self.errors: list[RulesIssue] = []
        self.warnings: list[RulesIssue] = []
        self.flagged: set[tuple[str, str]] = set()  # (file path, element xpath)
        self._warned: set[RulesIssue] = set()

    def error(self, where: Location, message: str, column: int = 0, xpath: str = "") -> None:
        """Record an error; `xpath` names the element it concerns, when there is one."""
        self.errors.append(RulesIssue(where.path, where.line, column, message))
        if xpath:
            self.flagged.add((where.path, xpath))

    def warning(self, where: Location, message: str) -> None:
        """Record a warning once: the same element may be resolved several times."""
        issue = RulesIssue(where.path, where.line, 0, message)
        if issue not in self._warned:
            self._warned.add(issue)
            self.warnings.append(issue)

    def is_flagged(self, path: str, xpath: str) -> bool:
        """Whether an error was already recorded for this element."""
        return (path, xpath) in self.flagged
