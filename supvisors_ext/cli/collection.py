"""The `collection` command of docs/cli.md#collection, over the cluster-wide collection methods
(docs/api.md#collections)."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

from supvisors_ext.cli import formats
from supvisors_ext.cli.session import Session, UsageError, fault_text
from supvisors_ext.cli.status_commands import BAD_NAME

SUBCOMMANDS = ("status", "start", "stop")
FORMS = (
    ("collection status", "List all collections"),
    ("collection status <name>", "Show the processes of a collection"),
    ("collection start <name>", "Start the processes of a collection"),
    ("collection stop <name>", "Stop the processes of a collection"),
)


def collection(session: Session, args: list[str]) -> None:
    if not args:
        session.lines(help_lines(FORMS))
        return
    subcommand, names = args[0], args[1:]
    if subcommand not in SUBCOMMANDS:
        raise UsageError(f"Error: unknown collection subcommand '{subcommand}'")
    if not names and subcommand != "status":
        raise UsageError(f"Error: collection {subcommand} requires a collection name", False)
    rpc = session.supvisors()
    collections = rpc.list_collections()
    if not names:
        session.lines(formats.collection_list(collections))
        return
    for name in ordered(session, collections, names, reverse=subcommand == "stop"):
        try:
            if subcommand == "status":
                _status(session, rpc, name)
            else:
                _control(session, rpc, subcommand, name)
        except xmlrpc.client.Fault as exc:
            session.error(
                name, "no such collection" if exc.faultCode == BAD_NAME else fault_text(exc)
            )


def ordered(
    session: Session, collections: list[dict[str, Any]], names: list[str], reverse: bool
) -> list[str]:
    """Known names in (priority, name) order (descending for stop); unknown ones are errors."""
    rank = {item["name"]: (item["priority"], item["name"]) for item in collections}
    for name in names:
        if name not in rank:
            session.error(name, "no such collection")
    known = {name for name in names if name in rank}
    return sorted(known, key=lambda name: rank[name], reverse=reverse)


def _status(session: Session, rpc: Any, name: str) -> None:
    infos = rpc.get_collection_process_info(name)
    session.out(f"Collection: {name}")
    if infos:
        session.lines(formats.process_status(infos, session.names()))


def _control(session: Session, rpc: Any, subcommand: str, name: str) -> None:
    if subcommand == "start":
        results, done = rpc.start_collection(name, True), "started"
    else:
        results, done = rpc.stop_collection(name, True), "stopped"
    if not results:
        session.out(f"{name}: nothing to {subcommand}")
    for result in results:
        line = formats.member_result(result, done)
        if result["status"] == formats.SUCCESS_CODE:
            session.out(line)
        else:
            session.err(line)
            session.fail()


def help_lines(forms: tuple[tuple[str, str], ...]) -> list[str]:
    """One line per accepted form: the usage, then its description after a tab stop."""
    width = max(len(usage) for usage, _ in forms) + 2
    return [f"{usage.ljust(width)}{description}" for usage, description in forms]
