"""A hand-built cluster for the job tests: Scenario 2 rules, instances, process infos, no I/O.

`Cluster` holds a `Context` seen from one instance, every instance RUNNING, and feeds it
`LocalProcessInfo` records the way the plugin does (`context.update_process`), with explicit
monotonic times. Wall-clock spawn times (`start`) advance by one second per spawn.
"""

from __future__ import annotations

import functools
from pathlib import Path

from supvisors_ext.cluster.context import Context, ProcessRecord
from supvisors_ext.model import InstanceId, InstanceStates, LocalProcessInfo, ProcessStates
from supvisors_ext.rules import Rules, load_rules
from tests.scenario2_facts import CONSOLE_PROGRAMS, RULES_FILE, SERVER_PROGRAMS

P = ProcessStates
ROOT = Path(__file__).resolve().parents[2]
SCENARIO2 = RULES_FILE
SERVERS = ("server_1", "server_2", "server_3")
CONSOLES = ("console_1", "console_2", "console_3")
SRV_LOAD = 42
BUS, CHECK = "scen2_internal_data_bus", "scen2_check_internal_data_bus"
STAGE3 = (
    "scen2_check_common_data_bus",
    "scen2_config_manager",
    "scen2_data_processing",
    "scen2_sensor_acquisition",
)
INTERFACE = "scen2_common_bus_interface"


@functools.cache
def scenario2_rules() -> Rules:
    return load_rules([str(SCENARIO2)])


def instance_id(nick: str, index: int) -> InstanceId:
    port = 60000 + index
    return InstanceId(f"10.0.0.{index}:{port}", nick, f"10.0.0.{index}", port, port + 1000)


class Cluster:
    """A Context seen from `local` (a nick), with helpers to report process states."""

    def __init__(
        self, nicks: tuple[str, ...] = SERVERS + CONSOLES, local: str | None = None
    ) -> None:
        self.ids = {nick: instance_id(nick, index) for index, nick in enumerate(nicks, 1)}
        local_id = self.ids[local or nicks[0]]
        self.context = Context(tuple(self.ids.values()), local_id, scenario2_rules())
        for record in self.context.instances.values():
            record.state = InstanceStates.RUNNING
        self.wall = 1_000_000
        self.infos: dict[tuple[str, str, str], LocalProcessInfo] = {}

    def id(self, nick: str) -> str:
        return self.ids[nick].identifier

    def set_instance(self, nick: str, state: InstanceStates) -> None:
        self.context.instances[self.id(nick)].state = state

    def configure(self, nick: str, group: str, programs: tuple[str, ...], now: float = 0.0) -> None:
        """The group's programs exist, STOPPED and never started, on that instance."""
        for name in programs:
            self.report(nick, group, name, P.STOPPED, now)

    def report(
        self,
        nick: str,
        group: str,
        name: str,
        state: ProcessStates,
        now: float,
        *,
        expected: bool = True,
        startsecs: int = 1,
        stopwaitsecs: int = 10,
        respawn_same_second: bool = False,
    ) -> LocalProcessInfo:
        """Feed the instance's new record of a process (STARTING means a new spawn)."""
        key = (nick, group, name)
        previous = self.infos.get(key)
        start = previous.start if previous else 0
        start_monotonic = previous.start_monotonic if previous else 0.0
        stop = previous.stop if previous else 0
        stop_monotonic = previous.stop_monotonic if previous else 0.0
        if state == P.STARTING:  # every STARTING is a spawn (BACKOFF respawns too)
            if not (respawn_same_second and previous):
                self.wall += 1
                start = self.wall
            start_monotonic = now
        elif state in (P.STOPPED, P.EXITED, P.FATAL) and previous and start:
            stop, stop_monotonic = self.wall, now
        info = LocalProcessInfo(
            group=group,
            name=name,
            state=state,
            start=start,
            stop=stop,
            now=self.wall,
            pid=4242 if state in (P.RUNNING, P.STARTING, P.STOPPING) else 0,
            description="",
            spawnerr="",
            expected=expected,
            start_monotonic=start_monotonic,
            stop_monotonic=stop_monotonic,
            now_monotonic=now,
            extra_args="",
            startsecs=startsecs,
            stopwaitsecs=stopwaitsecs,
            program_name=name,
            process_index=0,
            disabled=False,
            has_stdout=True,
            has_stderr=True,
        )
        self.infos[key] = info
        assert self.context.update_process(self.id(nick), info, now)
        return info

    def run(self, nick: str, group: str, name: str, now: float) -> None:
        """Spawned and RUNNING at `now`."""
        self.report(nick, group, name, P.STARTING, now)
        self.report(nick, group, name, P.RUNNING, now)

    def exit_ok(self, nick: str, group: str, name: str, now: float) -> None:
        """A wait_exit check: spawned, ran and exited with an expected code at `now`."""
        self.run(nick, group, name, now)
        self.report(nick, group, name, P.EXITED, now)

    def record(self, group: str, name: str) -> ProcessRecord:
        record = self.context.find_process(group, name)
        assert record is not None
        return record


def scenario2(
    servers: tuple[str, ...] = SERVERS, consoles: tuple[str, ...] = CONSOLES, local: str = ""
) -> Cluster:
    """scen2_srv_01..03 on every server, scen2_hci_01..03 on every console, all STOPPED."""
    cluster = Cluster(servers + consoles, local or (servers + consoles)[0])
    for index in (1, 2, 3):
        for nick in servers:
            cluster.configure(nick, f"scen2_srv_{index:02}", SERVER_PROGRAMS)
        for nick in consoles:
            cluster.configure(nick, f"scen2_hci_{index:02}", CONSOLE_PROGRAMS)
    return cluster
