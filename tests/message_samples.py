"""One valid bus message per topic, shared by the bus and decoder tests (no zmq here)."""

from __future__ import annotations

from supvisors_ext.messages import (
    Message,
    ProcessAddedMessage,
    ProcessForcedMessage,
    ProcessMessage,
    ProcessRemovedMessage,
    StateMessage,
    StateModes,
    TickMessage,
)
from supvisors_ext.model import InstanceStates, LocalProcessInfo, ProcessStates, SupvisorsStates


def tick(
    identifier: str, counter: int, stereotypes: tuple[str, ...] = (), run_id: str = ""
) -> TickMessage:
    return TickMessage(identifier, 1.0, identifier, counter, 1e9, 1.0, 1, 2, stereotypes, run_id)


def sample_messages(identifier: str) -> list[Message]:
    info = LocalProcessInfo(
        "grp", "prg", ProcessStates.RUNNING, 10, 0, 20, 99, "pid 99", "", True,
        1.0, 0.0, 2.0, "", 1, 10, "prg", 0, False, True, True,
    )  # fmt: skip
    modes = StateModes(
        SupvisorsStates.OPERATION, False, False, identifier, False, True,
        ((identifier, InstanceStates.RUNNING),), "", ("app",),
    )  # fmt: skip
    return [
        tick(identifier, 1, ("payload",)),
        ProcessMessage(identifier, 2.0, info),
        ProcessAddedMessage(identifier, 2.0, info),
        ProcessRemovedMessage(identifier, 3.0, "grp", "prg"),
        ProcessForcedMessage(identifier, 3.0, "grp", "prg", ProcessStates.FATAL, "late", ""),
        StateMessage(identifier, 4.0, modes),
    ]
