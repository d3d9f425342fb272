"""XML-RPC fault codes and the typed fault value that carries one (docs/api.md#faults).

Pure: no supervisor import. The codes 1-92 are supervisor's own (same numbers as
`supervisor.xmlrpc.Faults`), 100-105 ours (offset 100, as Supvisors). A `Fault` is both a value
(a peer's or the host's answer) and an exception (raised by an RPC handler); `host/xmlrpc.py`
turns it into supervisor's `RPCError` at the XML-RPC edge.
"""

from __future__ import annotations

from enum import IntEnum


class Faults(IntEnum):
    """supervisor's fault codes (`supervisor/xmlrpc.py` `Faults`)."""

    UNKNOWN_METHOD = 1
    INCORRECT_PARAMETERS = 2
    BAD_ARGUMENTS = 3
    SIGNATURE_UNSUPPORTED = 4
    SHUTDOWN_STATE = 6
    BAD_NAME = 10
    BAD_SIGNAL = 11
    NO_FILE = 20
    NOT_EXECUTABLE = 21
    FAILED = 30
    ABNORMAL_TERMINATION = 40
    SPAWN_ERROR = 50
    ALREADY_STARTED = 60
    NOT_RUNNING = 70
    SUCCESS = 80
    ALREADY_ADDED = 90
    STILL_RUNNING = 91
    CANT_REREAD = 92


class SupvisorsFaults(IntEnum):
    """Our codes 100-105 (docs/api.md#faults)."""

    SUPVISORS_CONF_ERROR = 100
    BAD_SUPVISORS_STATE = 101
    NOT_MANAGED = 102
    DISABLED = 103
    NOT_APPLICABLE = 104
    NOT_INSTALLED = 105


def fault_name(code: int) -> str:
    """The name of a code, 'UNKNOWN' for a code nobody defines (as supervisor says)."""
    for table in (Faults, SupvisorsFaults):
        if code in table._value2member_map_:
            return table(code).name
    return "UNKNOWN"


class Fault(Exception):
    """A fault: its code and its text, `<FAULT_NAME>: <message>` (supervisor's form)."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(code, text)
        self.code = int(code)  # xmlrpc.client cannot marshal an IntEnum
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fault) and (self.code, self.text) == (other.code, other.text)

    def __hash__(self) -> int:
        return hash((self.code, self.text))

    def __repr__(self) -> str:
        return f"Fault({self.code}, {self.text!r})"


def fault(code: int, message: str | None = None) -> Fault:
    """A fault named after its code: `NAME: message` (or `NAME` alone when no message).

    The names of our codes 100-105 always come with a message (`NAME: message`), as before.
    """
    name = fault_name(int(code))
    if message is None and int(code) not in SupvisorsFaults._value2member_map_:
        return Fault(code, name)
    return Fault(code, f"{name}: {message if message is not None else ''}")


__all__ = ["Fault", "Faults", "SupvisorsFaults", "fault", "fault_name"]
