"""A hand-stepped control setup for the `Driver` and `RepairHandler` component tests.

Two instances, `a` (local) and `b`, both RUNNING. The local supervisord is supervisor's own
test double (`supervisor.tests.base`): `SupervisorAdapter` starts and stops its `DummyProcess`es
through supervisor's real `startProcess`/`stopProcess`. Peers are a `FakeSync` that records
every submitted call; a test answers them by hand with `PeerReply`s. Process events are fed to
the context by hand (`report`), as the plugin would on a supervisor event or a bus message, and
the driver is stepped by hand. No thread, socket or sleep.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from supervisor.process import ProcessStates as SupervisorStates
from supervisor.tests.base import (
    DummyLogger,
    DummyOptions,
    DummyPConfig,
    DummyPGroupConfig,
    DummyProcess,
    DummyProcessGroup,
    PopulatedDummySupervisor,
)

from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.status import ForcedState
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.model import InstanceStates, LocalProcessInfo, ProcessStates
from supvisors_ext.net.peers import PeerReply
from supvisors_ext.rules import Rules, load_rules
from supvisors_ext.runtime.driver import Driver
from tests.unit.jobkit import Cluster

P = ProcessStates
TICK = 1.0
# web: stage 1 `db` (required), stage 2 `app`; batch: started after web; core: never started
# automatically, its crash shuts the cluster down; misc: unmanaged
RULES = """<root>
  <application name="web">
    <start_sequence>1</start_sequence>
    <stop_sequence>2</stop_sequence>
    <starting_strategy>CONFIG</starting_strategy>
    <programs>
      <program name="db">
        <start_sequence>1</start_sequence>
        <required>true</required>
        <expected_loading>10</expected_loading>
        <running_failure_strategy>RESTART_APPLICATION</running_failure_strategy>
      </program>
      <program name="app">
        <start_sequence>2</start_sequence>
        <expected_loading>10</expected_loading>
        <running_failure_strategy>STOP_APPLICATION</running_failure_strategy>
      </program>
    </programs>
  </application>
  <application name="core">
    <programs>
      <program name="kernel">
        <running_failure_strategy>SHUTDOWN</running_failure_strategy>
      </program>
    </programs>
  </application>
  <application name="batch">
    <start_sequence>2</start_sequence>
    <stop_sequence>1</stop_sequence>
    <starting_strategy>CONFIG</starting_strategy>
    <programs>
      <program name="job">
        <start_sequence>1</start_sequence>
        <running_failure_strategy>RESTART_PROCESS</running_failure_strategy>
      </program>
    </programs>
  </application>
</root>
"""
GROUPS = {"web": ("db", "app"), "batch": ("job",), "core": ("kernel",), "misc": ("tool",)}


def make_rules(folder: Path) -> Rules:
    path = folder / "rules.xml"
    path.write_text(RULES, encoding="utf-8")
    return load_rules([str(path)])


@dataclass
class Submitted:
    """One call the driver queued for a peer."""

    identifier: str
    what: str
    on_reply: Callable[[PeerReply], None] | None
    token: int

    def answer(self, value: object = None, fault: object = None, error: str = "") -> None:
        assert self.on_reply is not None, f"{self.what}: nobody waits for its reply"
        reply = PeerReply(self.identifier, self.token, self.what, value, fault, error)  # type: ignore[arg-type]
        self.on_reply(reply)


@dataclass
class FakeSync:
    """The parts of `PeerSync` the driver uses: queued peer calls and forced-state publishing."""

    reachable: bool = True
    calls: list[Submitted] = field(default_factory=list)
    forced: list[tuple[str, str, ForcedState]] = field(default_factory=list)
    tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def submit(
        self,
        identifier: str,
        what: str,
        job: Callable[..., object],
        on_reply: Callable[[PeerReply], None] | None = None,
    ) -> int:
        if not self.reachable:
            return 0
        token = next(self.tokens)
        self.calls.append(Submitted(identifier, what, on_reply, token))
        return token

    def publish_forced(self, group: str, name: str, forced: ForcedState) -> None:
        self.forced.append((group, name, forced))

    def take(self, prefix: str) -> list[Submitted]:
        """The queued calls whose description starts with `prefix`, removed from the list."""
        taken = [call for call in self.calls if call.what.startswith(prefix)]
        self.calls = [call for call in self.calls if call not in taken]
        return taken


def local_supervisord(groups: dict[str, tuple[str, ...]]) -> PopulatedDummySupervisor:
    """supervisor's double with these groups, every process STOPPED."""
    options = DummyOptions()
    supervisord = PopulatedDummySupervisor(options, "unused")  # it brings `reap`
    supervisord.process_groups = {}
    for group, names in groups.items():
        configs = [DummyPConfig(options, name, f"/bin/{name}", startsecs=0) for name in names]
        process_group = DummyProcessGroup(DummyPGroupConfig(options, group, pconfigs=configs))
        process_group.processes = {
            config.name: DummyProcess(config, SupervisorStates.STOPPED) for config in configs
        }
        supervisord.process_groups[group] = process_group
    return supervisord


