"""Supvisors control commands of docs/cli.md#supvisors-control: one RPC, one line."""

from __future__ import annotations

from supvisors_ext.cli import arguments
from supvisors_ext.cli.session import Session


def loglevel(session: Session, args: list[str]) -> None:
    level = arguments.log_level("loglevel", args)
    session.supvisors().change_log_level(level)
    session.out(f"loglevel set to {level}")


def conciliate(session: Session, args: list[str]) -> None:
    strategy = arguments.conciliation("conciliate", args)
    done = session.supvisors().conciliate(strategy)
    session.out(f"conciliate: {bool(done)}")


def restart_sequence(session: Session, args: list[str]) -> None:
    arguments.no_argument("restart_sequence", args)
    session.supvisors().restart_sequence(True)
    session.out("restart_sequence completed")


def sreload(session: Session, args: list[str]) -> None:
    arguments.no_argument("sreload", args)
    session.supvisors().restart()
    session.out("Supvisors restart requested")


def sshutdown(session: Session, args: list[str]) -> None:
    arguments.no_argument("sshutdown", args)
    session.supvisors().shutdown()
    session.out("Supvisors shutdown requested")


def end_sync(session: Session, args: list[str]) -> None:
    master = arguments.at_most_one("end_sync", args)
    session.supvisors().end_sync(master)
    session.out("end of synchronization requested")
