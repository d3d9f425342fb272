"""Polling with a deadline: the only way tests wait (never a fixed sleep)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
DEFAULT_INTERVAL = 0.05


class WaitAborted(AssertionError):
    """Raised by a predicate to stop polling at once (e.g. the awaited process died)."""


class Deadline:
    """An absolute point in ``time.monotonic()`` time."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.at = time.monotonic() + timeout

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return time.monotonic() >= self.at


def _describe_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def wait_until(
    predicate: Callable[[], T | None],
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    message: str = "condition not met",
    describe: Callable[[], str] | None = None,
) -> T:
    """Call ``predicate`` until it returns a truthy value, and return that value.

    Exceptions raised by the predicate count as "not yet" (a server still starting refuses
    connections), except ``WaitAborted`` which is re-raised at once. On timeout, raise an
    AssertionError carrying ``message``, the last value, the last exception and the text
    returned by ``describe`` (typically log tails).
    """
    deadline = Deadline(timeout)
    last_value: object = None
    last_error: Exception | None = None
    while True:
        try:
            value = predicate()
        except WaitAborted:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            last_error = exc
        else:
            if value:
                return value
            last_value, last_error = value, None
        if deadline.expired():
            break
        time.sleep(min(interval, deadline.remaining()))
    lines = [f"{message} (after {timeout:.1f} s)", f"last value: {last_value!r}"]
    if last_error is not None:
        lines.append(f"last exception: {_describe_exception(last_error)}")
    if describe is not None:
        lines.append(describe())
    raise AssertionError("\n".join(lines))
