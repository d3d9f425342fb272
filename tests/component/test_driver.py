"""`Driver` stepped by hand: supervisor's doubles for local starts and stops, a fake peer sync.

Covers local and remote commands, admission requests and grants, the automatic start and the
global stop (docs/design/jobs.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from supvisors_ext.faults import Fault, Faults, SupvisorsFaults
from supvisors_ext.model import InstanceStates, ProcessStates, StartingStrategies
from supvisors_ext.runtime.driver import SPAWNS_PER_PASS
from tests.component.drivekit import Setup

P = ProcessStates
CONFIG = StartingStrategies.CONFIG


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


# ----- local commands
def test_local_start_runs_the_stages_through_supervisor(setup: Setup) -> None:
    setup.configure("a")
    ticket = setup.driver.admit("web", already_started=False)
    assert ticket.decided and ticket.reason == ""
    job = setup.driver.start_application(setup.context.applications["web"], CONFIG)
    # queued for the main loop, not spawned inside the call
    assert [c.namespec for c in setup.driver.local_starts] == ["web:db"]
    assert setup.wakeups == 1 and not setup.dummy("web:db").spawned
    assert setup.spawn_local() == ["web:db"]
    assert setup.dummy("web:db").spawned and not setup.dummy("web:app").spawned
    assert setup.spawn_local() == ["web:app"]
    assert job.ended and job.failures == []
    # the grant of the ended job is given back: the application may be started again
    assert setup.driver.admission.held == {} and setup.driver.grants.grants == {}
    assert setup.sync.calls == []


def test_local_spawn_error_fails_the_required_process(setup: Setup) -> None:
    setup.configure("a")
    setup.dummy("web:db").spawnerr = "cannot exec"
    setup.driver.admit("web", already_started=False)
    job = setup.driver.start_application(setup.context.applications["web"], CONFIG)
    assert setup.spawn_local() == []  # supervisor refused: SPAWN_ERROR, nothing reported
    assert job.ended
    assert [failure.split(":")[0:2] for failure in job.failures] == [["web", "db"]]
    assert "SPAWN_ERROR" in job.failures[0]


def test_local_spawns_are_limited_per_pass(setup: Setup) -> None:
    setup.configure("a")
    for name in ("db", "app", "db", "app", "db"):
        setup.driver.queue_local_start(f"web:{name}", "")
    assert setup.driver.spawn_local_starts() is True
    assert len(setup.driver.local_starts) == 5 - SPAWNS_PER_PASS


def test_local_stop_goes_through_supervisor(setup: Setup) -> None:
    setup.configure("a")
    setup.dummy("web:db").state = P.RUNNING
    setup.run("a", "web:db")
    job = setup.driver.stop_application(setup.context.applications["web"])
    assert setup.dummy("web:db").stop_called and not job.ended
    setup.report("a", "web:db", P.STOPPED)
    setup.driver.step()
    assert job.ended and job.failures == []


def test_no_resource_forces_fatal_and_publishes_it(setup: Setup) -> None:
    setup.configure("b", ("batch",))  # configured only on b, which is not RUNNING
    setup.cluster.set_instance("b", InstanceStates.STOPPED)
    job = setup.driver.start_application(setup.context.applications["batch"], CONFIG)
    assert job.ended and job.requests_sent == 0
    [(group, name, forced)] = setup.sync.forced
    assert (group, name, forced.state, forced.reason) == (
        "batch",
        "job",
        P.FATAL,
        "No resource available",
    )
    assert setup.context.find_process("batch", "job").view().state == P.FATAL


# ----- remote commands
def test_remote_start_is_one_multicall_and_follows_the_peer_events(setup: Setup) -> None:
    setup.configure("b")  # only b has the programs: every start goes there
    job = setup.driver.start_application(setup.context.applications["web"], CONFIG)
    [call] = setup.sync.take("start_args(web:db)")
    assert call.identifier == setup.id("b")
    call.answer([True])
    setup.run("b", "web:db")
    setup.driver.step()
    [call] = setup.sync.take("start_args(web:app)")
    call.answer([True])
    setup.run("b", "web:app")
    setup.driver.step()
    assert job.ended and job.failures == [] and not setup.driver.local_starts


def test_remote_refusal_fails_the_request(setup: Setup) -> None:
    setup.configure("b")
    job = setup.driver.start_application(setup.context.applications["web"], CONFIG)
    [call] = setup.sync.take("start_args(web:db)")
    call.answer([{"faultCode": Faults.SPAWN_ERROR, "faultString": "SPAWN_ERROR: web:db"}])
    assert job.ended  # required db failed: ABORT, nothing more is started
    assert job.failures == ["web:db: SPAWN_ERROR: web:db"]
    assert setup.sync.take("start_args") == []


def test_remote_call_failure_fails_every_request_of_the_batch(setup: Setup) -> None:
    setup.configure("b")
    job = setup.driver.start_application(setup.context.applications["web"], CONFIG)
    [call] = setup.sync.take("start_args")
    call.answer(error="no answer within 10 s")
    assert job.ended and job.failures == ["web:db: no answer within 10 s"]


def test_remote_already_started_counts_as_success(setup: Setup) -> None:
    setup.configure("b")
    job = setup.driver.start_application(setup.context.applications["web"], CONFIG)
    [call] = setup.sync.take("start_args")
    call.answer([{"faultCode": Faults.ALREADY_STARTED, "faultString": "ALREADY_STARTED: web:db"}])
    setup.run("b", "web:db")
    setup.driver.step()
    assert setup.sync.take("start_args(web:app)") and job.failures == []


def test_remote_stop_calls_supervisor_on_the_peer(setup: Setup) -> None:
    setup.configure("b")
    setup.run("b", "web:db")
    job = setup.driver.stop_application(setup.context.applications["web"])
    [call] = setup.sync.take("stopProcess(web:db)")
    assert call.identifier == setup.id("b")
    call.answer(True)
    setup.report("b", "web:db", P.STOPPED)
    setup.driver.step()
    assert job.ended


# ----- admission
def test_local_master_grants_one_start_job_per_application(setup: Setup) -> None:
    first = setup.driver.admit("web", already_started=False)
    second = setup.driver.admit("web:db", already_started=False)
    assert first.reason == "" and "being started" in second.reason
    assert setup.driver.admit("batch", already_started=True).reason == "batch is already started"


def test_remote_master_admission(tmp_path: Path) -> None:
    setup = Setup(tmp_path, master="b")
    granted = setup.driver.admit("web", already_started=False)
    refused = setup.driver.admit("batch", already_started=False)
    failed = setup.driver.admit("web:app", already_started=False)
    assert not (granted.decided or refused.decided or failed.decided)
    calls = setup.sync.take("admit_start")
    assert [call.what for call in calls] == [
        "admit_start(web)",
        "admit_start(batch)",
        "admit_start(web:app)",
    ]
    calls[0].answer("")
    calls[1].answer("batch is being started by x")
    calls[2].answer(fault=Fault(Faults.FAILED, "boom"))
    assert granted.decided and granted.reason == ""
    assert setup.driver.admission.held == {"web": (setup.id("b"), None)}
    assert refused.reason == "batch is being started by x"
    assert refused.code == Faults.ALREADY_STARTED
    assert failed.code == SupvisorsFaults.BAD_SUPVISORS_STATE and "boom" in failed.reason


def test_grant_of_a_remote_master_is_released_when_the_job_ends(tmp_path: Path) -> None:
    setup = Setup(tmp_path, master="b")
    setup.configure("a")
    setup.driver.admit("batch", already_started=False)
    setup.sync.take("admit_start")[0].answer("")
    job = setup.driver.start_application(setup.context.applications["batch"], CONFIG)
    assert setup.spawn_local() == ["batch:job"] and job.ended
    [release] = setup.sync.take("release_start(batch)")
    assert release.identifier == setup.id("b") and setup.driver.admission.held == {}


def test_no_master_or_unreachable_master_refuses(tmp_path: Path) -> None:
    setup = Setup(tmp_path, master="")
    ticket = setup.driver.admit("web", already_started=False)
    assert ticket.decided and ticket.code == SupvisorsFaults.BAD_SUPVISORS_STATE
    setup.master_nick = "b"
    setup.sync.reachable = False
    ticket = setup.driver.admit("web", already_started=False)
    assert ticket.decided and "cannot be reached" in ticket.reason
    assert ticket.code == SupvisorsFaults.BAD_SUPVISORS_STATE


# ----- automatic start
def test_automatic_start_runs_the_groups_in_start_sequence(setup: Setup) -> None:
    setup.configure("a")
    setup.configure("b")
    setup.driver.start_distribution()
    assert setup.driver.distribution == [["web"], ["batch"]]
    assert setup.spawn_local() == ["web:db"]  # CONFIG: the first candidate, the local one
    assert not setup.driver.distribution_done()
    assert setup.spawn_local() == ["web:app"]
    # web ended: its group is done, batch begins
    assert setup.spawn_local() == ["batch:job"]
    assert setup.driver.distribution_done()


def test_automatic_start_skips_running_and_excluded_applications(setup: Setup) -> None:
    setup.configure("a")
    setup.run("a", "web:db")
    setup.run("a", "web:app")
    setup.driver.start_distribution(exclude={"batch"})
    assert setup.driver.last_distribution_size == 0 and setup.driver.distribution_done()


def test_automatic_start_refused_by_the_master_is_skipped(tmp_path: Path) -> None:
    setup = Setup(tmp_path, master="b")
    setup.configure("a")
    setup.driver.start_distribution(exclude={"batch"})
    [call] = setup.sync.take("admit_start(web)")
    call.answer("web is being started by c")
    setup.driver.step()
    assert setup.driver.distribution_done() and not setup.driver.local_starts
    assert setup.logged("web not started automatically: web is being started by c")


# ----- global stop
def test_global_stop_by_stop_sequence_greatest_first(setup: Setup) -> None:
    setup.configure("a")
    setup.configure("b")
    for namespec in ("web:db", "web:app", "batch:job"):
        setup.dummy(namespec).state = P.RUNNING
        setup.run("a", namespec)
    setup.run("b", "misc:tool")  # unmanaged: stop_sequence 0, last
    setup.driver.start_global_stop()
    assert setup.driver.global_stop == [["web"], ["batch"], ["misc"]]
    # within web, the stop stages too go greatest stop_sequence first: app, then db
    assert setup.dummy("web:app").stop_called and not setup.dummy("web:db").stop_called
    setup.report("a", "web:app", P.STOPPED)
    setup.driver.step()
    assert setup.dummy("web:db").stop_called and not setup.dummy("batch:job").stop_called
    setup.report("a", "web:db", P.STOPPED)
    setup.driver.step()
    assert setup.dummy("batch:job").stop_called
    setup.report("a", "batch:job", P.STOPPED)
    setup.driver.step()
    [call] = setup.sync.take("stopProcess(misc:tool)")
    assert call.identifier == setup.id("b") and not setup.driver.global_stop_done()
    setup.report("b", "misc:tool", P.STOPPED)
    setup.driver.step()
    assert setup.driver.global_stop_done()


def test_abort_drops_jobs_grants_and_sequences(setup: Setup) -> None:
    setup.configure("a")
    setup.driver.start_distribution()
    assert setup.driver.jobs.start_jobs and setup.driver.admission.held
    setup.driver.abort()
    assert not setup.driver.jobs.start_jobs and not setup.driver.admission.held
    assert not setup.driver.local_starts and setup.driver.distribution_done()


def test_remote_starts_planned_together_go_out_as_one_call_per_target(setup: Setup) -> None:
    """Issue 18, X=100: the automatic start planned 33 applications on each server and sent
    33 calls in a row to each; the last ones missed the STARTING deadline."""
    from supvisors_ext.jobs.start import StartCommand

    b = setup.id("b")
    with setup.driver.remote_starts_batched():
        setup.driver.execute([StartCommand(b, "web:db", "")])
        with setup.driver.remote_starts_batched():  # nested: sent by the outer window
            setup.driver.execute([StartCommand(b, "batch:job", "")])
        assert not setup.sync.take("start_args(")
    [call] = setup.sync.take("start_args(")
    assert call.identifier == b and call.what == "start_args(web:db, batch:job)"
    setup.driver.execute([StartCommand(b, "misc:tool", "")])  # outside: at once
    assert len(setup.sync.take("start_args(misc:tool)")) == 1
