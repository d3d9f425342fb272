"""What a command needs from its front-end: server connections, two output streams, a status.

Both front-ends (the ctlplugin and `supvisorsctl`) build one `Session` per command line and
close it afterwards: every connection it opened is closed then (supervisor's transport keeps
its HTTP connection open until closed).
"""

from __future__ import annotations

import errno
import xmlrpc.client
from collections.abc import Callable, Sequence
from typing import Any

SUCCESS, FAULT, USAGE = 0, 1, 2
# supervisorctl's LSBInitExitStatuses when the server is not there (Controller.upcheck)
UNIMPLEMENTED_FEATURE, INSUFFICIENT_PRIVILEGES, NOT_RUNNING = 3, 4, 7
UNKNOWN_METHOD = 1  # supervisor's Faults.UNKNOWN_METHOD


class UsageError(Exception):
    """Invalid arguments: the message, then (unless `show_help` is false) the help lines; exit 2."""

    def __init__(self, message: str, show_help: bool = True) -> None:
        super().__init__(message)
        self.show_help = show_help


class Unreachable(Exception):
    """The server did not answer the first call; the reason has been printed."""


class Session:
    """One command line: lazy checked connection, stdout/stderr writers, the exit status."""

    def __init__(
        self,
        connect: Callable[[], Any],
        out: Callable[[str], None],
        err: Callable[[str], None],
        *,
        serverurl: str = "",
        tty: bool = False,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self._connect = connect
        self._proxies: list[Any] = []
        self._main: Any = None
        self._names: dict[str, str] | None = None
        self.serverurl = serverurl
        self.credentials = credentials  # for the HTTP paths of `events` (not XML-RPC)
        self.out = out
        self.err = err
        self.tty = tty
        self.status = SUCCESS

    def server(self) -> Any:
        """A new connection (ServerProxy), closed with the session; one per thread."""
        proxy = self._connect()
        self._proxies.append(proxy)
        return proxy

    def supvisors(self) -> Any:
        """The `supvisors` namespace of the session's connection, checked on first use."""
        if self._main is None:
            proxy = self.server()
            status = upcheck(proxy, self.serverurl, self.out)
            if status:
                self.fail(status)
                raise Unreachable
            self._main = proxy
        return self._main.supvisors

    def close(self) -> None:
        for proxy in self._proxies:
            proxy("close")()
        self._proxies.clear()

    def fail(self, code: int = FAULT) -> None:
        """Record a failure; the highest code wins."""
        self.status = max(self.status, code)

    def error(self, subject: str, text: str) -> None:
        """`<subject>: ERROR (<text>)` on stderr, exit status 1 (or `ERROR (<text>)`)."""
        self.err(f"{subject}: ERROR ({text})" if subject else f"ERROR ({text})")
        self.fail(FAULT)

    def lines(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.out(line)

    def names(self) -> dict[str, str]:
        """Identifier -> nick of every instance, read once per command."""
        if self._names is None:
            infos = self.supvisors().get_all_instances_info()
            self._names = {info["identifier"]: info["nick_identifier"] for info in infos}
        return self._names


def upcheck(proxy: Any, serverurl: str, output: Callable[[str], None]) -> int:
    """supervisorctl's `Controller.upcheck` on our own connection: 0, or its exit status.

    `supervisor/supervisorctl.py` `upcheck` opens a connection of its own that it never
    closes; this one reuses the session's, with the same messages and statuses.
    """
    try:
        proxy.supervisor.getVersion()
    except xmlrpc.client.Fault as exc:
        if exc.faultCode != UNKNOWN_METHOD:
            raise
        output(
            "Sorry, supervisord responded but did not recognize the supervisor namespace "
            "commands that supervisorctl uses to control it.  Please check that the "
            "[rpcinterface:supervisor] section is enabled in the configuration file."
        )
        return UNIMPLEMENTED_FEATURE
    except OSError as exc:
        if exc.errno == errno.ECONNREFUSED:
            output(f"{serverurl} refused connection")
            return INSUFFICIENT_PRIVILEGES
        if exc.errno == errno.ENOENT:
            output(f"{serverurl} no such file")
            return NOT_RUNNING
        raise
    return SUCCESS


def fault_text(fault: xmlrpc.client.Fault) -> str:
    """The text of a fault: supervisor's `<FAULT_NAME>: <message>`."""
    return str(fault.faultString)
