"""Our XML-RPC fault codes (offset 100, as Supvisors) and the RPCError carrying their names."""

from __future__ import annotations

from enum import IntEnum

from supervisor.xmlrpc import Faults, RPCError


class SupvisorsFaults(IntEnum):
    """Codes 100-105 (docs/api.md#faults)."""

    SUPVISORS_CONF_ERROR = 100
    BAD_SUPVISORS_STATE = 101
    NOT_MANAGED = 102
    DISABLED = 103
    NOT_APPLICABLE = 104
    NOT_INSTALLED = 105


def fault(code: int, message: str) -> RPCError:
    """An RPCError whose text is `<FAULT_NAME>: <message>` for supervisor's codes and ours.

    supervisor names a code by scanning its `Faults` class; we never add attributes to it
    (no patching), so our names are set on the error itself.
    """
    code = int(code)  # xmlrpc.client cannot marshal an IntEnum
    error = RPCError(code, message)
    if code in SupvisorsFaults._value2member_map_:
        error.text = f"{SupvisorsFaults(code).name}: {message}"
    return error


__all__ = ["Faults", "RPCError", "SupvisorsFaults", "fault"]
