"""Running failures (docs/design/failures.md): detection, merge by priority, restart-loop guard."""

from __future__ import annotations

import pytest

from supvisors_ext.cluster.failures import (
    RESTART_LOOP_GRACE,
    Failure,
    FailureBook,
    FailureJob,
    effective_strategy,
    is_crash,
    resolve_strategy,
    still_relevant,
)
from supvisors_ext.model import ProcessStates, RunningFailureStrategies
from tests.unit.jobkit import BUS, CHECK, CONSOLE_PROGRAMS, SERVER_PROGRAMS, Cluster, scenario2

P = ProcessStates
R = RunningFailureStrategies
SRV, HCI = "scen2_srv_01", "scen2_hci_02"


@pytest.fixture
def cluster() -> Cluster:
    cluster = scenario2()
    for name in SERVER_PROGRAMS:
        cluster.run("server_1", SRV, name, 1.0)
    for name in CONSOLE_PROGRAMS:
        cluster.run("console_3", HCI, name, 1.0)
    return cluster


def never_starting(_application: str) -> bool:
    return False


def live(cluster: Cluster) -> set[str]:
    return set(cluster.ids[nick].identifier for nick in cluster.ids)


def test_crash_states() -> None:
    assert is_crash(P.FATAL, False)
    assert is_crash(P.EXITED, False)
    assert not is_crash(P.EXITED, True)
    assert not is_crash(P.STOPPED, True)
    assert not is_crash(P.RUNNING, True)


def test_restart_process_acts_on_loss_only() -> None:
    assert effective_strategy(R.RESTART_PROCESS, lost=False) == R.CONTINUE
    assert effective_strategy(R.RESTART_PROCESS, lost=True) == R.RESTART_PROCESS
    assert effective_strategy(R.STOP_APPLICATION, lost=False) == R.STOP_APPLICATION


def test_a_crash_is_found_once_per_run(cluster: Cluster) -> None:
    book = FailureBook()
    assert book.scan(cluster.context, live(cluster), never_starting) == []
    cluster.report("server_1", SRV, BUS, P.EXITED, 2.0, expected=False)
    found = book.scan(cluster.context, live(cluster), never_starting)
    assert [(f.record.name, f.lost) for f in found] == [(BUS, False)]
    assert book.scan(cluster.context, live(cluster), never_starting) == []
    # restarted, crashes again: a new crash
    cluster.run("server_1", SRV, BUS, 3.0)
    cluster.report("server_1", SRV, BUS, P.FATAL, 4.0, expected=False)
    assert len(book.scan(cluster.context, live(cluster), never_starting)) == 1


def test_crashes_during_a_start_or_on_dead_instances_are_dropped(cluster: Cluster) -> None:
    book = FailureBook()
    cluster.report("server_1", SRV, BUS, P.EXITED, 2.0, expected=False)
    assert book.scan(cluster.context, live(cluster), lambda app: app == SRV) == []
    # noted: once the start job is over, the same crash is not taken as a running failure
    assert book.scan(cluster.context, live(cluster), never_starting) == []
    cluster.report("console_3", HCI, BUS, P.FATAL, 2.0, expected=False)
    assert book.scan(cluster.context, {cluster.id("server_1")}, never_starting) == []


def test_expected_exits_and_unmanaged_processes_are_not_crashes(cluster: Cluster) -> None:
    book = FailureBook()
    cluster.report("server_1", SRV, CHECK, P.EXITED, 2.0, expected=True)
    cluster.run("server_1", "common_data_bus", "common_data_bus", 1.0)
    cluster.report("server_1", "common_data_bus", "common_data_bus", P.FATAL, 2.0)
    assert book.scan(cluster.context, live(cluster), never_starting) == []


def add_crash(book: FailureBook, cluster: Cluster, group: str, name: str, now: float = 0.0) -> str:
    record = cluster.record(group, name)
    return book.add(Failure(record, cluster.id("server_1"), False, "killed"), now)


