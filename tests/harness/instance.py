"""One supervisord instance: its files, its process (session), its XML-RPC clients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import xmlrpc.client
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import psutil

from tests.harness import sessions
from tests.harness.config import InstanceSpec, write_supervisord_conf
from tests.harness.netns import make_netns_proxy
from tests.harness.rpc import DEFAULT_RPC_TIMEOUT, RpcNamespace, make_proxy

#: the repository root, put on the PYTHONPATH of supervisord and its programs
REPO_ROOT = Path(__file__).resolve().parents[2]


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"--- {path}: (missing)"
    return f"--- {path} (last {lines} lines):\n" + "\n".join(text.splitlines()[-lines:])


class Instance:
    """A supervisord instance of a test cluster. Files live in ``folder``.

    ``sids`` keeps the session id of every launch (restarts included) so that teardown can
    kill whatever any of them left behind. With ``netns`` (a namespace host, see
    ``tests.harness.netns``), supervisord runs in that network namespace and the XML-RPC
    clients connect from inside it.
    """

    def __init__(
        self,
        spec: InstanceSpec,
        folder: Path,
        rpc_timeout: float = DEFAULT_RPC_TIMEOUT,
        netns: str | None = None,
    ):
        self.spec = spec
        self.netns = netns
        self.folder = folder
        self.rpc_timeout = rpc_timeout
        self.popen: subprocess.Popen[bytes] | None = None
        self.sids: list[int] = []
        self._output: IO[bytes] | None = None

    # ----- identity and files
    @property
    def nick(self) -> str:
        return self.spec.nick

    @property
    def http_port(self) -> int:
        return self.spec.http_port

    @property
    def internal_port(self) -> int:
        return self.spec.internal_port

    @property
    def identifier(self) -> str:
        """``127.0.0.1:<http_port>``."""
        return self.spec.identifier

    @property
    def url(self) -> str:
        return self.spec.url

    @property
    def conf_path(self) -> Path:
        return self.folder / "supervisord.conf"

    @property
    def log_path(self) -> Path:
        """supervisord's own log (the plugin logs there too with ``logfile = AUTO``)."""
        return self.folder / "supervisord.log"

    @property
    def output_path(self) -> Path:
        """supervisord's stdout + stderr: startup errors (``Error: ...``) and crash tracebacks."""
        return self.folder / "supervisord.out"

    @property
    def childlog_dir(self) -> Path:
        return self.folder / "childlog"

    # ----- XML-RPC
    def proxy(self, timeout: float | None = None) -> xmlrpc.client.ServerProxy:
        """A fresh ServerProxy whose calls time out (default ``rpc_timeout``)."""
        timeout = self.rpc_timeout if timeout is None else timeout
        if self.netns:
            return make_netns_proxy(self.netns, self.url, timeout)
        return make_proxy(self.url, timeout)

    def rpc(self, namespace: str, timeout: float | None = None) -> RpcNamespace:
        """``inst.rpc('system').listMethods()``: one fresh connection per call."""
        return RpcNamespace(lambda: self.proxy(timeout), namespace)

    @property
    def supervisor(self) -> RpcNamespace:
        """``inst.supervisor.getState()``."""
        return self.rpc("supervisor")

    @property
    def supvisors(self) -> RpcNamespace:
        """``inst.supvisors.get_supvisors_state()``."""
        return self.rpc("supvisors")

    # ----- process
    @property
    def pid(self) -> int | None:
        """Pid (= session id) of the current supervisord, None if never started."""
        return self.popen.pid if self.popen else None

    def is_alive(self) -> bool:
        """True if the current supervisord process has not exited."""
        return self.popen is not None and self.popen.poll() is None

    def returncode(self) -> int | None:
        """Exit status of the current supervisord (negative: killed by that signal)."""
        return self.popen.poll() if self.popen else None

    def processes(self) -> list[psutil.Process]:
        """Live processes of the current session: supervisord first, then its programs."""
        return sessions.session_processes(self.popen.pid) if self.popen else []

    def write_conf(self, options: Mapping[str, str] | None) -> Path:
        """(Re)write supervisord.conf from the spec and the final supvisors options."""
        return write_supervisord_conf(self.spec, self.folder, options)

    def launch(self) -> None:
        """Start ``supervisord -n -c conf`` in a new session (does not wait for it)."""
        if self.is_alive():
            raise RuntimeError(f"{self.nick}: supervisord already running (pid {self.pid})")
        self.reap()
        env = {**os.environ, **self.spec.env, "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        argv = [sys.executable, "-m", "supervisor.supervisord", "-n", "-c", str(self.conf_path)]
        if self.netns:  # `ip netns exec` execs the command: the pid stays the session id
            argv = ["ip", "netns", "exec", self.netns, *argv]
        self._output = self.output_path.open("ab")
        self.popen = subprocess.Popen(
            argv,
            cwd=self.folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.sids.append(self.popen.pid)

    def send_signal(self, sig: int) -> None:
        """Signal supervisord only (e.g. SIGHUP to make it restart itself)."""
        if self.is_alive():
            assert self.popen is not None
            self.popen.send_signal(sig)

    def signal_session(self, sig: int) -> list[psutil.Process]:
        """Signal every process group and process of the current session."""
        return sessions.signal_session(self.popen.pid, sig) if self.popen else []

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for supervisord to exit; return its status, or None on timeout."""
        if self.popen is None:
            return None
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill_all(self, timeout: float = sessions.KILL_TIMEOUT) -> list[psutil.Process]:
        """SIGKILL every session ever launched and reap supervisord; return survivors."""
        survivors: list[psutil.Process] = []
        for sid in self.sids:
            survivors += sessions.kill_session(sid, timeout)
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)  # not in its own session any more?!
            self.wait_exit(timeout)
        self.reap()
        return survivors

    def reap(self) -> None:
        """Close our copy of the output file once supervisord has exited."""
        if self._output is not None and (self.popen is None or self.popen.poll() is not None):
            self._output.close()
            self._output = None

    # ----- diagnostics
    def log_tail(self, lines: int = 40) -> str:
        """Tail of the supervisord log and of its stdout/stderr, with a status line."""
        status = "not started"
        if self.popen is not None:
            code = self.popen.poll()
            status = f"pid {self.popen.pid}, " + ("running" if code is None else f"exit {code}")
        header = f"===== {self.nick} ({self.identifier}, {status})"
        return "\n".join([header, _tail(self.log_path, lines), _tail(self.output_path, lines)])

    def __repr__(self) -> str:
        return f"Instance({self.nick!r}, {self.identifier!r}, pid={self.pid})"
