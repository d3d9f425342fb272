"""`RepairHandler` stepped by hand behind a real `Driver` (supervisor doubles, fake peer sync).

Failures noted on a follower, without a Master and on the Master; failure jobs carried out with
the driver's stop and start jobs; conciliation plans applied (docs/design/failures.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from supvisors_ext.cluster.membership import lose_processes
from supvisors_ext.model import (
    ConciliationStrategies,
    InstanceStates,
    ProcessStates,
    RunningFailureStrategies,
)
from supvisors_ext.runtime.repair import RepairHandler, Role
from tests.component.drivekit import Setup

P = ProcessStates
C = ConciliationStrategies


class Repairs:
    """The handler wired as the plugin wires it: stepped after every pass of the driver."""

    def __init__(self, setup: Setup) -> None:
        self.setup = setup
        self.system: list[RunningFailureStrategies] = []
        self.handler = RepairHandler(setup.context, setup.driver, setup.logger, self.system.append)
        self.role = Role.MASTER
        self.conciliation: ConciliationStrategies | None = None
        setup.driver.after_step = lambda: self.handler.step(self.role, self.conciliation)


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    setup = Setup(tmp_path)
    setup.configure("a", ("web", "batch", "core"))
    setup.configure("b", ("web", "batch", "core"))
    return setup


def run_web_locally(setup: Setup) -> None:
    for namespec in ("web:db", "web:app"):
        setup.dummy(namespec).state = P.RUNNING
        setup.run("a", namespec)


# ----- failures noted, by role
def test_follower_drops_what_it_notes(setup: Setup) -> None:
    repairs = Repairs(setup)
    repairs.role = Role.FOLLOWER
    run_web_locally(setup)
    setup.report("a", "web:app", P.EXITED, expected=False)
    setup.driver.step()
    assert repairs.handler.book.jobs == {} and not setup.driver.jobs.stop_jobs


def test_without_master_failures_are_kept_for_the_next_one(setup: Setup) -> None:
    repairs = Repairs(setup)
    repairs.role = Role.NONE
    run_web_locally(setup)
    setup.report("a", "web:app", P.EXITED, expected=False)
    setup.driver.step()
    assert repairs.handler.book.jobs["web"].strategy == RunningFailureStrategies.STOP_APPLICATION
    assert not setup.driver.jobs.stop_jobs
    repairs.role = Role.MASTER  # elected: the kept job is carried out
    setup.driver.step()
    assert repairs.handler.book.jobs == {}
    assert setup.dummy("web:db").stop_called
    assert setup.logged("web: running failure, stopping it")


def test_crash_during_a_start_job_is_a_starting_failure(setup: Setup) -> None:
    repairs = Repairs(setup)
    setup.driver.admit("web", already_started=False)
    web = setup.context.applications["web"]
    assert web.rules is not None
    setup.driver.start_application(web, web.rules.starting_strategy)
    setup.spawn_local()  # db runs, app is queued: the start job is in progress
    setup.report("a", "web:db", P.FATAL)
    setup.driver.step()
    assert repairs.handler.book.jobs == {}  # the starting failure strategy alone decides


# ----- failure jobs carried out by the Master
def test_restart_application_stops_then_starts_it_with_a_loop_guard(setup: Setup) -> None:
    repairs = Repairs(setup)
    run_web_locally(setup)
    setup.report("a", "web:db", P.FATAL)  # db: RESTART_APPLICATION
    setup.driver.step()
    assert setup.logged("web: running failure, restarting it")
    assert setup.dummy("web:app").stop_called and "web" in repairs.handler.restarts
    setup.report("a", "web:app", P.STOPPED)
    setup.driver.step()  # stop job ended: the start is admitted by the local Master
    assert [c.namespec for c in setup.driver.local_starts] == ["web:db"]
    setup.dummy("web:db").state = setup.dummy("web:app").state = P.STOPPED
    assert setup.spawn_local() == ["web:db"]
    assert setup.spawn_local() == ["web:app"]
    assert "web" not in repairs.handler.restarts
    guard = repairs.handler.book.guards["web"]
    assert "web:db" in guard[0] and guard[1] is not None
    # a second crash within the guard stops the application instead of restarting it again
    setup.dummy("web:app").stop_called = False
    setup.report("a", "web:db", P.FATAL)
    setup.driver.step()
    assert setup.logged("crashed again within 10 s of its restart")
    assert setup.logged("web: running failure, stopping it")
    assert setup.dummy("web:app").stop_called
    assert "web" in setup.driver.jobs.stopping_applications()


def test_loss_with_restart_process_restarts_the_stopped_application_here(setup: Setup) -> None:
    """RESTART_PROCESS acts on a loss; with the application STOPPED and the process staged it is
    promoted to RESTART_APPLICATION, which starts the application on a live instance."""
    repairs = Repairs(setup)
    setup.run("b", "batch:job")
    record = setup.context.instances[setup.id("b")]
    record.state = InstanceStates.STOPPED
    lost = lose_processes(setup.context, record, setup.now)
    assert lost == ["batch:job"]
    repairs.handler.note_loss(setup.id("b"), lost, keep=True)
    setup.driver.step()
    assert setup.logged("batch: running failure, restarting it")
    assert [c.namespec for c in setup.driver.local_starts] == ["batch:job"]
    assert setup.spawn_local() == ["batch:job"]
    assert repairs.handler.restarts == {} and "batch" in repairs.handler.book.guards


def test_loss_handled_by_another_master_is_not_kept(setup: Setup) -> None:
    repairs = Repairs(setup)
    setup.run("b", "batch:job")
    repairs.handler.note_loss(setup.id("b"), ["batch:job"], keep=False)
    assert repairs.handler.book.jobs == {}


def test_system_strategy_is_requested(setup: Setup) -> None:
    repairs = Repairs(setup)
    setup.run("a", "core:kernel")
    setup.report("a", "core:kernel", P.FATAL)
    setup.driver.step()
    assert repairs.system == [RunningFailureStrategies.SHUTDOWN]


# ----- conciliation
def run_twice(setup: Setup, namespec: str) -> None:
    """Running on a first (the oldest copy), then on b (the youngest)."""
    setup.dummy(namespec).state = P.RUNNING
    setup.run("a", namespec)
    setup.run("b", namespec)
    assert len(setup.context.conflicts()) == 1


def test_senicide_stops_the_oldest_copy_here(setup: Setup) -> None:
    repairs = Repairs(setup)
    run_twice(setup, "web:db")
    assert repairs.handler.conciliate(C.SENICIDE)
    assert setup.dummy("web:db").stop_called and setup.sync.take("stopProcess") == []
    assert "web:db" in repairs.handler.conciliating
    setup.report("a", "web:db", P.STOPPED)
    setup.driver.step()
    assert repairs.handler.conciliating == {} and setup.context.conflicts() == []


def test_infanticide_stops_the_youngest_copy_on_the_peer(setup: Setup) -> None:
    repairs = Repairs(setup)
    run_twice(setup, "web:db")
    repairs.conciliation = C.INFANTICIDE  # the Master in CONCILIATION applies it at each step
    setup.driver.step()
    [call] = setup.sync.take("stopProcess(web:db)")
    assert call.identifier == setup.id("b") and not setup.dummy("web:db").stop_called


def test_restart_stops_every_copy_then_starts_one(setup: Setup) -> None:
    repairs = Repairs(setup)
    run_twice(setup, "web:db")
    repairs.handler.conciliate(C.RESTART)
    assert setup.dummy("web:db").stop_called
    [call] = setup.sync.take("stopProcess(web:db)")
    setup.report("a", "web:db", P.STOPPED)
    setup.report("b", "web:db", P.STOPPED)
    setup.dummy("web:db").state = P.STOPPED
    setup.driver.step()
    assert repairs.handler.conciliating == {}
    assert setup.logged("web:db: starting it again")
    assert [c.namespec for c in setup.driver.local_starts] == ["web:db"]


def test_user_strategy_leaves_the_conflict(setup: Setup) -> None:
    repairs = Repairs(setup)
    run_twice(setup, "web:db")
    assert repairs.handler.conciliate(C.USER) is False
    assert repairs.handler.conciliating == {} and not setup.dummy("web:db").stop_called


def test_a_copy_still_running_after_the_deadline_ends_the_conciliation(setup: Setup) -> None:
    repairs = Repairs(setup)
    run_twice(setup, "web:db")
    repairs.handler.conciliate(C.INFANTICIDE)
    repairs.handler.conciliating["web:db"].deadline = 0.0  # the peer never stopped it
    setup.driver.step()
    assert repairs.handler.conciliating == {}
    assert setup.logged("web:db: still running after the conciliation stops")


def test_abort_clears_restarts_and_conciliations(setup: Setup) -> None:
    repairs = Repairs(setup)
    run_twice(setup, "web:db")
    repairs.handler.conciliate(C.SENICIDE)
    repairs.handler.abort()
    assert repairs.handler.conciliating == {} and repairs.handler.restarts == {}
