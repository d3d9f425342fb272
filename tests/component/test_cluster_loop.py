"""The plugin's action loop: every FSM action turned into its effects, stepped by hand on a
real plugin over supervisor's doubles (`tests/component/plugin_kit.py`)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from supervisor.process import ProcessStates
from supervisor.states import SupervisorStates

from supvisors_ext.cluster.fsm_io import (
    AbortJobs,
    Conciliate,
    EnterState,
    ExitSupervisord,
    InstanceLost,
    SetInstanceState,
    StartDistribution,
    StartGlobalStop,
)
from supvisors_ext.messages import StateMessage
from supvisors_ext.model import ConciliationStrategies, InstanceStates, SupvisorsStates
from tests.component.plugin_kit import PEER, Bench, make_bench

RULES = """<?xml version="1.0" encoding="UTF-8"?>
<root>
  <application name="web">
    <start_sequence>1</start_sequence>
    <programs>
      <program pattern=".*"><start_sequence>1</start_sequence></program>
    </programs>
  </application>
</root>
"""
GROUPS = {"web": {"nginx": ProcessStates.STOPPED}, "tools": {"probe": ProcessStates.RUNNING}}
S = SupvisorsStates


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    yield from make_bench(tmp_path, GROUPS, RULES, with_peer=True)


def test_an_isolated_instance_is_disconnected(bench: Bench) -> None:
    bench.plugin.loop.apply(SetInstanceState(PEER, InstanceStates.ISOLATED))
    assert bench.plugin.context.instances[PEER].state == InstanceStates.ISOLATED
    assert bench.bus.disconnected == [PEER]
    assert bench.logger.lines[-1] == f"INFO supvisors: {PEER} ISOLATED"


def test_a_lost_instance_loses_its_processes_and_its_report(bench: Bench) -> None:
    context = bench.plugin.context
    now = time.monotonic()
    info = bench.plugin.adapter.local_info(bench.process("web:nginx"), now)
    context.update_process(PEER, dataclasses.replace(info, state=ProcessStates.RUNNING), now)
    context.instances[PEER].state_modes = bench.plugin.loop.state_modes()
    bench.plugin.loop.apply(InstanceLost(PEER))
    assert context.instances[PEER].state_modes is None
    assert bench.logger.lines[-1].startswith(f"WARN supvisors: {PEER} lost with web:nginx")
    assert not context.applications["web"].processes["nginx"].view().running_identifiers


def test_entering_off_restarts_the_synchronization_clock(bench: Bench) -> None:
    loop = bench.plugin.loop
    loop.started_at = 0.0
    loop.apply(EnterState(S.OFF, ""))
    assert loop.started_at > 0.0
    assert bench.logger.lines[-1] == "INFO supvisors: state OFF, Master none"


def test_distribution_starts_then_abort_drops_it(bench: Bench) -> None:
    loop, driver = bench.plugin.loop, bench.plugin.driver
    loop.apply(StartDistribution())
    assert loop.distribution_started and not driver.distribution_done()
    assert [command.namespec for command in driver.local_starts] == ["web:nginx"]
    loop.apply(AbortJobs())
    assert not loop.distribution_started and driver.distribution_done()
    assert not driver.local_starts


def test_conciliate_applies_the_configured_strategy_on_the_master(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[ConciliationStrategies] = []
    monkeypatch.setattr(bench.plugin.repair, "conciliate", applied.append)
    bench.plugin.loop.apply(Conciliate())
    assert applied == [bench.plugin.config.conciliation_strategy]
    bench.plugin.fsm.master = PEER  # a follower leaves it to the Master
    bench.plugin.loop.apply(Conciliate())
    assert len(applied) == 1


def test_global_stop_stops_what_runs(bench: Bench) -> None:
    loop = bench.plugin.loop
    loop.apply(StartGlobalStop())
    assert loop.global_stop_started
    assert bench.process("tools:probe").state == ProcessStates.STOPPED
    assert bench.plugin.driver.global_stop_done()


@pytest.mark.parametrize(
    ("restart", "mood"), [(True, SupervisorStates.RESTARTING), (False, SupervisorStates.SHUTDOWN)]
)
def test_exit_sets_supervisord_mood(bench: Bench, restart: bool, mood: int) -> None:
    bench.plugin.loop.apply(ExitSupervisord(restart))
    assert bench.supervisord.options.mood == mood


def test_a_requested_shutdown_runs_to_its_end(bench: Bench) -> None:
    """SHUTTING_DOWN stops what runs; the stop ends at once here (supervisor's doubles stop
    synchronously), so the same evaluation reaches FINAL and supervisord is told to exit."""
    loop = bench.plugin.loop
    assert loop.request_state(S.SHUTTING_DOWN)
    assert loop.global_stop_started
    assert bench.process("tools:probe").state == ProcessStates.STOPPED
    assert bench.plugin.fsm.state == S.FINAL
    assert bench.supervisord.options.mood == SupervisorStates.SHUTDOWN
    published = [m for m in bench.bus.published if isinstance(m, StateMessage)]
    assert published[-1].state_modes.fsm_state == S.FINAL
    assert not loop.request_state(S.RESTARTING)  # nothing leaves FINAL


def test_end_sync_records_the_users_master(bench: Bench) -> None:
    loop = bench.plugin.loop
    bench.plugin.fsm.state, bench.plugin.fsm.master = S.SYNCHRONIZATION, ""
    loop.end_sync("")
    assert (loop.user_sync, loop.user_master) == (True, "")


def count_evaluations(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from supvisors_ext.cluster.engine import Fsm

    calls: list[int] = []
    real = Fsm.evaluate

    def counting(fsm, view):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(fsm, view)

    monkeypatch.setattr(Fsm, "evaluate", counting)
    return calls


def test_an_evaluation_with_nothing_new_is_skipped(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: at rest most ticks change nothing the FSM reads; it is not run again."""
    loop, context = bench.plugin.loop, bench.plugin.context
    calls = count_evaluations(bench, monkeypatch)
    loop.evaluate()
    assert len(calls) == 1
    loop.evaluate()
    loop.evaluate()
    assert len(calls) == 1
    # a peer's new report is news, even one that changes nothing for the FSM
    context.instances[PEER].state_modes = loop.state_modes()
    loop.evaluate()
    assert len(calls) == 2
    context.instances[PEER].state = InstanceStates.FAILED  # its ticks stopped
    loop.evaluate()
    assert len(calls) >= 3
    assert context.instances[PEER].state == InstanceStates.STOPPED  # and was acted on


def test_a_synchronization_delay_running_out_is_news(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The FSM reads the clock only through the synchronization delays: their end re-runs it,
    with nothing else changed (TIMEOUT ends the synchronization of a lone instance)."""
    from supvisors_ext.model import SynchronizationOptions

    loop, fsm = bench.plugin.loop, bench.plugin.fsm
    bench.plugin.context.instances[PEER].state = InstanceStates.STOPPED  # never heard of
    config = dataclasses.replace(loop.config, synchro_options=(SynchronizationOptions.TIMEOUT,))
    monkeypatch.setattr(loop, "config", config)
    fsm.state, fsm.master = S.SYNCHRONIZATION, ""
    loop.started_at = time.monotonic()
    loop.evaluate()
    loop.evaluate()
    assert fsm.state == S.SYNCHRONIZATION
    loop.started_at -= loop.config.synchro_timeout  # the delay is over
    loop.evaluate()
    assert fsm.state != S.SYNCHRONIZATION
