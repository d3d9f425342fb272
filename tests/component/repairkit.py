"""A Master's (or follower's) repair handler on the real Driver, with doubles for supervisord
and the peers: the exact sequences of issue 14, replayed with explicit states, no processes.

The doubles record what the plugin would do: local starts/stops (adapter), remote calls
(sync.submit), forced states. `Fixture.step()` runs one driver pass, as after an event or tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from supvisors_ext.model import InstanceStates
from supvisors_ext.runtime import driver as driver_module
from supvisors_ext.runtime import repair as repair_module
from supvisors_ext.runtime.driver import Driver
from supvisors_ext.runtime.repair import RepairHandler, Role
from tests.unit.jobkit import Cluster, scenario2


class Logger:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def warn(self, msg: str) -> None:
        self.lines.append(msg)

    info = error = debug = warn


@dataclass
class Adapter:
    started: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)

    def start_process(self, namespec: str, extra_args: str) -> str:
        self.started.append(namespec)
        return ""

    def stop_process(self, namespec: str) -> None:
        self.stopped.append(namespec)


@dataclass
class Sync:
    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    def submit(self, identifier: str, what: str, job: Any, callback: Any) -> int:
        self.calls.append((identifier, what, callback))
        return len(self.calls)

    def publish_forced(self, *args: object) -> None:
        pass

    def remote(self, what: str) -> list[tuple[str, str]]:
        """(identifier, description) of the remote calls whose description starts with `what`."""
        return [(ident, desc) for ident, desc, _ in self.calls if desc.startswith(what)]


class Clock:
    """The monotonic time of the driver and repair modules, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class Fixture:
    """Scenario 2 seen from `local`, with `master` as the cluster's Master."""

    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, local: str = "server_1", master: str = "server_1"
    ) -> None:
        self.clock = Clock()
        monkeypatch.setattr(driver_module, "time", self.clock)
        monkeypatch.setattr(repair_module, "time", self.clock)
        self.cluster: Cluster = scenario2(local=local)
        self.master = master
        self.adapter, self.sync, self.logger = Adapter(), Sync(), Logger()
        self.driver = Driver(
            self.cluster.context,
            self.adapter,  # type: ignore[arg-type]
            self.sync,  # type: ignore[arg-type]
            self.logger,  # type: ignore[arg-type]
            0.2,
            lambda: self.cluster.id(self.master) if self.master else "",
        )
        self.repair = RepairHandler(
            self.cluster.context,
            self.driver,
            self.logger,
            lambda _s: None,  # type: ignore[arg-type]
        )
        self.role = Role.MASTER if local == master else Role.FOLLOWER
        self.deputy = False
        self.repair.deputy = lambda: self.deputy
        self.driver.after_step = lambda: self.repair.step(self.role, None)

    def id(self, nick: str) -> str:
        return self.cluster.id(nick)

    @property
    def now(self) -> float:
        return self.clock.now

    def advance(self, seconds: float) -> None:
        self.clock.now += seconds

    def run_all(self, nick: str, group: str, names: tuple[str, ...] | None = None) -> None:
        """Every (or these) non-wait_exit process of the group RUNNING on `nick` now."""
        for record in self.cluster.context.applications[group].processes.values():
            if names is None and not record.rules.wait_exit or names and record.name in names:
                self.cluster.run(nick, group, record.name, self.now)

    def lose(self, nick: str) -> None:
        self.cluster.set_instance(nick, InstanceStates.STOPPED)

    def step(self) -> None:
        self.driver.step()

    def refresh_grants(self) -> None:
        """The Master's grant refresh of each tick (plugin.refresh_grants), every peer alive
        and starting nothing."""
        starting = {self.id(self.master): self.driver.jobs.starting_applications()}
        alive = set(self.cluster.context.instances)
        self.driver.grants.refresh(starting, alive, self.now)

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.logger.lines)
