"""Dynamic TCP port reservation on 127.0.0.1, safe with pytest-xdist workers in parallel.

A block of consecutive ports (HTTP port, then internal bus port = HTTP + 1, ...) is
reserved by taking an exclusive ``flock`` on one file per port in a directory shared by
every worker, then probe-binding each port. The locks are held until ``release()``, so two
workers (or two clusters of one worker) never get overlapping blocks; this also keeps the
HTTP ports of two instances at least ``span`` apart. The only race left is with programs
outside the harness binding a probed port before supervisord does: accepted.

The default range sits below Linux's ephemeral range (32768-60999) so that outgoing
connections do not steal our ports. Override with ``SUPVISORS_TEST_PORT_RANGE=low-high``.
"""

from __future__ import annotations

import fcntl
import os
import random
import socket
import tempfile
from pathlib import Path

DEFAULT_PORT_RANGE = (20000, 32000)
PORT_RANGE_ENV = "SUPVISORS_TEST_PORT_RANGE"
LOCK_DIR_ENV = "SUPVISORS_TEST_PORT_LOCKS"
LOOPBACK = "127.0.0.1"

_RANDOM = random.SystemRandom()  # not reseeded by pytest-randomly: workers draw differently


def port_range() -> tuple[int, int]:
    """Return the half-open range [low, high) where ports are drawn."""
    value = os.environ.get(PORT_RANGE_ENV, "").strip()
    if not value:
        return DEFAULT_PORT_RANGE
    low, _, high = value.partition("-")
    return int(low), int(high)


def lock_dir() -> Path:
    """Return (and create) the directory holding one lock file per reserved port."""
    default = Path(tempfile.gettempdir()) / "supvisors_ext-test-ports"
    path = Path(os.environ.get(LOCK_DIR_ENV) or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Tell whether a TCP listener could bind ``host:port`` now (SO_REUSEADDR, like supervisord)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class PortBlock:
    """Consecutive ports ``base .. base + span - 1`` held by file locks until released."""

    def __init__(self, base: int, fds: list[int]) -> None:
        self.base = base
        self._fds = fds

    @property
    def ports(self) -> list[int]:
        """All the ports of the block."""
        return [self.base + offset for offset in range(len(self._fds))]

    @property
    def held(self) -> bool:
        """True until ``release()``."""
        return bool(self._fds)

    def release(self) -> None:
        """Drop the locks (idempotent). The ports may then be handed to another test."""
        fds, self._fds = self._fds, []
        for fd in fds:
            os.close(fd)  # closing the descriptor drops its flock

    def __repr__(self) -> str:
        return f"PortBlock(base={self.base}, span={len(self._fds)})"


def _lock_port(directory: Path, port: int) -> int | None:
    """Take the lock of one port, or return None if another holder has it."""
    fd = os.open(directory / f"{port}.lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def try_reserve(base: int, span: int = 2, directory: Path | None = None) -> PortBlock | None:
    """Reserve exactly ``base .. base + span - 1`` or return None (locked elsewhere or bound)."""
    directory = directory or lock_dir()
    fds: list[int] = []
    for port in range(base, base + span):
        fd = _lock_port(directory, port)
        if fd is None:
            break
        fds.append(fd)
        if not port_is_free(port):
            break
    else:
        return PortBlock(base, fds)
    for fd in fds:
        os.close(fd)
    return None


def reserve_ports(span: int = 2, attempts: int = 1000) -> PortBlock:
    """Reserve ``span`` consecutive free ports at a random place of ``port_range()``."""
    low, high = port_range()
    directory = lock_dir()
    for _ in range(attempts):
        block = try_reserve(_RANDOM.randrange(low, high - span + 1), span, directory)
        if block is not None:
            return block
    raise RuntimeError(f"no {span} consecutive free ports found in [{low}, {high})")
