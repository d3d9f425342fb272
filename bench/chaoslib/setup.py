"""The soak's cluster: Scenario 2 with X=6 (3 servers, 3 consoles), tick 0.2 s.

On network-namespace hosts h1..h3 (server_N and console_N on hN, docs/multihost.md) where the
machine allows them, on 127.0.0.1 otherwise. Every program is a stand-in of the integration
layout whose command line carries the run's tag, so the OS processes of this run can be
counted (invariants.py) whatever session they ended in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.harness import Cluster, python_command
from tests.harness.netns import Network, unavailable
from tests.harness.programs import SLEEPER_CODE
from tests.harness.scenario import add_scenario2, scenario2_includes
from tests.integration.scenario2_layout import write_scenario2_etc
from tests.scenario2_facts import CONSOLE_PROGRAMS, RULES_FILE, SERVER_PROGRAMS

SERVERS = ("server_1", "server_2", "server_3")
CONSOLES = ("console_1", "console_2", "console_3")
NICKS = SERVERS + CONSOLES
ITEMS = 6
TICK, INACTIVITY = 0.2, 10  # 2 s of silence: a shared 2-core machine starves instances
OPTIONS = {
    "tick_period": TICK,
    "inactivity_ticks": INACTIVITY,
    "conciliation_strategy": "SENICIDE",
    "rules_files": str(RULES_FILE),
}


@dataclass
class Soak:
    """The cluster under test and what the faults may touch."""

    cluster: Cluster
    network: Network | None
    tag: str
    dead: set[str] = field(default_factory=set)  # killed, not started again yet

    @property
    def mode(self) -> str:
        return "netns" if self.network is not None else "loopback"

    def alive(self) -> list[str]:
        return [nick for nick in NICKS if nick not in self.dead]

    def host_of(self, nick: str) -> str:
        return f"h{nick.rsplit('_', 1)[1]}"

    def close(self) -> None:
        try:
            self.cluster.close()
        finally:
            if self.network is not None:
                self.network.close()


def tagged_commands(tag: str) -> dict[str, str]:
    """Each program's stand-in, with the run's tag and its name in its command line."""
    commands = {}
    for program in SERVER_PROGRAMS + CONSOLE_PROGRAMS:
        if "_check_" in program:
            commands[program] = python_command("import sys; sys.exit(0)", tag, program)
        else:
            commands[program] = python_command(SLEEPER_CODE, tag, program)
    return commands


def build(root: Path, network_mode: str) -> Soak:
    """`network_mode`: 'netns', 'loopback' or 'auto' (netns where allowed)."""
    reason = unavailable() if network_mode != "loopback" else "loopback asked"
    if network_mode == "netns" and reason:
        raise SystemExit(f"network namespaces unavailable: {reason}")
    tag = "chaos" + secrets.token_hex(4)
    etc = write_scenario2_etc(root / "etc", items=ITEMS, commands=tagged_commands(tag))
    cluster = Cluster(root / "cluster", supvisors_options=OPTIONS, name="chaos")
    network = None
    if reason:
        add_scenario2(cluster, etc_dir=etc, supvisors_options=OPTIONS)
    else:
        network = Network()
        hosts = {f"h{index}": network.add_host(f"h{index}") for index in (1, 2, 3)}
        options: dict[str, Any] = {**OPTIONS, "core_identifiers": ",".join(SERVERS)}
        for kind, nicks in (("server", SERVERS), ("console", CONSOLES)):
            for nick in nicks:
                host = hosts[f"h{nick.rsplit('_', 1)[1]}"]
                cluster.add(
                    nick,
                    host=host.address,
                    netns=host.netns,
                    include=scenario2_includes(kind, etc),
                    supvisors_options=options,
                )
    return Soak(cluster, network, tag)
