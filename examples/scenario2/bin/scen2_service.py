"""Stand-in for a service or a screen (every other scen2 program).

Usage: scen2_service.py [--common]. Connects to the internal data bus of its own group on
this instance (and to `common_data_bus` with --common), waiting for it if needed, then runs
until one of these buses goes away: it then exits 0, like a service that has lost its bus.
"""

from __future__ import annotations

import selectors
import sys
import time

import scen2_lib

RETRY = 0.2


def wait_connection(bus_group: str):  # -> socket.socket
    waiting = False
    while True:
        sock = scen2_lib.connect(bus_group)
        if sock is not None:
            scen2_lib.log(f"connected to the data bus of {bus_group}")
            return sock
        if not waiting:
            scen2_lib.log(f"waiting for the data bus of {bus_group}")
            waiting = True
        time.sleep(RETRY)


def main() -> int:
    scen2_lib.fail_if_injected()
    buses = [scen2_lib.group_name()]
    if "--common" in sys.argv[1:]:
        buses.append(scen2_lib.COMMON_BUS)
    selector = selectors.DefaultSelector()
    for bus_group in buses:
        selector.register(wait_connection(bus_group), selectors.EVENT_READ, bus_group)
    try:
        while True:
            for key, _ in selector.select():
                try:
                    data = key.fileobj.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    scen2_lib.log(f"the data bus of {key.data} is gone: exit")
                    return 0
    finally:
        for key in list(selector.get_map().values()):
            key.fileobj.close()
        selector.close()


if __name__ == "__main__":
    sys.exit(main())
