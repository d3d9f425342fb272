"""The command table: name, implementation, help forms and argument kinds for completion."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from supvisors_ext.cli import any_commands as anyc
from supvisors_ext.cli import application_commands as app
from supvisors_ext.cli import control_commands as ctl
from supvisors_ext.cli import observe_commands as obs
from supvisors_ext.cli import program_commands as prog
from supvisors_ext.cli import stats_commands as stats
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
    PROGRAM = "program"
    STATISTICS = "statistics"
    TOPIC = "topic"


@dataclass(frozen=True, **SLOTS)
class Command:
    """One operator command; `args[i]` describes argument i, the last kind repeats."""

    name: str
    run: Callable[[Session, list[str]], None]
    forms: tuple[tuple[str, str], ...]
    args: tuple[Arg, ...] = (Arg.NONE,)

    def arg_kind(self, position: int) -> Arg:
        return self.args[min(position, len(self.args) - 1)]


A, N, ID, S, P = Arg.APPLICATION, Arg.NAMESPEC, Arg.IDENTIFIER, Arg.STRATEGY, Arg.PROGRAM
COMMANDS: tuple[Command, ...] = (
    Command(
        "sversion",
        st.sversion,
        (("sversion", "Get the Supvisors API version, then the supvisors_ext version"),),
    ),
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
    Command("core", st.core, (("core", "Get the core instances of the Supvisors cluster"),)),
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
    Command(
        "test_start_application",
        anyc.test_start_application,
        (
            ("test_start_application <strategy>", "Predict the start of every managed application"),
            (
                "test_start_application <strategy> <appli> <appli>",
                "Predict where the named applications would start (nothing is started)",
            ),
        ),
        (S, A),
    ),
    Command(
        "test_start_process",
        anyc.test_start_process,
        (
            (
                "test_start_process <strategy> <proc> <proc>",
                "Predict where the named processes would start (nothing is started)",
            ),
        ),
        (S, N),
    ),
    Command(
        "start_any_process",
        anyc.start_any_process,
        (
            (
                "start_any_process <strategy> <regex> <regex>",
                "Start one stopped process whose namespec matches each regular expression",
            ),
        ),
        (S, N),
    ),
    Command(
        "start_any_process_args",
        anyc.start_any_process_args,
        (
            (
                "start_any_process_args <strategy> <regex> <arg> <arg>",
                "Start one stopped process matching the regular expression, with extra arguments",
            ),
        ),
        (S, N, Arg.NONE),
    ),
    Command(
        "all_start",
        anyc.all_start,
        (
            (
                "all_start <proc>",
                "Start the process on every RUNNING instance (supervisor.startProcess)",
            ),
        ),
        (N, Arg.NONE),
    ),
    Command(
        "all_start_args",
        anyc.all_start_args,
        (
            (
                "all_start_args <proc> <arg> <arg>",
                "Start the process with extra arguments on every RUNNING instance (start_args)",
            ),
        ),
        (N, Arg.NONE),
    ),
    Command(
        "update_numprocs",
        prog.update_numprocs,
        (("update_numprocs <program> <numprocs>", "Change the numprocs of a program everywhere"),),
        (P, Arg.NONE),
    ),
    Command(
        "lazy_update_numprocs",
        prog.lazy_update_numprocs,
        (
            (
                "lazy_update_numprocs <program> <numprocs>",
                "Change the numprocs; processes in excess are removed when they stop",
            ),
        ),
        (P, Arg.NONE),
    ),
    Command(
        "enable",
        prog.enable,
        (("enable <program> <program>", "Enable the programs on every instance"),),
        (P,),
    ),
    Command(
        "disable",
        prog.disable,
        (("disable <program> <program>", "Stop and disable the programs on every instance"),),
        (P,),
    ),
    Command(
        "stats_status",
        stats.stats_status,
        (("stats_status", "Get the statistics collection status"),),
    ),
    Command(
        "enable_stats",
        stats.enable_stats,
        (
            ("enable_stats", "Enable the host and process statistics collection"),
            ("enable_stats host|process|all", "Enable the host or process statistics collection"),
        ),
        (Arg.STATISTICS,),
    ),
    Command(
        "disable_stats",
        stats.disable_stats,
        (
            ("disable_stats", "Disable the host and process statistics collection"),
            ("disable_stats host|process|all", "Disable the host or process statistics collection"),
        ),
        (Arg.STATISTICS,),
    ),
    Command(
        "stats_period",
        stats.stats_period,
        (("stats_period <seconds>", "Change the statistics collection period"),),
    ),
    Command("collection", collection, COLLECTION_FORMS, (Arg.COLLECTION,)),
    Command(
        "events",
        obs.events,
        (
            ("events", "Print every event of this instance as JSON lines until Ctrl-C"),
            ("events <topic> <topic>", "Print the events of these topics (process, hstats...)"),
        ),
        (Arg.TOPIC,),
    ),
    Command(
        "stats",
        obs.stats,
        (
            ("stats", "Show the recent CPU and memory of this instance as sparklines"),
            ("stats <id> [period]", "Same for an instance (it must be the addressed one)"),
            ("stats <proc> [period]", "Show the recent CPU and memory of processes"),
        ),
        (N, Arg.NONE),
    ),
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
