"""Event and statistics commands (docs/cli.md, docs/events.md, docs/statistics.md)."""

from __future__ import annotations

import json
import sys
import xmlrpc.client
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from supvisors_ext.cli.session import FAULT, Session, UsageError
from supvisors_ext.client import TOPICS, stream_events

SPARKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 30


def events_url(session: Session) -> str:
    """The server URL with the session's credentials, for the `/supvisors/events` stream."""
    parts = urlsplit(session.serverurl)
    if parts.scheme != "http":
        raise UsageError(
            f"ERROR: events needs an http:// server URL, not {session.serverurl}", False
        )
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if session.credentials:
        user, password = session.credentials
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{netloc}"
    return urlunsplit(("http", netloc, "", "", ""))


def events(session: Session, args: list[str]) -> None:
    unknown = [topic for topic in args if topic not in TOPICS]
    if unknown:
        raise UsageError(f"ERROR: unknown topic {unknown[0]} (expected {', '.join(TOPICS)})")
    try:
        for topic, payload in stream_events(events_url(session), tuple(args)):
            session.out(json.dumps({"topic": topic, "data": payload}, separators=(",", ":")))
            sys.stdout.flush()
    except KeyboardInterrupt:
        return
    except (OSError, ConnectionError) as exc:
        session.error("events", str(exc))


def stats_status(session: Session, args: list[str]) -> None:
    if args:
        raise UsageError("ERROR: stats_status takes no argument")
    status = session.supvisors().get_statistics_status()
    session.out(f"Collecting Host statistics:    {status['host_stats']}")
    session.out(f"Collecting Process statistics: {status['process_stats']}")
    session.out(f"Collecting statistics period:  {status['collecting_period']}")


def _stats_types(command: str, args: list[str]) -> tuple[bool, bool]:
    host = process = not args
    for arg in (item.lower() for item in args):
        if arg not in ("host", "process", "all"):
            raise UsageError(f"ERROR: invalid statistics type {arg}")
        host = host or arg in ("host", "all")
        process = process or arg in ("process", "all")
    return host, process


def _toggle(session: Session, args: list[str], command: str, enable: bool) -> None:
    host, process = _stats_types(command, args)
    rpc = session.supvisors()
    verb = "enabled" if enable else "disabled"
    if host:
        rpc.enable_host_statistics(enable)
        session.out(f"Host statistics collection {verb}")
    if process:
        rpc.enable_process_statistics(enable)
        session.out(f"Process statistics collection {verb}")


def enable_stats(session: Session, args: list[str]) -> None:
    _toggle(session, args, "enable_stats", True)


def disable_stats(session: Session, args: list[str]) -> None:
    _toggle(session, args, "disable_stats", False)


def stats_period(session: Session, args: list[str]) -> None:
    if len(args) != 1:
        raise UsageError("ERROR: stats_period requires a period in seconds")
    try:
        period = float(args[0])
    except ValueError:
        raise UsageError(f"ERROR: invalid period {args[0]}") from None
    session.supvisors().update_collecting_period(period)
    session.out(f"Statistics collecting period set to {period:g} s")


def sparkline(values: list[float], high: float | None = None) -> str:
    """The last values as block characters scaled on [0;high] (or on their own maximum)."""
    values = values[-SPARK_WIDTH:]
    top = high if high else max(values, default=0.0)
    if top <= 0:
        return SPARKS[0] * len(values)
    last = len(SPARKS) - 1
    return "".join(SPARKS[min(last, max(0, round(value / top * last)))] for value in values)


def _row(name: str, values: list[float], high: float | None) -> str:
    latest = f"{values[-1]:6.1f}" if values else "     -"
    average = f"{sum(values) / len(values):6.1f}" if values else "     -"
    return f"{name:<24} {latest} {average}  {sparkline(values, high)}"


def stats(session: Session, args: list[str]) -> None:
    if len(args) > 2:
        raise UsageError("ERROR: stats takes at most an instance or namespec, and a period")
    rpc = session.supvisors()
    target = args[0] if args else rpc.get_supvisors_state()["identifier"]
    period = float(args[1]) if len(args) > 1 else 0.0
    session.out(f"{'':<24} {'last':>6} {'avg':>6}  recent (% , oldest to newest)")
    try:
        rpc.get_instance_info(target)
    except xmlrpc.client.Fault:
        _process_rows(session, rpc.get_process_statistics(target, period))
        return
    history = rpc.get_host_statistics(target, period)
    cpu = history["cpu"]
    if cpu:
        session.out(_row("cpu", cpu[0], 100.0))
        for index, core in enumerate(cpu[1:]):
            session.out(_row(f"cpu#{index}", core, 100.0))
    session.out(_row("mem", history["mem"], 100.0))


def _process_rows(session: Session, histories: list[dict[str, Any]]) -> None:
    if not histories:
        session.err("no statistics yet (not running here, or not collected)")
        session.fail(FAULT)
    for history in histories:
        session.out(_row(f"{history['namespec']} cpu", history["cpu"], None))
        session.out(_row(f"{history['namespec']} mem", history["mem"], None))
