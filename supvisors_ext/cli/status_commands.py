"""Status commands of docs/cli.md#status: read-only queries printed as tables."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from typing import Any

from supvisors_ext.cli import arguments, formats
from supvisors_ext.cli.session import Session, fault_text

BAD_NAME = 10  # supervisor's Faults.BAD_NAME


def each(session: Session, names: list[str], what: str, call: Callable[[str], Any]) -> list[Any]:
    """Call `call(name)` for each name; BAD_NAME prints `<name>: ERROR (no such <what>)`."""
    results = []
    for name in names:
        try:
            results.append(call(name))
        except xmlrpc.client.Fault as exc:
            text = f"no such {what}" if exc.faultCode == BAD_NAME else fault_text(exc)
            session.error(name, text)
    return results


def flat(results: list[Any]) -> list[Any]:
    """Methods taking a stereotype or `group:*` return lists: join them, without duplicates."""
    items: list[Any] = []
    for result in results:
        for item in result if isinstance(result, list) else [result]:
            if item not in items:
                items.append(item)
    return items


def sversion(session: Session, args: list[str]) -> None:
    arguments.no_argument("sversion", args)
    session.out(session.supvisors().get_api_version())


def sstate(session: Session, args: list[str]) -> None:
    rpc = session.supvisors()
    if not args:
        entries = [rpc.get_supvisors_state()]
    elif "all" in args:
        entries = rpc.get_all_instances_state_modes()
    else:
        entries = flat(each(session, args, "instance", rpc.get_instance_state_modes))
    if entries:
        session.lines(formats.state_modes(entries, session.names()))


def master(session: Session, args: list[str]) -> None:
    arguments.no_argument("master", args)
    session.lines(formats.master(session.supvisors().get_master_identifier()))


def strategies(session: Session, args: list[str]) -> None:
    arguments.no_argument("strategies", args)
    session.lines(formats.strategies(session.supvisors().get_strategies()))


def instance_status(session: Session, args: list[str]) -> None:
    rpc = session.supvisors()
    if arguments.every(args):
        infos = rpc.get_all_instances_info()
    else:
        infos = flat(each(session, args, "instance", rpc.get_instance_info))
    if infos:
        session.lines(formats.instance_status(infos))


def application_info(session: Session, args: list[str]) -> None:
    infos = session.supvisors().get_all_applications_info()
    if not arguments.every(args):
        known = {info["application_name"]: info for info in infos}
        infos = []
        for name in args:
            if name in known:
                infos.append(known[name])
            else:
                session.error(name, "no such application")
    if infos:
        session.lines(formats.application_info(infos))


def sstatus(session: Session, args: list[str]) -> None:
    rpc = session.supvisors()
    if arguments.every(args):
        infos = rpc.get_all_process_info()
    else:
        infos = flat(each(session, args, "process", rpc.get_process_info))
    if infos:
        session.lines(formats.process_status(infos, session.names()))


def local_status(session: Session, args: list[str]) -> None:
    rpc = session.supvisors()
    if arguments.every(args):
        infos = rpc.get_all_local_process_info()
    else:
        infos = flat(each(session, args, "process", _local_infos(rpc)))
    if infos:
        session.lines(formats.local_status(infos))


def _local_infos(rpc: Any) -> Callable[[str], list[Any]]:
    """get_local_process_info takes one process: expand `group:*` from the local list."""

    def infos(namespec: str) -> list[Any]:
        group, _, name = namespec.partition(":")
        if name == "*":
            found = [i for i in rpc.get_all_local_process_info() if i["group"] == group]
            if not found:
                raise xmlrpc.client.Fault(BAD_NAME, f"BAD_NAME: {namespec}")
            return found
        return [rpc.get_local_process_info(namespec)]

    return infos


def _application_names(rpc: Any) -> list[str]:
    return [info["application_name"] for info in rpc.get_all_applications_info()]


def application_rules(session: Session, args: list[str]) -> None:
    rpc = session.supvisors()
    names = _application_names(rpc) if arguments.every(args) else args
    rules = each(session, names, "application", rpc.get_application_rules)
    if rules:
        session.lines(formats.application_rules(rules, session.names()))


def process_rules(session: Session, args: list[str]) -> None:
    rpc = session.supvisors()
    if arguments.every(args):
        args = [f"{name}:*" for name in _application_names(rpc)]
    rules = flat(each(session, args, "process", rpc.get_process_rules))
    if rules:
        session.lines(formats.process_rules(rules, session.names()))


def conflicts(session: Session, args: list[str]) -> None:
    arguments.no_argument("conflicts", args)
    infos = session.supvisors().get_conflicts()
    session.lines(formats.conflicts(infos, session.names() if infos else {}))
