"""Stand-in for a bus check (`scen2_check_internal_data_bus`, `scen2_check_common_data_bus`).

Usage: scen2_check.py internal|common. Polls the data bus of its own group (internal) or
`common_data_bus` (common) on this instance and exits 0 as soon as the bus answers, or 1
after SCEN2_CHECK_TIMEOUT seconds (default 30). The rules declare it `wait_exit`: the next
start stage begins only when it has exited 0.
"""

from __future__ import annotations

import os
import sys
import time

import scen2_lib

POLL = 0.1


def main() -> int:
    scen2_lib.fail_if_injected()
    kind = sys.argv[1] if len(sys.argv) > 1 else "internal"
    bus_group = scen2_lib.COMMON_BUS if kind == "common" else scen2_lib.group_name()
    timeout = float(os.environ.get("SCEN2_CHECK_TIMEOUT") or 30)
    deadline = time.monotonic() + timeout
    scen2_lib.log(f"waiting for the data bus of {bus_group} (port {scen2_lib.bus_port(bus_group)})")
    while time.monotonic() < deadline:
        sock = scen2_lib.connect(bus_group)
        if sock is not None:
            sock.close()
            scen2_lib.log(f"the data bus of {bus_group} answers")
            return 0
        time.sleep(POLL)
    scen2_lib.log(f"the data bus of {bus_group} did not answer within {timeout:g} s")
    return 1


if __name__ == "__main__":
    sys.exit(main())
