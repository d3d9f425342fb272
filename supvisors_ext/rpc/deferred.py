"""Deferred results of waiting RPCs, shared by the `supvisors` and `collections` namespaces.

A waiting call returns a plain function with a `.delay`: supervisord polls it from its main loop
until it returns something else than NOT_DONE_YET (`supervisor/xmlrpc.py`
`DeferredXMLRPCResponse`), so supervisord is never blocked. A step function returns NOT_DONE_YET
while it waits, its result when done, and raises a `Fault` on failure; every wait has a deadline
(docs/api.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from supvisors_ext.faults import Fault, Faults, fault
from supvisors_ext.host.xmlrpc import NOT_DONE_YET, to_rpc_error

# seconds between two polls of a waiting call by supervisord: the answer leaves at most this
# long after the job ends (a poll is one step() call, cheap; issue 18: was 0.05)
POLL_DELAY = 0.01
WAIT_LIMIT = 600.0  # a caller never waits longer than this, whatever the job does
Step = Callable[[], object]
# one member of a collection: its name, its group and the step acting on it
MemberStep = tuple[str, str, Step]

__all__ = [
    "NOT_DONE_YET",
    "POLL_DELAY",
    "WAIT_LIMIT",
    "MemberStep",
    "Step",
    "deferred",
    "gather",
    "member_result",
    "still_waiting",
    "stop_then_start",
]


def deferred(step: Step) -> object:
    """Run `step` once now (immediate faults), then let supervisord poll it."""
    result = step()
    if result is not NOT_DONE_YET:
        return result

    def onwait() -> object:
        try:
            return step()
        except Fault as error:
            raise to_rpc_error(error) from None

    onwait.delay = POLL_DELAY  # type: ignore[attr-defined]
    return onwait


def still_waiting(deadline: float, name: str) -> object:
    """NOT_DONE_YET, or a FAILED fault once the caller has waited WAIT_LIMIT."""
    if time.monotonic() > deadline:
        raise fault(Faults.FAILED, f"{name}: no end within {WAIT_LIMIT:g} s; the job goes on")
    return NOT_DONE_YET


def stop_then_start(stop_steps: Callable[[Step], Step], start_steps: Callable[[], Step]) -> object:
    """One deferred result for a restart: the stop steps, then (once stopped) the start steps.

    `stop_steps(then)` builds the stop's step function, calling `then()` when the stop is over.
    """
    stage: dict[str, Step] = {}

    def start_after_stop() -> object:
        stage["current"] = start_steps()
        return stage["current"]()

    stage["current"] = stop_steps(start_after_stop)
    return deferred(lambda: stage["current"]())


def member_result(name: str, group: str, status: int, description: str) -> dict[str, object]:
    """One member result of a collection call (docs/api.md)."""
    return {"name": name, "group": group, "status": int(status), "description": description}


def gather(steps: list[MemberStep]) -> Step:
    """One step function over per-member steps: the member results once all are over."""
    pending = dict(enumerate(steps))
    results: dict[int, dict[str, object]] = {}

    def step() -> object:
        for index, (name, group, member_step) in list(pending.items()):
            try:
                value = member_step()
            except Fault as error:
                results[index] = member_result(name, group, error.code, error.text)
            else:
                if value is NOT_DONE_YET:
                    continue
                results[index] = member_result(name, group, Faults.SUCCESS, "OK")
            del pending[index]
        if pending:
            return NOT_DONE_YET
        return [results[index] for index in sorted(results)]

    return step