def test_jobs_merge_by_priority(cluster: Cluster) -> None:
    book = FailureBook()
    assert add_crash(book, cluster, SRV, "scen2_config_manager") == ""  # CONTINUE
    assert "RESTART_APPLICATION" in add_crash(book, cluster, SRV, BUS)
    assert book.jobs[SRV].strategy == R.RESTART_APPLICATION
    # STOP_APPLICATION beats RESTART_APPLICATION in one application
    cluster.record(SRV, CHECK).rules = cluster.record(SRV, CHECK).rules.__class__(
        running_failure_strategy=R.STOP_APPLICATION
    )
    add_crash(book, cluster, SRV, CHECK)
    assert book.jobs[SRV].strategy == R.STOP_APPLICATION
    assert book.jobs[SRV].namespecs == {f"{SRV}:{BUS}", f"{SRV}:{CHECK}"}
    # a later RESTART_APPLICATION does not lower it
    add_crash(book, cluster, SRV, BUS)
    assert book.jobs[SRV].strategy == R.STOP_APPLICATION


def test_loss_of_hci_stops_and_loss_of_srv_restarts(cluster: Cluster) -> None:
    book = FailureBook()
    srv = [f"{SRV}:{name}" for name in SERVER_PROGRAMS]
    hci = [f"{HCI}:{name}" for name in CONSOLE_PROGRAMS]
    for failure in book.note_loss(cluster.context, cluster.id("server_1"), srv):
        book.add(failure, 0.0)
    for failure in book.note_loss(cluster.context, cluster.id("console_3"), hci):
        book.add(failure, 0.0)
    assert book.jobs[SRV].strategy == R.RESTART_APPLICATION
    assert book.jobs[HCI].strategy == R.STOP_APPLICATION
    assert all(failure.lost for failure in book.note_loss(cluster.context, "x", srv[:1]))


def test_system_strategies_and_shutdown_wins(cluster: Cluster) -> None:
    book = FailureBook()
    record = cluster.record(SRV, BUS)
    record.rules = record.rules.__class__(running_failure_strategy=R.RESTART)
    add_crash(book, cluster, SRV, BUS)
    assert book.system == R.RESTART and not book.jobs
    other = cluster.record(SRV, CHECK)
    other.rules = other.rules.__class__(running_failure_strategy=R.SHUTDOWN)
    add_crash(book, cluster, SRV, CHECK)
    add_crash(book, cluster, SRV, BUS)
    assert book.system == R.SHUTDOWN
    book.clear()
    assert book.system is None


def test_second_crash_soon_after_a_restart_stops_instead(cluster: Cluster) -> None:
    book = FailureBook()
    add_crash(book, cluster, SRV, BUS)
    job = book.jobs.pop(SRV)
    book.restarting(SRV, job.namespecs)
    line = add_crash(book, cluster, SRV, BUS, now=5.0)  # during the restart's start-up
    assert "crashed again" in line and book.jobs.pop(SRV).strategy == R.STOP_APPLICATION
    book.restarted(SRV, 10.0)
    add_crash(book, cluster, SRV, BUS, now=10.0 + RESTART_LOOP_GRACE - 0.1)
    assert book.jobs.pop(SRV).strategy == R.STOP_APPLICATION
    book.forget_guards(10.0 + RESTART_LOOP_GRACE)
    add_crash(book, cluster, SRV, BUS, now=10.0 + RESTART_LOOP_GRACE + 1)
    assert book.jobs.pop(SRV).strategy == R.RESTART_APPLICATION


def test_a_loss_soon_after_a_restart_is_no_restart_loop(cluster: Cluster) -> None:
    """Soak seed 14, step 206 (ninth run): scen2_srv_06 was restarted after a crash of its
    bus; 10 s later its server was hung and declared lost. The loss was taken for a second
    crash (`crashed again within 10 s`) and the application was stopped for good. The guard
    is against a program that crashes again; a lost instance says nothing of the program."""
    book = FailureBook()
    add_crash(book, cluster, SRV, BUS)
    job = book.jobs.pop(SRV)
    book.restarting(SRV, job.namespecs)
    book.restarted(SRV, 2.0)
    loss = Failure(cluster.record(SRV, BUS), cluster.id("server_1"), True, "server_1 lost")
    line = book.add(loss, 5.0)
    assert "crashed again" not in line
    assert book.jobs.pop(SRV).strategy == R.RESTART_APPLICATION
    add_crash(book, cluster, SRV, BUS, now=6.0)  # a real crash in the guard still stops it
    assert book.jobs.pop(SRV).strategy == R.STOP_APPLICATION


