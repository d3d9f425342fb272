"""Disabled programs against supervisor 4's own Subprocess and startProcess (host/disabilities.py).

Pinned to supervisor 4: the spawn shadow relies on every spawn going through `process.spawn()`
and on `startProcess` calling it itself; a new supervisor major must pass these again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import supervisor
from supervisor.datatypes import RestartUnconditionally
from supervisor.process import ProcessStates, Subprocess
from supervisor.rpcinterface import SupervisorNamespaceRPCInterface
from supervisor.states import SupervisorStates
from supervisor.tests.base import (
    DummyOptions,
    DummyPConfig,
    DummyPGroupConfig,
    DummyProcessGroup,
    DummySupervisor,
)
from supervisor.xmlrpc import RPCError

from supvisors_ext.faults import SupvisorsFaults
from supvisors_ext.host.disabilities import (
    DisabilitiesFile,
    block_spawn,
    is_blocked,
    unblock_spawn,
)


def test_supervisor_major_is_pinned() -> None:
    version = getattr(supervisor, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        version = dist_version("supervisor")
    assert version.split(".")[0] == "4"


def _process(autostart: bool = True) -> tuple[Any, Subprocess]:
    options = DummyOptions()
    config = DummyPConfig(options, "cat", "/bin/cat", autostart=autostart)
    process = Subprocess(config)
    group = DummyProcessGroup(DummyPGroupConfig(options, "cat", pconfigs=[config]))
    group.processes = {"cat": process}
    process.group = group
    supervisord = DummySupervisor(options, "supervisor", {"cat": group})
    return supervisord, process


def test_blocked_process_is_not_spawned_by_transition(monkeypatch: pytest.MonkeyPatch) -> None:
    _, process = _process(autostart=True)
    process.config.options.mood = SupervisorStates.RUNNING
    spawned: list[Subprocess] = []
    monkeypatch.setattr(Subprocess, "spawn", lambda self: spawned.append(self))
    block_spawn(process)
    assert is_blocked(process)
    # transition() calls spawn() for a never-started autostart process
    process.transition()
    assert spawned == [] and process.get_state() == ProcessStates.STOPPED
    unblock_spawn(process)
    process.transition()
    assert spawned == [process]


def test_blocked_process_refused_by_start_process_with_disabled_fault() -> None:
    supervisord, process = _process()
    block_spawn(process)
    rpc = SupervisorNamespaceRPCInterface(supervisord)
    with pytest.raises(RPCError) as caught:
        rpc.startProcess("cat:cat", False)
    assert caught.value.code == SupvisorsFaults.DISABLED
    assert caught.value.text == "DISABLED: cat:cat"
    assert process.get_state() == ProcessStates.STOPPED


def test_start_process_group_reports_disabled_per_process() -> None:
    supervisord, process = _process()
    block_spawn(process)
    rpc = SupervisorNamespaceRPCInterface(supervisord)
    result = rpc.startProcessGroup("cat", False)
    results = result() if callable(result) else result
    assert [item["status"] for item in results] == [int(SupvisorsFaults.DISABLED)]


def test_unblock_gives_the_class_spawn_back() -> None:
    _, process = _process()
    block_spawn(process)
    block_spawn(process)  # idempotent
    unblock_spawn(process)
    assert not is_blocked(process)
    assert "spawn" not in vars(process)
    unblock_spawn(process)  # idempotent


def test_disabilities_file_round_trip(tmp_path: Path) -> None:
    store = DisabilitiesFile(str(tmp_path / "sub" / "disabilities.json"))
    assert store.load() == (set(), "")
    assert store.save({"b"}, {"a", "b"}) == ""
    assert json.loads((tmp_path / "sub" / "disabilities.json").read_text()) == {
        "a": False,
        "b": True,
    }
    assert store.load() == ({"b"}, "")


def test_disabilities_file_bad_content(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text("[1]")
    assert DisabilitiesFile(str(path)).load() == (
        set(),
        f"disabilities_file {path}: a JSON object is expected",
    )
    path.write_text("{")
    disabled, error = DisabilitiesFile(str(path)).load()
    assert disabled == set() and error.startswith("cannot read disabilities_file")


def test_memory_only_without_path() -> None:
    store = DisabilitiesFile("")
    assert store.save({"a"}, {"a"}) == ""
    assert store.load() == (set(), "")


def test_blocked_process_is_not_autorestarted(monkeypatch: pytest.MonkeyPatch) -> None:
    _, process = _process(autostart=False)
    process.config.options.mood = SupervisorStates.RUNNING
    process.config.autorestart = RestartUnconditionally
    process.state = ProcessStates.EXITED
    process.laststart = 1
    spawned: list[Subprocess] = []
    monkeypatch.setattr(Subprocess, "spawn", lambda self: spawned.append(self))
    block_spawn(process)
    process.transition()  # EXITED + autorestart: supervisord would respawn it here
    assert spawned == [] and process.get_state() == ProcessStates.EXITED
    unblock_spawn(process)
    process.transition()
    assert spawned == [process]
