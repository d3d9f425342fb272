"""Statistics commands of Supvisors (docs/cli.md): the client side only.

The server methods (`get_statistics_status`, `enable_host_statistics`,
`enable_process_statistics`, `update_collecting_period`) come with the statistics feature;
until a server has them, these commands print its UNKNOWN_METHOD fault and exit 1.
"""

from __future__ import annotations

from supvisors_ext.cli import arguments
from supvisors_ext.cli.session import Session, UsageError

KINDS = ("host", "process", "all")


def _kinds(command: str, args: list[str]) -> tuple[bool, bool]:
    """(host, process) selected by `[host] [process] [all]`; none means both."""
    for kind in args:
        if kind.lower() not in KINDS:
            raise UsageError(f"ERROR: {command}: invalid statistics type {kind}")
    words = {kind.lower() for kind in args} or {"all"}
    return bool(words & {"host", "all"}), bool(words & {"process", "all"})


def _switch(session: Session, args: list[str], command: str, enabled: bool) -> None:
    host, process = _kinds(command, args)
    rpc = session.supvisors()
    done = "enabled" if enabled else "disabled"
    if host:
        rpc.enable_host_statistics(enabled)
        session.out(f"Host statistics {done}")
    if process:
        rpc.enable_process_statistics(enabled)
        session.out(f"Process statistics {done}")


def stats_status(session: Session, args: list[str]) -> None:
    arguments.no_argument("stats_status", args)
    status = session.supvisors().get_statistics_status()
    session.lines(
        [
            f"Host statistics: {status['host_stats']}",
            f"Process statistics: {status['process_stats']}",
            f"Collecting period: {status['collecting_period']}",
        ]
    )


def enable_stats(session: Session, args: list[str]) -> None:
    _switch(session, args, "enable_stats", True)


def disable_stats(session: Session, args: list[str]) -> None:
    _switch(session, args, "disable_stats", False)


def stats_period(session: Session, args: list[str]) -> None:
    if len(args) != 1:
        raise UsageError("ERROR: stats_period requires a period")
    try:
        period = float(args[0])
    except ValueError:
        period = 0.0
    if not period > 0.0:
        raise UsageError(f"ERROR: stats_period requires a strictly positive period, got {args[0]}")
    session.supvisors().update_collecting_period(period)
    session.out(f"Statistics period set to {period}")