def test_restart_process_promoted_when_the_application_is_stopped(cluster: Cluster) -> None:
    job = FailureJob(SRV, R.RESTART_PROCESS, {f"{SRV}:{BUS}"})
    assert resolve_strategy(job, cluster.context) == R.RESTART_PROCESS  # RUNNING
    for name in SERVER_PROGRAMS:
        cluster.report("server_1", SRV, name, P.STOPPED, 5.0)
    assert resolve_strategy(job, cluster.context) == R.RESTART_APPLICATION


def test_relevance_after_waiting(cluster: Cluster) -> None:
    stop = FailureJob(HCI, R.STOP_APPLICATION, {f"{HCI}:{BUS}"})
    assert still_relevant(stop, R.STOP_APPLICATION, cluster.context)
    restart = FailureJob(SRV, R.RESTART_APPLICATION, {f"{SRV}:{BUS}"})
    assert not still_relevant(restart, R.RESTART_APPLICATION, cluster.context)  # runs again
    cluster.report("server_1", SRV, BUS, P.FATAL, 2.0, expected=False)
    assert still_relevant(restart, R.RESTART_APPLICATION, cluster.context)
    for name in CONSOLE_PROGRAMS:
        cluster.report("console_3", HCI, name, P.STOPPED, 5.0)
    assert not still_relevant(stop, R.STOP_APPLICATION, cluster.context)  # nothing runs
    assert not still_relevant(
        FailureJob("nope", R.STOP_APPLICATION), R.STOP_APPLICATION, cluster.context
    )


def test_crash_of_a_run_that_outlived_its_loss_is_found(cluster: Cluster) -> None:
    """issue 14 soak (seed 14, fault #36): server_1 is cut off (or hung), declared lost, its
    processes forced FATAL; it comes back with the same run of the bus, which then crashes.
    That crash was taken for the loss already noted (same spawn time) and ignored."""
    from supvisors_ext.cluster.membership import lose_processes
    from supvisors_ext.model import InstanceStates

    book = FailureBook()
    server_1 = cluster.context.instances[cluster.id("server_1")]
    spawned = cluster.infos[("server_1", SRV, BUS)].start
    server_1.state = InstanceStates.STOPPED
    lost = lose_processes(cluster.context, server_1, 2.0)
    assert f"{SRV}:{BUS}" in lost
    book.note_loss(cluster.context, cluster.id("server_1"), lost)
    assert (
        book.scan(cluster.context, live(cluster) - {cluster.id("server_1")}, never_starting) == []
    )
    server_1.state = InstanceStates.RUNNING
    cluster.report("server_1", SRV, BUS, P.RUNNING, 3.0)  # the same run, back in the views
    assert book.scan(cluster.context, live(cluster), never_starting) == []
    cluster.report("server_1", SRV, BUS, P.EXITED, 4.0, expected=False)
    assert cluster.infos[("server_1", SRV, BUS)].start == spawned
    [failure] = book.scan(cluster.context, live(cluster), never_starting)
    assert failure.record.namespec == f"{SRV}:{BUS}" and not failure.lost


def test_forced_fatal_of_a_loss_is_not_a_crash_once_back(cluster: Cluster) -> None:
    from supvisors_ext.cluster.membership import lose_processes
    from supvisors_ext.model import InstanceStates

    book = FailureBook()
    server_1 = cluster.context.instances[cluster.id("server_1")]
    server_1.state = InstanceStates.STOPPED
    lose_processes(cluster.context, server_1, 2.0)
    server_1.state = InstanceStates.RUNNING  # back before any new report of its processes
    assert book.scan(cluster.context, live(cluster), never_starting) == []
