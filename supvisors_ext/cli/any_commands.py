"""Start predictions, regex starts and starts on every instance (docs/cli.md, Supvisors parity).

`test_start_*` start nothing: they print where each process would run. `start_any_process*`
start one stopped process whose namespec matches a regular expression. `all_start*` send the
same start to every RUNNING instance, each through its own connection.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from typing import Any

from supvisors_ext.cli import arguments, formats
from supvisors_ext.cli.application_commands import managed_applications
from supvisors_ext.cli.session import Session, fault_text

RUNNING_INSTANCE = "RUNNING"


def _predict(session: Session, targets: list[str], call: Callable[[str], Any]) -> None:
    """One table for every target's prediction; a fault prints `<target>: ERROR (...)`."""
    results: list[Any] = []
    for target in targets:
        try:
            results += call(target)
        except xmlrpc.client.Fault as exc:
            session.error(target, fault_text(exc))
    if results:
        session.lines(formats.start_prediction(results, session.names()))


def test_start_application(session: Session, args: list[str]) -> None:
    strategy, names = arguments.strategy("test_start_application", args)
    rpc = session.supvisors()
    targets = managed_applications(session, names)
    _predict(session, targets, lambda name: rpc.test_start_application(strategy, name))


def test_start_process(session: Session, args: list[str]) -> None:
    strategy, names = arguments.strategy("test_start_process", args)
    arguments.required("test_start_process", names, 1, "a process name")
    rpc = session.supvisors()
    _predict(session, names, lambda namespec: rpc.test_start_process(strategy, namespec))


def _start_any(session: Session, strategy: str, regexes: list[str], extra: str) -> None:
    rpc = session.supvisors()
    for regex in regexes:
        try:
            namespec = rpc.start_any_process(strategy, regex, extra, True)
        except xmlrpc.client.Fault as exc:
            session.error(regex, fault_text(exc))
        else:
            session.out(f"{namespec} started")


def start_any_process(session: Session, args: list[str]) -> None:
    strategy, regexes = arguments.strategy("start_any_process", args)
    arguments.required("start_any_process", regexes, 1, "a regular expression")
    _start_any(session, strategy, regexes, "")


def start_any_process_args(session: Session, args: list[str]) -> None:
    strategy, rest = arguments.strategy("start_any_process_args", args)
    arguments.required("start_any_process_args", rest, 2, "a regular expression and arguments")
    _start_any(session, strategy, rest[:1], " ".join(rest[1:]))


def running_instances(session: Session) -> dict[str, str]:
    """Nick -> URL of every RUNNING instance, in the order the server lists them."""
    return {
        info["nick_identifier"]: f"http://{info['node_name']}:{info['port']}"
        for info in session.supvisors().get_all_instances_info()
        if info["statename"] == RUNNING_INSTANCE
    }


def _on_every_instance(session: Session, namespec: str, call: Callable[[Any], Any]) -> None:
    urls = running_instances(session)
    if not urls:
        session.error("", "no running instance")
    for nick, url in urls.items():
        try:
            call(session.server_at(url))
        except xmlrpc.client.Fault as exc:
            session.error(f"{namespec} on {nick}", fault_text(exc))
        except OSError as exc:
            session.error(f"{namespec} on {nick}", f"{url}: {exc}")
        else:
            session.out(f"{namespec} started on {nick}")


def all_start(session: Session, args: list[str]) -> None:
    arguments.required("all_start", args, 1, "a process name")
    arguments.at_most_one("all_start", args)
    namespec = args[0]
    _on_every_instance(session, namespec, lambda proxy: proxy.supervisor.startProcess(namespec))


def all_start_args(session: Session, args: list[str]) -> None:
    arguments.required("all_start_args", args, 2, "a process name and arguments")
    namespec, extra = args[0], " ".join(args[1:])
    _on_every_instance(
        session, namespec, lambda proxy: proxy.supvisors.start_args(namespec, extra, True)
    )
