"""supervisor's XML-RPC machinery as the RPC layer sees it (the only path from `rpc/` to it).

`rpc/` raises and returns pure values (`supvisors_ext.faults.Fault`); this module turns them into
what supervisor's HTTP handler understands (`RPCError`, the `NOT_DONE_YET` sentinel of deferred
results) and back: a fault raised by supervisor's own namespace becomes a `Fault`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from supervisor.http import NOT_DONE_YET
from supervisor.options import signal_number
from supervisor.xmlrpc import RPCError

from supvisors_ext.faults import Fault

__all__ = ["NOT_DONE_YET", "RPCError", "from_rpc_error", "is_signal", "to_rpc_error"]


def to_rpc_error(error: Fault) -> RPCError:
    """supervisor's exception for a fault, with the very same code and text."""
    converted = RPCError(error.code)
    converted.text = error.text
    return converted


def from_rpc_error(error: RPCError) -> Fault:
    return Fault(int(error.code), str(error.text))


def is_signal(value: object) -> bool:
    """A signal name (HUP, SIGHUP) or number that supervisor's `signalProcess` accepts."""
    try:
        signal_number(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def faults_as_values(call: Callable[..., Any], *args: Any) -> Any:
    """Call a method of supervisor's namespace; its RPCError comes out as a `Fault`, and so does
    that of the deferred callback it may return (supervisor polls it as ours)."""
    try:
        value = call(*args)
    except RPCError as error:
        raise from_rpc_error(error) from None
    if not callable(value):
        return value
    deferred = value

    def polled() -> object:
        try:
            return deferred()
        except RPCError as error:
            raise from_rpc_error(error) from None

    return polled