class Setup:
    """Context seen from `a`, supervisord double for `a`, fake peers, and the driver."""

    def __init__(self, folder: Path, master: str = "a") -> None:
        self.cluster = Cluster(("a", "b"), "a")
        self.cluster.context = Context(
            tuple(self.cluster.ids.values()), self.cluster.ids["a"], make_rules(folder)
        )
        for record in self.context.instances.values():
            record.state = InstanceStates.RUNNING
        self.master_nick = master
        self.supervisord = local_supervisord(GROUPS)
        self.log = DummyLogger()
        self.logger = PluginLogger(self.log, owns_target=False)
        self.adapter = SupervisorAdapter(self.supervisord, self.logger)
        self.sync = FakeSync()
        self.driver = Driver(
            self.context,
            self.adapter,
            self.sync,
            self.logger,
            TICK,
            self.master,  # type: ignore[arg-type]
        )
        self.wakeups = 0
        self.driver.wakeup = self._wakeup
        self.now = time.monotonic()

    @property
    def context(self) -> Context:
        return self.cluster.context

    def id(self, nick: str) -> str:
        return self.cluster.id(nick)

    def master(self) -> str:
        return self.id(self.master_nick) if self.master_nick else ""

    def _wakeup(self) -> None:
        self.wakeups += 1

    def configure(self, nick: str, groups: tuple[str, ...] = ("web", "batch", "misc")) -> None:
        for group in groups:
            self.cluster.configure(nick, group, GROUPS[group], self.now)

    def report(self, nick: str, namespec: str, state: ProcessStates, **kw: object) -> None:
        """A process event of `nick`, as the plugin feeds it (local event or bus message)."""
        # the plugin's clock: jobs and the failure scan compare with time.monotonic()
        self.now = max(self.now + 0.001, time.monotonic())
        group, name = namespec.split(":")
        self.cluster.report(nick, group, name, state, self.now, **kw)  # type: ignore[arg-type]

    def run(self, nick: str, namespec: str) -> None:
        self.report(nick, namespec, P.STARTING)
        self.report(nick, namespec, P.RUNNING)

    def dummy(self, namespec: str) -> DummyProcess:
        group, name = namespec.split(":")
        return self.supervisord.process_groups[group].processes[name]

    def spawn_local(self) -> list[str]:
        """Spawn the queued local starts; report each spawned one RUNNING on `a`; step."""
        queued = [command.namespec for command in self.driver.local_starts]
        self.driver.spawn_local_starts(limit=len(queued))
        spawned = [
            namespec
            for namespec in queued
            if self.dummy(namespec).spawned and not self.dummy(namespec).spawnerr
        ]
        for namespec in spawned:
            self.run("a", namespec)
        self.driver.step()
        return spawned

    def info(self, nick: str, namespec: str) -> LocalProcessInfo:
        group, name = namespec.split(":")
        return self.cluster.infos[(nick, group, name)]

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.log.data)
