"""Every waiting (deferred) RPC of the `supvisors` namespace, stepped by hand on a real plugin
over supervisor's doubles, peers faked at the call level (`tests/component/plugin_kit.py`)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from supervisor.http import NOT_DONE_YET
from supervisor.options import NotFound
from supervisor.process import ProcessStates
from supervisor.xmlrpc import Faults, RPCError

from supvisors_ext.collections import CollectionDef
from supvisors_ext.faults import Fault, SupvisorsFaults
from supvisors_ext.host.mainloop import Inbox
from supvisors_ext.messages import ProcessMessage
from supvisors_ext.model import LocalProcessInfo
from supvisors_ext.model import ProcessStates as ModelStates
from supvisors_ext.net.bus_thread import Inbound
from supvisors_ext.rpc import processes as rpc_processes
from supvisors_ext.rpcinterface import SupvisorsNamespace, compose_namespace
from tests.component.plugin_kit import PEER, Bench, make_bench

RULES = """<?xml version="1.0" encoding="UTF-8"?>
<root>
  <application name="web">
    <start_sequence>1</start_sequence>
    <stop_sequence>1</stop_sequence>
    <programs>
      <program pattern=".*"><start_sequence>1</start_sequence></program>
    </programs>
  </application>
</root>
"""
GROUPS = {
    "web": {"nginx": ProcessStates.STOPPED, "gunicorn": ProcessStates.STOPPED},
    "tools": {"probe": ProcessStates.STOPPED},
}
COLLECTION = CollectionDef("tier", 1, ("nginx", "probe"), ())


class Service:
    """The collection definitions the namespace reads (one collection)."""

    def get(self, name: str) -> CollectionDef | None:
        return COLLECTION if name == COLLECTION.name else None

    def ordered(self) -> list[CollectionDef]:
        return [COLLECTION]


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    yield from make_bench(tmp_path, GROUPS, RULES)


@pytest.fixture
def peer_bench(tmp_path: Path) -> Iterator[Bench]:
    yield from make_bench(tmp_path, GROUPS, RULES, with_peer=True)


def namespace(bench: Bench) -> SupvisorsNamespace:
    return compose_namespace(bench.plugin, Service)


def settle(bench: Bench, result: object, limit: int = 20) -> object:
    """Poll a deferred result as supervisord does, spawning queued local starts in between."""
    for _ in range(limit):
        if not callable(result):
            return result
        assert result.delay > 0  # type: ignore[attr-defined]
        bench.plugin.driver.spawn_local_starts()
        value = result()
        if value is not NOT_DONE_YET:
            return value
    raise AssertionError("the deferred result never completed")


def states(bench: Bench, *namespecs: str) -> list[int]:
    return [bench.process(namespec).state for namespec in namespecs]


def test_start_process_waits_for_the_spawn(bench: Bench) -> None:
    rpc = namespace(bench)
    deferred = rpc.start_process("CONFIG", "tools:probe")
    assert callable(deferred) and deferred() is NOT_DONE_YET  # queued, not spawned yet
    bench.plugin.driver.spawn_local_starts()
    assert deferred() is True
    assert states(bench, "tools:probe") == [ProcessStates.RUNNING]
    with pytest.raises(RPCError) as info:
        rpc.start_process("CONFIG", "tools:probe")
    assert info.value.code == Faults.ALREADY_STARTED


def test_stop_and_restart_process(bench: Bench) -> None:
    rpc = namespace(bench)
    assert settle(bench, rpc.start_process("CONFIG", "tools:probe", "", False)) is True
    bench.plugin.driver.spawn_local_starts()
    assert settle(bench, rpc.restart_process("CONFIG", "tools:probe", "-v")) is True
    assert bench.process("tools:probe").stop_called
    assert bench.plugin.adapter.extra_args[("tools", "probe")] == "-v"
    assert settle(bench, rpc.stop_process("tools:probe")) is True
    assert states(bench, "tools:probe") == [ProcessStates.STOPPED]
    with pytest.raises(RPCError) as info:
        rpc.stop_process("tools:probe")
    assert info.value.code == Faults.NOT_RUNNING


def test_application_start_stop_restart(bench: Bench) -> None:
    rpc = namespace(bench)
    assert settle(bench, rpc.start_application("CONFIG", "web")) is True
    assert states(bench, "web:nginx", "web:gunicorn") == [ProcessStates.RUNNING] * 2
    with pytest.raises(RPCError) as info:
        rpc.start_application("CONFIG", "web")
    assert info.value.code == Faults.ALREADY_STARTED
    assert settle(bench, rpc.restart_application("CONFIG", "web")) is True
    assert states(bench, "web:nginx", "web:gunicorn") == [ProcessStates.RUNNING] * 2
    assert settle(bench, rpc.stop_application("web")) is True
    assert states(bench, "web:nginx", "web:gunicorn") == [ProcessStates.STOPPED] * 2
    with pytest.raises(RPCError) as info:
        rpc.stop_application("tools")
    assert info.value.code == SupvisorsFaults.NOT_MANAGED


def test_restart_sequence_starts_what_never_ran(bench: Bench) -> None:
    rpc = namespace(bench)
    assert settle(bench, rpc.restart_sequence()) is True
    assert states(bench, "web:nginx", "web:gunicorn") == [ProcessStates.RUNNING] * 2
    with pytest.raises(RPCError) as info:
        rpc.restart_sequence()
    assert info.value.code == Faults.ABNORMAL_TERMINATION  # nothing left to start


def test_start_args_local_spawn_and_spawn_errors(bench: Bench) -> None:
    rpc = namespace(bench)
    assert rpc.start_args("tools:probe", "", False) is True  # queued for the next loop pass
    assert bench.plugin.driver.local_starts
    bench.plugin.driver.spawn_local_starts()
    assert states(bench, "tools:probe") == [ProcessStates.RUNNING]
    bench.process("web:nginx").execv_arg_exception = NotFound
    with pytest.raises(RPCError) as info:
        rpc.start_args("web:nginx", "", False)
    assert (info.value.code, info.value.text) == (Faults.NO_FILE, "NO_FILE: whatever")
    view = bench.plugin.context.applications["web"].processes["nginx"].view()
    assert view.state.name == "FATAL"  # forced, with the reason


def test_a_remote_master_admits_or_refuses_the_start(peer_bench: Bench) -> None:
    bench = peer_bench
    bench.plugin.fsm.master = PEER
    rpc = namespace(bench)
    deferred = rpc.start_application("CONFIG", "web")
    assert deferred() is NOT_DONE_YET  # the Master has not answered yet
    [admission] = bench.pending("admit_start(web)")
    bench.answer(admission, value="")  # granted
    assert settle(bench, deferred) is True
    # a refusal with a fault: BAD_SUPVISORS_STATE, carried as a value, never parsed
    settle(bench, rpc.stop_application("web"))
    deferred = rpc.start_application("CONFIG", "web")
    [_, admission] = bench.pending("admit_start(web)")
    bench.answer(admission, fault=Fault(101, "BAD_SUPVISORS_STATE: not the Master"))
    with pytest.raises(RPCError) as info:
        settle(bench, deferred)
    assert info.value.code == SupvisorsFaults.BAD_SUPVISORS_STATE
    assert "BAD_SUPVISORS_STATE: not the Master" in info.value.text


def test_the_start_job_begins_with_the_masters_answer(peer_bench: Bench) -> None:
    """A waiting start_application does not wait for supervisord's next poll of the call (up to
    POLL_DELAY later) to begin its job: the Master's answer begins it (issue 18)."""
    bench = peer_bench
    bench.plugin.fsm.master = PEER
    rpc = namespace(bench)
    deferred = rpc.start_application("CONFIG", "web")
    assert deferred() is NOT_DONE_YET
    assert bench.plugin.driver.jobs.start_jobs == {}
    [admission] = bench.pending("admit_start(web)")
    bench.answer(admission, value="")  # granted: no poll of the call in between
    assert list(bench.plugin.driver.jobs.start_jobs) == ["web"]
    bench.plugin.driver.spawn_local_starts()
    assert ProcessStates.STARTING in states(bench, "web:nginx", "web:gunicorn") or (
        ProcessStates.RUNNING in states(bench, "web:nginx", "web:gunicorn")
    )
    assert settle(bench, deferred) is True  # the call then follows the job to its end


