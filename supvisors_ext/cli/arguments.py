"""Argument checks shared by the commands; pure. Failures raise `UsageError` (exit 2)."""

from __future__ import annotations

from enum import IntEnum

from supvisors_ext.cli.session import UsageError
from supvisors_ext.model import ConciliationStrategies, LogLevels, StartingStrategies

STARTING = tuple(strategy.name for strategy in StartingStrategies)
CONCILIATION = tuple(strategy.name for strategy in ConciliationStrategies)
LOG_LEVELS = tuple(level.name for level in LogLevels)


def _enum_name(enum_cls: type[IntEnum], value: str, what: str) -> str:
    names = [member.name for member in enum_cls]
    if value.upper() in names:
        return value.upper()
    if value.isdigit() and int(value) in {int(member) for member in enum_cls}:
        return enum_cls(int(value)).name
    raise UsageError(f"ERROR: unknown {what} {value} (expected one of {', '.join(names)})")


def strategy(command: str, args: list[str]) -> tuple[str, list[str]]:
    """Split `<strategy> rest...`; the strategy name (or code) is checked here."""
    if not args:
        raise UsageError(f"ERROR: {command} requires a strategy")
    return _enum_name(StartingStrategies, args[0], "strategy"), args[1:]


def conciliation(command: str, args: list[str]) -> str:
    if len(args) != 1:
        raise UsageError(f"ERROR: {command} requires a conciliation strategy")
    return _enum_name(ConciliationStrategies, args[0], "conciliation strategy")


def log_level(command: str, args: list[str]) -> str:
    if len(args) != 1:
        raise UsageError(f"ERROR: {command} requires a log level")
    value = args[0].lower()
    if value in LOG_LEVELS:
        return value
    if value.isdigit() and int(value) in {int(level) for level in LogLevels}:
        return LogLevels(int(value)).name
    raise UsageError(
        f"ERROR: unknown log level {args[0]} (expected one of {', '.join(LOG_LEVELS)})"
    )


def no_argument(command: str, args: list[str]) -> None:
    if args:
        raise UsageError(f"ERROR: {command} takes no argument")


def at_most_one(command: str, args: list[str]) -> str:
    if len(args) > 1:
        raise UsageError(f"ERROR: {command} takes at most one argument")
    return args[0] if args else ""


def every(args: list[str]) -> bool:
    """No name or the word `all` means every item."""
    return not args or "all" in args


def required(command: str, args: list[str], count: int, what: str) -> None:
    if len(args) < count:
        raise UsageError(f"ERROR: {command} requires {what}")
