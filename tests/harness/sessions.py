"""Signal and reap every process of a POSIX session.

Each supervisord is launched with ``start_new_session=True``, so its pid is the session id.
supervisord puts every program in its own process group (``options.setpgrp`` in
supervisor/process.py ``_spawn_as_child``), but the programs, and whatever they fork, keep
the session. Killing the session therefore means: find every member (``os.getsid``), and
signal each process group and each process; repeat until the session is empty, which also
catches a child forked between the scan and the signal.

Zombies count as gone: the pytest process reaps supervisord itself (``Popen.wait``), while
orphaned programs are reaped by init, which we do not control.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import psutil

from tests.harness.waiting import Deadline

KILL_TIMEOUT = 10.0
_POLL = 0.02


def session_processes(sid: int) -> list[psutil.Process]:
    """Live (non-zombie) processes whose session id is ``sid``, the leader first."""
    members: list[psutil.Process] = []
    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) == sid and proc.status() != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (OSError, psutil.Error):
            continue  # vanished while scanning
    members.sort(key=lambda proc: (proc.pid != sid, proc.pid))
    return members


def _process_groups(members: list[psutil.Process], sid: int) -> list[int]:
    groups: set[int] = set()
    for proc in members:
        with contextlib.suppress(OSError):
            groups.add(os.getpgid(proc.pid))
    # the leader's group (pgid == sid) first: a stopped supervisord cannot react to its children
    return sorted(groups, key=lambda pgid: (pgid != sid, pgid))


def signal_session(sid: int, sig: int) -> list[psutil.Process]:
    """Send ``sig`` to every process group and every process of the session; return members."""
    members = session_processes(sid)
    for pgid in _process_groups(members, sid):
        with contextlib.suppress(OSError):
            os.killpg(pgid, sig)
    for proc in members:
        with contextlib.suppress(psutil.Error):
            proc.send_signal(sig)  # psutil checks the pid was not reused
    return members


def kill_session(sid: int, timeout: float = KILL_TIMEOUT) -> list[psutil.Process]:
    """SIGKILL the whole session until it is empty; return the survivors (empty on success)."""
    deadline = Deadline(timeout)
    while True:
        members = signal_session(sid, signal.SIGKILL)
        if not members:
            return []
        if deadline.expired():
            return members
        time.sleep(_POLL)


def wait_session_empty(sid: int, timeout: float) -> list[psutil.Process]:
    """Poll until the session has no live process; return the survivors (empty on success)."""
    deadline = Deadline(timeout)
    while True:
        members = session_processes(sid)
        if not members or deadline.expired():
            return members
        time.sleep(_POLL)


def describe(processes: list[psutil.Process]) -> str:
    """One line per process: pid, pgid, status and command line."""
    lines = []
    for proc in processes:
        try:
            pgid = os.getpgid(proc.pid)
            lines.append(f"pid={proc.pid} pgid={pgid} {proc.status()} {' '.join(proc.cmdline())}")
        except (OSError, psutil.Error):
            lines.append(f"pid={proc.pid} (gone)")
    return "\n".join(lines)


def is_gone(proc: psutil.Process) -> bool:
    """True if the process ended (a zombie counts as ended)."""
    try:
        return not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def is_stopped(proc: psutil.Process) -> bool:
    """True if the process is stopped by a signal (SIGSTOP); False if gone."""
    try:
        return proc.status() in (psutil.STATUS_STOPPED, psutil.STATUS_TRACING_STOP)
    except psutil.Error:
        return False
