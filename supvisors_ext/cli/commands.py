"""The command table: name, implementation, help forms and argument kinds for completion."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from supvisors_ext.cli import application_commands as app
from supvisors_ext.cli import control_commands as ctl
from supvisors_ext.cli import status_commands as st
from supvisors_ext.cli.collection import FORMS as COLLECTION_FORMS
from supvisors_ext.cli.collection import collection, help_lines
from supvisors_ext.cli.session import USAGE, Session, Unreachable, UsageError, fault_text
from supvisors_ext.compat import SLOTS


class Arg(Enum):
    """What a positional argument names, for tab completion."""

    NONE = "none"
    APPLICATION = "application"
    NAMESPEC = "namespec"
    IDENTIFIER = "identifier"
    STRATEGY = "strategy"
    CONCILIATION = "conciliation"
    LOG_LEVEL = "log_level"
    COLLECTION = "collection"


@dataclass(frozen=True, **SLOTS)
class Command:
    """One operator command; `args[i]` describes argument i, the last kind repeats."""

    name: str
    run: Callable[[Session, list[str]], None]
    forms: tuple[tuple[str, str], ...]
    args: tuple[Arg, ...] = (Arg.NONE,)

    def arg_kind(self, position: int) -> Arg:
        return self.args[min(position, len(self.args) - 1)]


A, N, ID, S = Arg.APPLICATION, Arg.NAMESPEC, Arg.IDENTIFIER, Arg.STRATEGY
COMMANDS: tuple[Command, ...] = (
    Command("sversion", st.sversion, (("sversion", "Get the API version of Supvisors"),)),
    Command(
        "sstate",
        st.sstate,
        (
            ("sstate", "Get the state and modes of the addressed Supvisors instance"),
            ("sstate <id> <id>", "Get the state and modes of the named instances"),
            ("sstate all", "Get the state and modes of every instance"),
        ),
        (ID,),
    ),
    Command("master", st.master, (("master", "Get the Master of the Supvisors cluster"),)),
    Command("strategies", st.strategies, (("strategies", "Get the strategies of Supvisors"),)),
    Command(
        "instance_status",
        st.instance_status,
        (
            ("instance_status", "Get the status of every Supvisors instance"),
            ("instance_status <id> <id>", "Get the status of the named instances"),
        ),
        (ID,),
    ),
    Command(
        "application_info",
        st.application_info,
        (
            ("application_info", "Get the status of every application"),
            ("application_info <appli> <appli>", "Get the status of the named applications"),
        ),
        (A,),
    ),
    Command(
        "sstatus",
        st.sstatus,
        (
            ("sstatus", "Get the status of every process of the cluster"),
            ("sstatus <proc> <proc>", "Get the status of the named processes (group:* allowed)"),
        ),
        (N,),
    ),
    Command(
        "local_status",
        st.local_status,
        (
            ("local_status", "Get the local status of every process of this instance"),
            ("local_status <proc> <proc>", "Get the local status of the named processes"),
        ),
        (N,),
    ),
    Command(
        "application_rules",
        st.application_rules,
        (
            ("application_rules", "Get the rules of every application"),
            ("application_rules <appli> <appli>", "Get the rules of the named applications"),
        ),
        (A,),
    ),
    Command(
        "process_rules",
        st.process_rules,
        (
            ("process_rules", "Get the rules of every process"),
            ("process_rules <proc> <proc>", "Get the rules of the named processes"),
        ),
        (N,),
    ),
    Command("conflicts", st.conflicts, (("conflicts", "List the processes in conflict"),)),
    Command(
        "loglevel",
        ctl.loglevel,
        (("loglevel <level>", "Change the log level of Supvisors (critical ... blather)"),),
        (Arg.LOG_LEVEL, Arg.NONE),
    ),
    Command(
        "conciliate",
        ctl.conciliate,
        (("conciliate <strategy>", "Conciliate the conflicts with a conciliation strategy"),),
        (Arg.CONCILIATION, Arg.NONE),
    ),
    Command(
        "restart_sequence",
        ctl.restart_sequence,
        (("restart_sequence", "Run the automatic start sequence again"),),
    ),
    Command("sreload", ctl.sreload, (("sreload", "Restart every supervisord of the cluster"),)),
    Command("sshutdown", ctl.sshutdown, (("sshutdown", "Shut down the Supvisors cluster"),)),
    Command(
        "end_sync",
        ctl.end_sync,
        (
            ("end_sync", "End the synchronization phase with an elected Master"),
            ("end_sync <id>", "End the synchronization phase with this Master"),
        ),
        (ID, Arg.NONE),
    ),
    Command(
        "start_application",
        app.start_application,
        (
            ("start_application <strategy>", "Start every managed application"),
            ("start_application <strategy> <appli> <appli>", "Start the named applications"),
        ),
        (S, A),
    ),
    Command(
        "stop_application",
        app.stop_application,
        (
            ("stop_application", "Stop every managed application"),
            ("stop_application <appli> <appli>", "Stop the named applications"),
        ),
        (A,),
    ),
    Command(
        "restart_application",
        app.restart_application,
        (
            ("restart_application <strategy>", "Restart every managed application"),
            ("restart_application <strategy> <appli> <appli>", "Restart the named applications"),
        ),
        (S, A),
    ),
    Command(
        "start_process",
        app.start_process,
        (
            ("start_process <strategy>", "Start every process that is not running"),
            ("start_process <strategy> <proc> <proc>", "Start the named processes"),
        ),
        (S, N),
    ),
    Command(
        "start_args",
        app.start_args,
        (("start_args <proc> <arg> <arg>", "Start a process here with extra arguments"),),
        (N, Arg.NONE),
    ),
    Command(
        "start_process_args",
        app.start_process_args,
        (
            (
                "start_process_args <strategy> <proc> <arg> <arg>",
                "Start a process with extra arguments",
            ),
        ),
        (S, N, Arg.NONE),
    ),
    Command(
        "stop_process",
        app.stop_process,
        (
            ("stop_process", "Stop every running process"),
            ("stop_process <proc> <proc>", "Stop the named processes"),
        ),
        (N,),
    ),
    Command(
        "restart_process",
        app.restart_process,
        (
            ("restart_process <strategy>", "Restart every process"),
            ("restart_process <strategy> <proc> <proc>", "Restart the named processes"),
        ),
        (S, N),
    ),
    Command("collection", collection, COLLECTION_FORMS, (Arg.COLLECTION,)),
)
TABLE: dict[str, Command] = {command.name: command for command in COMMANDS}


def execute(command: Command, session: Session, line: str) -> int:
    """Run one command line; faults and usage errors become output and an exit status."""
    try:
        command.run(session, line.split())
    except UsageError as exc:
        session.err(str(exc))
        if exc.show_help:
            for help_line in help_lines(command.forms):
                session.err(help_line)
        session.fail(USAGE)
    except xmlrpc.client.Fault as exc:
        session.error("", fault_text(exc))
    except Unreachable:
        pass  # supervisorctl's upcheck has printed why and set its exit status
    return session.status
