"""Two fixes of issue 14 seen on a real plugin over supervisor's doubles
(tests/component/plugin_kit.py), stepped by hand: deterministic."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from supervisor.process import ProcessStates
from supervisor.xmlrpc import Faults, RPCError

from supvisors_ext import messages
from supvisors_ext.cluster.engine import AbortJobs
from supvisors_ext.rpcinterface import compose_namespace
from tests.component.plugin_kit import Bench, Process, make_bench
from tests.component.test_deferred_rpcs import GROUPS, RULES, Service, settle


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    yield from make_bench(tmp_path, GROUPS, RULES)


def test_end_of_a_start_job_is_published_before_the_next_process_event(bench: Bench) -> None:
    """Req 25: peers must learn that the start job ended before a crash that follows it, or
    they take the crash for a starting failure. The state is published by the same pass that
    ends the job, not at the next tick."""
    assert settle(
        bench, compose_namespace(bench.plugin, Service).start_application("CONFIG", "web")
    )
    published = bench.plugin.sync.bus.published  # type: ignore[union-attr]
    last_running = max(
        index
        for index, message in enumerate(published)
        if isinstance(message, messages.ProcessMessage)
        and message.info.state == ProcessStates.RUNNING
    )
    after = [m for m in published[last_running:] if isinstance(m, messages.StateMessage)]
    assert after and after[-1].state_modes.starting_applications == ()


def test_a_wait_ends_when_an_election_aborts_its_job(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 14: restart_application waited on a job that the loss of the Master aborted; the
    call hung until the caller's own timeout. It must answer at once."""

    def spawn_slowly(self: Process) -> None:
        self.spawned = True
        self.laststart, self.pid = int(time.time()), 4242
        self.change(ProcessStates.STARTING)  # never RUNNING by itself

    monkeypatch.setattr(Process, "spawn", spawn_slowly)
    deferred = compose_namespace(bench.plugin, Service).start_application("CONFIG", "web")
    assert callable(deferred)
    bench.plugin.driver.spawn_local_starts()
    assert bench.plugin.driver.jobs.start_jobs  # the job runs, its processes STARTING
    bench.plugin.loop.apply(AbortJobs())  # an election
    with pytest.raises(RPCError) as info:
        settle(bench, deferred, limit=2)
    assert info.value.code == Faults.NOT_RUNNING and "aborted" in info.value.text
