"""A real `SupvisorsPlugin` on supervisor's own doubles (`supervisor/tests/base.py`), with a fake
peer transport, for component tests stepped by hand.

Nothing runs by itself: no thread, no socket, no timer. A process changes state only when the
test (or supervisor's in-process `startProcess`/`stopProcess`) asks, and each change is handed to
the plugin as supervisord would, through `on_process_state`. Calls to peers are recorded by
`FakeCallers`; the test answers them with `answer(...)`, which goes through `PeerSync.handle`
as a real reply would.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from supervisor.process import ProcessStates
from supervisor.tests.base import (
    DummyOptions,
    DummyPConfig,
    DummyPGroupConfig,
    DummyProcess,
    DummyProcessGroup,
    DummySupervisor,
)

from supvisors_ext.config import parse_config
from supvisors_ext.faults import Fault
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.model import InstanceStates, NetworkInfo, SupvisorsStates
from supvisors_ext.net.peers import PeerReply
from supvisors_ext.rules import load_rules
from supvisors_ext.runtime import plugin as plugin_module
from supvisors_ext.runtime.plugin import SupvisorsPlugin
from tests.unit.test_config import make_host

LOCAL = "server_1"
PEER = "10.0.0.2:61000"


class Supervisord(DummySupervisor):
    """supervisor's double plus the `reap` that startProcess calls."""

    def reap(self) -> None:
        pass


class Process(DummyProcess):
    """A process whose state changes are reported to the plugin, as supervisord's events are."""

    on_change: Callable[[Any], None] = staticmethod(lambda process: None)

    def spawn(self) -> None:
        self.spawned = True
        self.laststart, self.pid = int(time.time()), 4242
        self.change(ProcessStates.RUNNING)

    def stop(self) -> None:
        self.stop_called = True
        self.laststop, self.pid = int(time.time()), 0
        self.change(ProcessStates.STOPPED)

    def change(self, state: int) -> None:
        self.state = state
        self.on_change(self)


class RecordingLogger:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __getattr__(self, level: str) -> object:
        return lambda msg: self.lines.append(f"{level.upper()} {msg}")


@dataclass
class Call:
    token: int
    identifier: str
    what: str
    job: Any


@dataclass
class FakeCallers:
    """Stands for `PeerCallers`: every call to a peer is recorded, none is sent."""

    calls: list[Call] = field(default_factory=list)

    def add(self, identifier: str, url: str) -> None:
        pass

    def submit(self, identifier: str, what: str, job: Any) -> int:
        self.calls.append(Call(len(self.calls) + 1, identifier, what, job))
        return len(self.calls)

    def stop(self, timeout: float = 2.0) -> list[str]:
        return []


class FakeBus:
    def __init__(self) -> None:
        self.published: list[Any] = []
        self.disconnected: list[str] = []

    def publish(self, message: Any) -> None:
        self.published.append(message)

    def connect(self, endpoint: Any) -> None:
        pass

    def disconnect(self, identifier: str) -> None:
        self.disconnected.append(identifier)


@dataclass
class Bench:
    plugin: SupvisorsPlugin
    supervisord: Any
    callers: FakeCallers
    logger: RecordingLogger
    bus: FakeBus

    def process(self, namespec: str) -> Process:
        group, _, name = namespec.partition(":")
        return self.supervisord.process_groups[group].processes[name or group]  # type: ignore[no-any-return]

    def answer(self, call: Call, value: object = None, fault: Fault | None = None) -> None:
        """The peer's reply to a recorded call, handled as the inbox would hand it over."""
        reply = PeerReply(call.identifier, call.token, call.what, value=value, fault=fault)
        self.plugin.sync.handle(reply)
        self.plugin.driver.step()

    def pending(self, what: str) -> list[Call]:
        return [call for call in self.callers.calls if call.what.startswith(what)]

    def peer_runs(self, namespec: str, info: Any) -> None:
        self.plugin.context.update_process(PEER, info, time.monotonic())


@contextlib.contextmanager
def patched_network() -> Iterator[None]:
    """No DNS nor interface scan: the local network facts are fixed."""
    saved = plugin_module.local_network_info
    plugin_module.local_network_info = lambda instance, stereotypes: NetworkInfo(
        instance.identifier, instance.nick, "rocky51", 61000, 61001, (), "rocky51", "00:00", ()
    )
    try:
        yield
    finally:
        plugin_module.local_network_info = saved


def make_group(options: Any, name: str, programs: dict[str, int]) -> DummyProcessGroup:
    configs = [DummyPConfig(options, program, "/bin/cat", startsecs=0) for program in programs]
    group = DummyProcessGroup(DummyPGroupConfig(options, name, pconfigs=configs))
    group.processes = {config.name: Process(config, programs[config.name]) for config in configs}
    for process in group.processes.values():
        process.group = group
    return group


def make_bench(
    tmp_path: Path,
    groups: dict[str, dict[str, int]],
    rules_xml: str = "",
    with_peer: bool = False,
) -> Iterator[Bench]:
    """A plugin in OPERATION, Master itself, over the given process groups (generator fixture)."""
    options = DummyOptions()
    options.server_configs = []
    options.configfile = str(tmp_path / "supervisord.conf")
    Path(options.configfile).write_text("[supervisord]\n")
    supervisord = Supervisord(options)
    supervisord.process_groups = {
        name: make_group(options, name, programs) for name, programs in groups.items()
    }
    listed = f"<{LOCAL}>rocky51:61000" + (f",{PEER}" if with_peer else "")
    config = parse_config({"supvisors_list": listed}, make_host(identifier=LOCAL)).config
    paths = []
    if rules_xml:
        (tmp_path / "rules.xml").write_text(rules_xml)
        paths.append(str(tmp_path / "rules.xml"))
    target = RecordingLogger()
    plugin = SupvisorsPlugin(
        supervisord, config, load_rules(paths), "", PluginLogger(target, False)
    )
    callers, bus = FakeCallers(), FakeBus()
    plugin.sync.callers, plugin.sync.bus = callers, bus  # type: ignore[assignment]
    Process.on_change = staticmethod(
        lambda process: plugin.events.on_process_state(SimpleNamespace(process=process))
    )
    for record in plugin.context.instances.values():
        record.state = InstanceStates.RUNNING
    plugin.fsm.state, plugin.fsm.master = SupvisorsStates.OPERATION, plugin.context.local_identifier
    try:
        yield Bench(plugin, supervisord, callers, target, bus)
    finally:
        Process.on_change = staticmethod(lambda process: None)
        plugin.adapter.unsubscribe_all()