def test_every_wait_has_a_deadline(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rpc_processes, "WAIT_LIMIT", -1.0)
    with pytest.raises(RPCError) as info:  # the first step already finds the deadline past
        namespace(bench).start_process("CONFIG", "tools:probe")
    assert info.value.code == Faults.FAILED
    assert "no end within" in info.value.text


def test_collections_give_one_result_per_member(bench: Bench) -> None:
    rpc = namespace(bench)
    assert rpc.list_collections() == [COLLECTION.to_payload()]
    results = settle(bench, rpc.start_collection("tier"))
    assert [(r["group"], r["name"], r["status"]) for r in results] == [  # type: ignore[attr-defined]
        ("web", "nginx", Faults.SUCCESS),
        ("tools", "probe", Faults.SUCCESS),
    ]
    assert settle(bench, rpc.start_collection("tier")) == []
    results = settle(bench, rpc.signal_collection("tier", "HUP"))
    assert [r["status"] for r in results] == [Faults.SUCCESS] * 2  # type: ignore[attr-defined]
    with pytest.raises(RPCError) as info:
        rpc.signal_collection("tier", "NOPE")
    assert info.value.code == Faults.BAD_SIGNAL
    results = settle(bench, rpc.stop_collection("tier"))
    assert [r["status"] for r in results] == [Faults.SUCCESS] * 2  # type: ignore[attr-defined]
    assert states(bench, "web:nginx", "tools:probe") == [ProcessStates.STOPPED] * 2


