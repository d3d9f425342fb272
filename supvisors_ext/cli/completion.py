"""Tab completion of our commands' arguments; any other line goes to supervisorctl's completer.

readline calls `complete(text, state)` for state 0, 1, ... until it gets None: candidates are
computed (with their RPCs) at state 0 only. An RPC error yields no candidate, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from supvisors_ext.cli.arguments import CONCILIATION, LOG_LEVELS, STARTING
from supvisors_ext.cli.collection import SUBCOMMANDS
from supvisors_ext.cli.commands import TABLE, Arg
from supvisors_ext.cli.stats_commands import KINDS
from supvisors_ext.client import TOPICS

# the signal names supervisor accepts (`supervisor/options.py` signal_number), most used first
SIGNALS = ("HUP", "INT", "QUIT", "KILL", "TERM", "USR1", "USR2", "STOP", "CONT")

Delegate = Callable[..., Any]


def _line_buffer() -> str:
    import readline  # only in interactive mode, where it exists

    return readline.get_line_buffer()


def position_of(line: str) -> tuple[list[str], int]:
    """The words of the line and the index (after the command) of the word being completed."""
    words = line.split()
    position = len(words) - 1 if line.endswith(" ") else len(words) - 2
    return words, position


class Completer:
    """Wraps supervisorctl's `Controller.complete`."""

    def __init__(
        self,
        connect: Callable[[], Any],
        delegate: Delegate,
        line_buffer: Callable[[], str] = _line_buffer,
    ) -> None:
        self._connect = connect
        self._delegate = delegate
        self._line_buffer = line_buffer
        self._matches: list[str] = []

    def complete(self, text: str, state: int, line: str | None = None) -> str | None:
        if line is None:
            line = self._line_buffer()
        words, position = position_of(line)
        if position < 0 or words[0] not in TABLE:
            return self._delegate(text, state, line)
        if state == 0:
            self._matches = self.candidates(words, position, text)
        return self._matches[state] if state < len(self._matches) else None

    def candidates(self, words: list[str], position: int, text: str) -> list[str]:
        command = TABLE[words[0]]
        if command.name == "collection":
            names = self._collection(words, position)
        else:
            names = self._values(command.arg_kind(position))
        return [name + " " for name in names if name.startswith(text)]

    def _collection(self, words: list[str], position: int) -> list[str]:
        """Sub-command, then (after `signal`) a signal name, then collection names."""
        if position == 0:
            return list(SUBCOMMANDS)
        if position == 1 and words[1] == "signal":
            return list(SIGNALS)
        return self._values(Arg.COLLECTION)

    def _values(self, kind: Arg) -> list[str]:
        fixed = {
            Arg.STRATEGY: STARTING,
            Arg.CONCILIATION: CONCILIATION,
            Arg.LOG_LEVEL: LOG_LEVELS,
            Arg.STATISTICS: KINDS,
            Arg.TOPIC: TOPICS,
        }
        if kind in fixed:
            return list(fixed[kind])
        if kind is Arg.NONE:
            return []
        proxy = None
        try:
            proxy = self._connect()
            return self._remote(kind, proxy.supvisors)
        except Exception:  # noqa: BLE001 - an exception would break readline's loop
            return []
        finally:
            if proxy is not None:
                proxy("close")()

    @staticmethod
    def _remote(kind: Arg, rpc: Any) -> list[str]:
        if kind is Arg.APPLICATION:
            return [info["application_name"] for info in rpc.get_all_applications_info()]
        if kind is Arg.IDENTIFIER:
            names = []
            for info in rpc.get_all_instances_info():
                names += [info["identifier"], info["nick_identifier"]]
            return sorted(set(names))
        if kind is Arg.NAMESPEC:
            names = []
            for info in rpc.get_all_process_info():
                group = info["application_name"]
                names += [f"{group}:*", f"{group}:{info['process_name']}"]
            return list(dict.fromkeys(names))
        if kind is Arg.PROGRAM:
            return _program_names(rpc)
        return [item["name"] for item in rpc.list_collections()]


def _program_names(rpc: Any) -> list[str]:
    """The program names of the addressed instance.

    `get_all_local_process_info` gives `program_name` where the server knows it (Supvisors
    does); otherwise the process name, which is the program name unless numprocs renames it.
    """
    names = [info.get("program_name") or info["name"] for info in rpc.get_all_local_process_info()]
    return sorted(set(names))
