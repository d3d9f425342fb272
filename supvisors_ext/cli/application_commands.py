"""Application and process control commands of docs/cli.md (all with wait=True)."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from typing import Any

from supvisors_ext.cli import arguments
from supvisors_ext.cli.progress import with_progress
from supvisors_ext.cli.session import Session, fault_text

RUNNING_STATES = ("STARTING", "RUNNING", "BACKOFF", "STOPPING")


def apply(session: Session, targets: list[str], call: Callable[[str], Any], done: str) -> None:
    """Call `call(target)` for each target: `<target> <done>` or `<target>: ERROR (...)`."""
    for target in targets:
        try:
            call(target)
        except xmlrpc.client.Fault as exc:
            session.error(target, fault_text(exc))
        else:
            session.out(f"{target} {done}")


def managed_applications(session: Session, args: list[str]) -> list[str]:
    """Every managed application in name order, or the named ones that exist and are managed."""
    infos = session.supvisors().get_all_applications_info()
    managed = {info["application_name"]: info["managed"] for info in infos}
    if arguments.every(args):
        return sorted(name for name, is_managed in managed.items() if is_managed)
    targets = []
    for name in args:
        if name not in managed:
            session.error(name, "no such application")
        elif not managed[name]:
            session.err(f"{name}: IGNORED (unmanaged, use start|stop {name}:*)")
        else:
            targets.append(name)
    return targets


def start_application(session: Session, args: list[str]) -> None:
    strategy, names = arguments.strategy("start_application", args)

    def start(name: str) -> Any:
        rpc = session.supvisors()
        return with_progress(session, name, lambda: rpc.start_application(strategy, name, True))

    apply(session, managed_applications(session, names), start, "started")


def stop_application(session: Session, args: list[str]) -> None:
    rpc = session.supvisors()
    targets = managed_applications(session, args)
    apply(session, targets, lambda name: rpc.stop_application(name, True), "stopped")


def restart_application(session: Session, args: list[str]) -> None:
    strategy, names = arguments.strategy("restart_application", args)

    def restart(name: str) -> Any:
        rpc = session.supvisors()
        return with_progress(session, name, lambda: rpc.restart_application(strategy, name, True))

    apply(session, managed_applications(session, names), restart, "restarted")


def namespecs(session: Session, args: list[str], keep: Callable[[str], bool]) -> list[str]:
    """The named processes, or every process whose state passes `keep`."""
    if not arguments.every(args):
        return args
    infos = session.supvisors().get_all_process_info()
    return [
        f"{info['application_name']}:{info['process_name']}"
        for info in infos
        if keep(info["statename"])
    ]


def start_process(session: Session, args: list[str]) -> None:
    strategy, names = arguments.strategy("start_process", args)
    rpc = session.supvisors()
    targets = namespecs(session, names, lambda state: state not in RUNNING_STATES)
    apply(session, targets, lambda ns: rpc.start_process(strategy, ns, "", True), "started")


def start_args(session: Session, args: list[str]) -> None:
    arguments.required("start_args", args, 2, "a process name and arguments")
    namespec, extra = args[0], " ".join(args[1:])
    rpc = session.supvisors()
    apply(session, [namespec], lambda ns: rpc.start_args(ns, extra, True), "started")


def start_process_args(session: Session, args: list[str]) -> None:
    strategy, rest = arguments.strategy("start_process_args", args)
    arguments.required("start_process_args", rest, 2, "a process name and arguments")
    namespec, extra = rest[0], " ".join(rest[1:])
    rpc = session.supvisors()
    apply(session, [namespec], lambda ns: rpc.start_process(strategy, ns, extra, True), "started")


def stop_process(session: Session, args: list[str]) -> None:
    rpc = session.supvisors()
    targets = namespecs(session, args, lambda state: state in RUNNING_STATES[:3])
    apply(session, targets, lambda ns: rpc.stop_process(ns, True), "stopped")


def restart_process(session: Session, args: list[str]) -> None:
    strategy, names = arguments.strategy("restart_process", args)
    rpc = session.supvisors()
    targets = namespecs(session, names, lambda state: True)
    apply(session, targets, lambda ns: rpc.restart_process(strategy, ns, "", True), "restarted")
