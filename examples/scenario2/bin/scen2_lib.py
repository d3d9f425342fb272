"""Helpers shared by the Scenario 2 stand-in programs (standard library only).

Each scen2 program is a small Python script started by supervisord. The data buses are
real TCP servers on 127.0.0.1; the checks and the services are their clients. Ports:

    port = SCEN2_BUS_PORT_BASE + SCEN2_INSTANCE_INDEX * SCEN2_BUS_PORT_STRIDE + item

where `item` is the number ending the group name (`scen2_srv_02` -> 2) and 0 for
`common_data_bus`, and the instance index is 0..5 for server_1..3, console_1..3 (set by
scenario2.py for each supervisord, inherited by its programs). Two items or two instances
never share a port as long as `item < SCEN2_BUS_PORT_STRIDE`.

Fault injection: when `SCEN2_FAULTS` names a file, a program whose namespec
(`group:process`) matches one of its lines (fnmatch patterns, `#` comments) exits 1 at once.
The file is read at each program start, so faults can be added or removed at any time.
"""

from __future__ import annotations

import fnmatch
import os
import re
import socket
import sys
import time

LOOPBACK = "127.0.0.1"
DEFAULT_PORT_BASE = 63000
DEFAULT_PORT_STRIDE = 100
COMMON_BUS = "common_data_bus"
HELLO = "SCEN2-BUS"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def group_name() -> str:
    """The supervisord group of this process (supervisord sets SUPERVISOR_GROUP_NAME)."""
    return os.environ.get("SUPERVISOR_GROUP_NAME", "scen2_test_01")


def namespec() -> str:
    """`group:process` of this process."""
    process = os.environ.get("SUPERVISOR_PROCESS_NAME", os.path.basename(sys.argv[0]))
    return f"{group_name()}:{process}"


def log(message: str) -> None:
    """One line on stdout (supervisord's child log), flushed at once."""
    print(f"{time.strftime('%H:%M:%S')} {namespec()} [{os.getpid()}]: {message}", flush=True)


def fail_if_injected() -> None:
    """Exit 1 at once when SCEN2_FAULTS lists this namespec."""
    path = os.environ.get("SCEN2_FAULTS", "")
    if not path or not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as stream:
        patterns = [line.split("#", 1)[0].strip() for line in stream]
    if any(pattern and fnmatch.fnmatchcase(namespec(), pattern) for pattern in patterns):
        log(f"fault injected by {path}: exit 1")
        sys.exit(1)


def item_of(group: str) -> int:
    """0 for common_data_bus, NN for a group named `<anything>_NN`."""
    if group == COMMON_BUS:
        return 0
    match = re.search(r"_(\d+)$", group)
    if match is None:
        raise SystemExit(f"{group}: the group name does not end with an item number")
    return int(match.group(1))


def bus_port(bus_group: str) -> int:
    """TCP port of the data bus of `bus_group` on this instance."""
    stride = _env_int("SCEN2_BUS_PORT_STRIDE", DEFAULT_PORT_STRIDE)
    item = item_of(bus_group)
    if item >= stride:
        raise SystemExit(f"item {item} does not fit in SCEN2_BUS_PORT_STRIDE={stride}")
    base = _env_int("SCEN2_BUS_PORT_BASE", DEFAULT_PORT_BASE)
    return base + _env_int("SCEN2_INSTANCE_INDEX", 0) * stride + item


def hello(bus_group: str) -> bytes:
    """The line a bus sends to every client that connects."""
    return f"{HELLO} {bus_group}\n".encode()


def connect(bus_group: str, timeout: float = 0.5) -> socket.socket | None:
    """A connection to the bus of `bus_group` once it has said hello, or None."""
    try:
        sock = socket.create_connection((LOOPBACK, bus_port(bus_group)), timeout=timeout)
    except OSError:
        return None
    try:
        expected = hello(bus_group)
        received = b""
        while not received.endswith(b"\n") and len(received) < len(expected):
            chunk = sock.recv(len(expected) - len(received))
            if not chunk:
                break
            received += chunk
        if received == expected:
            sock.settimeout(None)
            return sock
    except OSError:
        pass
    sock.close()
    return None