def test_a_peer_fault_is_a_member_result(peer_bench: Bench) -> None:
    bench = peer_bench
    now = time.monotonic()
    info = bench.plugin.adapter.local_info(bench.process("tools:probe"), now)
    running = dataclasses.replace(info, state=ProcessStates.RUNNING, pid=99)
    bench.plugin.context.update_process(PEER, running, now)
    deferred = namespace(bench).signal_collection("tier", "HUP")
    assert deferred() is NOT_DONE_YET
    [call] = bench.pending("signalProcess(tools:probe)")
    bench.answer(call, fault=Fault(70, "NOT_RUNNING: tools:probe"))
    assert settle(bench, deferred) == [
        {"name": "probe", "group": "tools", "status": 70, "description": "NOT_RUNNING: tools:probe"}
    ]


def _peer_info(group: str, name: str, state: int, now: float) -> LocalProcessInfo:
    running = state == ProcessStates.RUNNING
    return LocalProcessInfo(
        group=group, name=name, state=ModelStates(state), start=1, stop=0 if running else 2,
        now=2, pid=4242 if running else 0, description="", spawnerr="", expected=True,
        start_monotonic=now - 1, stop_monotonic=0.0 if running else now, now_monotonic=now,
        extra_args="", startsecs=0, stopwaitsecs=10, program_name=name, process_index=0,
        disabled=False, has_stdout=True, has_stderr=True,
    )  # fmt: skip


def test_admission_applies_the_waiting_bus_news_first(peer_bench: Bench) -> None:
    """A stop that ended on a peer just before an admission request may still wait in the
    Master's inbox (the HTTP request served first in the same loop pass): the admission applies
    it before deciding, instead of refusing a stale ALREADY_STARTED."""
    rpc = namespace(peer_bench)
    now = time.monotonic()
    for name in ("nginx", "gunicorn"):
        peer_bench.peer_runs(f"web:{name}", _peer_info("web", name, ProcessStates.RUNNING, now))
    assert rpc.admit_start("web", PEER, False) != ""  # running on the peer: refused
    inbox = Inbox()
    peer_bench.plugin.inbox = inbox
    try:
        for name in ("nginx", "gunicorn"):
            info = _peer_info("web", name, ProcessStates.STOPPED, now + 1)
            inbox.put(Inbound(ProcessMessage(PEER, info.now_monotonic, info)))
        assert rpc.admit_start("web", PEER, False) == ""  # granted on the fresh view
        assert inbox.take_all() == []
    finally:
        peer_bench.plugin.inbox = None
        inbox.close()
