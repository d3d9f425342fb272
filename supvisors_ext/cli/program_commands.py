"""Program commands (docs/cli.md, Supvisors parity): numprocs changes, enable and disable.

Each takes program names (the `[program:x]` section names), not namespecs, and acts on every
instance of the cluster (the server does the fan-out).
"""

from __future__ import annotations

from supvisors_ext.cli import arguments
from supvisors_ext.cli.application_commands import apply
from supvisors_ext.cli.session import Session, UsageError


def _numprocs(command: str, args: list[str]) -> tuple[str, int]:
    if len(args) != 2:
        raise UsageError(f"ERROR: {command} requires a program name and a numprocs value")
    program, value = args
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"ERROR: numprocs must be a strictly positive integer, got {value}")
    return program, int(value)


def update_numprocs(session: Session, args: list[str]) -> None:
    program, numprocs = _numprocs("update_numprocs", args)
    rpc = session.supvisors()
    call = lambda name: rpc.update_numprocs(name, numprocs, True, False)  # noqa: E731
    apply(session, [program], call, f"numprocs updated to {numprocs}")


def lazy_update_numprocs(session: Session, args: list[str]) -> None:
    program, numprocs = _numprocs("lazy_update_numprocs", args)
    rpc = session.supvisors()
    call = lambda name: rpc.update_numprocs(name, numprocs, True, True)  # noqa: E731
    apply(session, [program], call, f"numprocs updated to {numprocs} (lazy)")


def enable(session: Session, args: list[str]) -> None:
    arguments.required("enable", args, 1, "a program name")
    rpc = session.supvisors()
    apply(session, args, lambda name: rpc.enable(name, True), "enabled")


def disable(session: Session, args: list[str]) -> None:
    arguments.required("disable", args, 1, "a program name")
    rpc = session.supvisors()
    apply(session, args, lambda name: rpc.disable(name, True), "disabled")
