"""The job driver `Jobs` (docs/design/jobs.md): planning, placement, pending loads, bookkeeping."""

from __future__ import annotations

import pytest

from supvisors_ext.cluster.context import ApplicationRecord
from supvisors_ext.jobs.control import JOB_RECHECK_PERIOD, JobOutcome, Jobs
from supvisors_ext.jobs.start import (
    NO_RESOURCE,
    ForceCommand,
    StartCommand,
    StopApplicationCommand,
)
from supvisors_ext.jobs.stop import StopCommand
from supvisors_ext.model import InstanceStates, StartingStrategies
from tests.unit.jobkit import (
    BUS,
    CHECK,
    CONSOLE_PROGRAMS,
    INTERFACE,
    SERVERS,
    SRV_LOAD,
    STAGE3,
    Cluster,
    P,
    scenario2,
)

S = StartingStrategies
HCI = "scen2_hci_02"
VIEWS = ("scen2_chart_view", "scen2_sensor_control", "scen2_sensor_view")


def srv(index: int) -> str:
    return f"scen2_srv_{index:02}"


def app(cluster: Cluster, name: str) -> ApplicationRecord:
    return cluster.context.applications[name]


def start(cluster: Cluster, nick: str, group: str, *names: str) -> list[StartCommand]:
    return [StartCommand(cluster.id(nick), f"{group}:{name}", "") for name in names]


def plan(
    cluster: Cluster, jobs: Jobs, group: str, strategy: S, local: str, now: float = 0.0
) -> list[object]:
    _job, commands = jobs.start_application(app(cluster, group), strategy, cluster.id(local), now)
    return list(commands)


def pending(cluster: Cluster, jobs: Jobs, *nicks: str) -> list[int]:
    return [jobs.pending_load(cluster.id(nick)) for nick in nicks]


def run_srv(cluster: Cluster, jobs: Jobs, nick: str, group: str, now: float) -> float:
    """Let every request of a started scen2_srv succeed on `nick`, stage by stage."""
    cluster.run(nick, group, BUS, now)
    assert jobs.step(now) == start(cluster, nick, group, CHECK)
    cluster.exit_ok(nick, group, CHECK, now + 1)
    assert jobs.step(now + 1) == start(cluster, nick, group, *STAGE3)
    cluster.exit_ok(nick, group, STAGE3[0], now + 2)
    for name in STAGE3[1:]:
        cluster.run(nick, group, name, now + 2)
    assert jobs.step(now + 2) == start(cluster, nick, group, INTERFACE)
    cluster.run(nick, group, INTERFACE, now + 3)
    assert jobs.step(now + 3) == []
    return now + 3


# --- placement by load (docs/design/placement.md#load, Req 5, Req 13)
# ------------------------------------


def test_less_loaded_spreads_the_srv_over_three_servers_before_any_runs() -> None:
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    for index, nick in enumerate(SERVERS, 1):
        commands = plan(cluster, jobs, srv(index), S.LESS_LOADED, "server_1")
        assert commands == start(cluster, nick, srv(index), BUS)
    assert pending(cluster, jobs, *SERVERS) == [SRV_LOAD] * 3
    assert [cluster.context.loading(cluster.id(nick)) for nick in SERVERS] == [0, 0, 0]
    assert jobs.starting_applications() == (srv(1), srv(2), srv(3))


@pytest.mark.parametrize("strategy", [S.LESS_LOADED, S.CONFIG, S.MOST_LOADED])
def test_one_server_takes_two_srv_and_the_third_gets_no_resource(strategy: S) -> None:
    cluster = scenario2(servers=("server_1",))
    jobs = Jobs(cluster.context, 1.0)
    assert plan(cluster, jobs, srv(1), strategy, "server_1") == start(
        cluster, "server_1", srv(1), BUS
    )
    assert plan(cluster, jobs, srv(2), strategy, "server_1") == start(
        cluster, "server_1", srv(2), BUS
    )
    assert pending(cluster, jobs, "server_1") == [2 * SRV_LOAD]
    job, commands = jobs.start_application(
        app(cluster, srv(3)), strategy, cluster.id("server_1"), 0
    )
    assert commands == [
        ForceCommand(srv(3), BUS, P.FATAL, NO_RESOURCE, ""),
        StopApplicationCommand(srv(3)),
    ]
    assert job.ended and job.requests_sent == 0
    assert jobs.outcomes[srv(3)] == JobOutcome(srv(3), 0, (f"{srv(3)}:{BUS}: {NO_RESOURCE}",))
    assert jobs.starting_applications() == (srv(1), srv(2))
    assert pending(cluster, jobs, "server_1") == [2 * SRV_LOAD]  # nothing reserved for it


def test_servers_not_running_are_no_candidates() -> None:
    cluster = scenario2()
    cluster.set_instance("server_2", InstanceStates.FAILED)
    cluster.set_instance("server_3", InstanceStates.STOPPED)
    jobs = Jobs(cluster.context, 1.0)
    plan(cluster, jobs, srv(1), S.LESS_LOADED, "server_1")
    plan(cluster, jobs, srv(2), S.LESS_LOADED, "server_1")
    assert plan(cluster, jobs, srv(3), S.LESS_LOADED, "server_1")[0] == ForceCommand(
        srv(3), BUS, P.FATAL, NO_RESOURCE, ""
    )


def test_two_srv_running_on_one_server_load_it_at_84() -> None:
    """Req 5: with one server, its loading is 84 once both jobs are done, nothing pending."""
    cluster = scenario2(servers=("server_1",))
    jobs = Jobs(cluster.context, 1.0)
    plan(cluster, jobs, srv(1), S.LESS_LOADED, "server_1")
    plan(cluster, jobs, srv(2), S.LESS_LOADED, "server_1")
    now = run_srv(cluster, jobs, "server_1", srv(1), 1.0)
    run_srv(cluster, jobs, "server_1", srv(2), now + 1)
    assert cluster.context.loading(cluster.id("server_1")) == 2 * SRV_LOAD
    assert pending(cluster, jobs, "server_1") == [0]
    assert jobs.start_jobs == {}
    assert jobs.outcomes[srv(1)] == JobOutcome(srv(1), 7, ())


def test_pending_load_follows_the_job() -> None:
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    plan(cluster, jobs, srv(1), S.CONFIG, "server_1")
    s1 = cluster.id("server_1")
    assert jobs.pending_load(s1) == SRV_LOAD  # the whole application is reserved at once
    cluster.report("server_1", srv(1), BUS, P.STARTING, 1.0)
    assert jobs.pending_load(s1) == SRV_LOAD - 2  # the bus now counts in L(i)
    assert cluster.context.loading(s1) == 2
    cluster.report("server_1", srv(1), BUS, P.RUNNING, 1.5)
    jobs.step(1.5)
    cluster.exit_ok("server_1", srv(1), CHECK, 2.0)
    jobs.step(2.0)
    for name in STAGE3[1:]:
        cluster.report("server_1", srv(1), name, P.STARTING, 3.0)
    assert jobs.pending_load(s1) == 10  # only the interface is left
    assert cluster.context.loading(s1) == SRV_LOAD - 10
    assert pending(cluster, jobs, "server_2", "server_3") == [0, 0]


def test_a_failed_request_is_no_longer_pending() -> None:
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    plan(cluster, jobs, HCI, S.LOCAL, "console_2")
    c2 = cluster.id("console_2")
    assert jobs.pending_load(c2) == 26
    cluster.run("console_2", HCI, BUS, 1.0)
    jobs.step(1.0)
    cluster.exit_ok("console_2", HCI, CHECK, 2.0)
    jobs.step(2.0)
    cluster.report("console_2", HCI, VIEWS[0], P.STARTING, 3.0)
    cluster.report("console_2", HCI, VIEWS[0], P.FATAL, 3.5)
    jobs.step(3.5)
    assert jobs.pending_load(c2) == 16  # the two other views


# --- LOCAL (Req 2, Req 3) ------------------------------------------------------------------


def test_local_places_scen2_hci_on_the_console_asked() -> None:
    cluster = scenario2(local="console_2")
    jobs = Jobs(cluster.context, 1.0)
    assert plan(cluster, jobs, HCI, S.LOCAL, "console_2") == start(cluster, "console_2", HCI, BUS)
    cluster.run("console_2", HCI, BUS, 1.0)
    assert jobs.step(1.0) == start(cluster, "console_2", HCI, CHECK)


def test_local_from_a_server_places_nothing() -> None:
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    job, commands = jobs.start_application(app(cluster, HCI), S.LOCAL, cluster.id("server_1"), 0)
    # CONTINUE: every stage is reached, every process forced
    assert commands == [
        ForceCommand(HCI, name, P.FATAL, NO_RESOURCE, "") for name in CONSOLE_PROGRAMS
    ]
    assert job.ended and job.requests_sent == 0
    assert jobs.starting_applications() == ()


# --- repair (docs/design/jobs.md#automatic-start-and-repair)
# -------------------------------------------------------------


def partly_running_on_server_2(cluster: Cluster) -> None:
    """scen2_srv_01 runs on server_2 except scen2_data_processing (stopped there)."""
    group = srv(1)
    cluster.run("server_2", group, BUS, 0.1)
    cluster.exit_ok("server_2", group, CHECK, 0.2)
    cluster.exit_ok("server_2", group, STAGE3[0], 0.3)
    for name in ("scen2_config_manager", "scen2_sensor_acquisition", INTERFACE):
        cluster.run("server_2", group, name, 0.3)
    cluster.run("server_2", group, "scen2_data_processing", 0.3)
    cluster.report("server_2", group, "scen2_data_processing", P.STOPPED, 0.5)


def test_single_instance_repair_restarts_missing_processes_where_it_runs() -> None:
    cluster = scenario2()
    partly_running_on_server_2(cluster)
    jobs = Jobs(cluster.context, 1.0)
    # LESS_LOADED alone would choose server_1 (load 0): the placement is forced
    commands = plan(cluster, jobs, srv(1), S.LESS_LOADED, "server_1", now=1.0)
    assert commands == start(cluster, "server_2", srv(1), "scen2_data_processing")
    # only the missing process is pending; the running ones are already in L(i)
    assert pending(cluster, jobs, *SERVERS) == [0, 10, 0]
    assert cluster.context.loading(cluster.id("server_2")) == 32
    cluster.run("server_2", srv(1), "scen2_data_processing", 2.0)
    assert jobs.step(2.0) == []
    assert jobs.outcomes[srv(1)] == JobOutcome(srv(1), 1, ())


def test_repair_after_a_newcomer_reports_the_checks_stopped() -> None:
    """docs/design/jobs.md#automatic-start-and-repair: the checks exited in the current run on
    server_2; server_3 restarts and reports
    them STOPPED (never started) later: the repair must not run them again."""
    cluster = scenario2()
    partly_running_on_server_2(cluster)
    cluster.infos = {key: info for key, info in cluster.infos.items() if key[0] != "server_3"}
    cluster.configure("server_3", srv(1), (CHECK, STAGE3[0]), now=0.8)
    jobs = Jobs(cluster.context, 1.0)
    commands = plan(cluster, jobs, srv(1), S.LESS_LOADED, "server_1", now=1.0)
    assert commands == start(cluster, "server_2", srv(1), "scen2_data_processing")


def test_single_instance_repair_where_the_forced_instance_is_gone() -> None:
    cluster = scenario2()
    partly_running_on_server_2(cluster)
    cluster.set_instance("server_2", InstanceStates.FAILED)
    jobs = Jobs(cluster.context, 1.0)
    commands = plan(cluster, jobs, srv(1), S.LESS_LOADED, "server_1", now=1.0)
    assert commands == [
        ForceCommand(srv(1), "scen2_data_processing", P.FATAL, NO_RESOURCE, ""),
        StopApplicationCommand(srv(1)),
    ]


# --- start_process jobs -------------------------------------------------------------------


def test_start_processes_key_and_wait_exit_ignored() -> None:
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    record = cluster.record(srv(1), CHECK)
    job, commands = jobs.start_processes(
        app(cluster, srv(1)), [record], S.CONFIG, cluster.id("server_1"), 0.0, "-x 1"
    )
    assert commands == [StartCommand(cluster.id("server_1"), f"{srv(1)}:{CHECK}", "-x 1")]
    assert list(jobs.start_jobs) == [f"{srv(1)}:{CHECK}"]
    assert jobs.starting_applications() == (srv(1),)
    cluster.run("server_1", srv(1), CHECK, 1.0)
    assert jobs.step(1.0) == []
    assert job.ended and jobs.outcomes[f"{srv(1)}:{CHECK}"] == JobOutcome(
        f"{srv(1)}:{CHECK}", 1, ()
    )


def test_start_processes_of_a_group_is_keyed_by_group_star() -> None:
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    records = [cluster.record(srv(1), BUS), cluster.record(srv(1), CHECK)]
    jobs.start_processes(app(cluster, srv(1)), records, S.CONFIG, cluster.id("server_1"), 0.0)
    assert list(jobs.start_jobs) == [f"{srv(1)}:*"]


# --- bookkeeping --------------------------------------------------------------------------


def test_starting_stopping_and_busy() -> None:
    cluster = scenario2()
    cluster.run("server_2", srv(2), BUS, 0.0)
    jobs = Jobs(cluster.context, 1.0)
    plan(cluster, jobs, srv(1), S.CONFIG, "server_1")
    stop_job, commands = jobs.stop_processes(
        app(cluster, srv(2)), list(app(cluster, srv(2)).processes.values()), 0.0, srv(2)
    )
    assert commands == [StopCommand(cluster.id("server_2"), f"{srv(2)}:{BUS}")]
    assert jobs.starting_applications() == (srv(1),)
    assert jobs.stopping_applications() == (srv(2),)
    assert jobs.busy(srv(1)) and jobs.busy(srv(2)) and not jobs.busy(srv(3))
    cluster.report("server_2", srv(2), BUS, P.STOPPED, 1.0)
    jobs.step(1.0)
    assert stop_job.ended and not jobs.busy(srv(2))
    assert jobs.outcomes[srv(2)] == JobOutcome(srv(2), 0, ())


def test_refused_requests_reach_their_job() -> None:
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    plan(cluster, jobs, srv(1), S.CONFIG, "server_1")
    assert jobs.refused(f"{srv(1)}:{BUS}", "ALREADY_STARTED: x") == []
    assert jobs.step(0.5) == start(cluster, "server_1", srv(1), CHECK)
    assert jobs.refused(f"{srv(1)}:{CHECK}", "SPAWN_ERROR: x") == []
    assert jobs.step(0.6) == [StopApplicationCommand(srv(1))]
    assert jobs.outcomes[srv(1)].failures == (f"{srv(1)}:{CHECK}: SPAWN_ERROR: x",)


def test_abort_all_drops_every_job() -> None:
    cluster = scenario2()
    cluster.run("server_2", srv(2), BUS, 0.0)
    jobs = Jobs(cluster.context, 1.0)
    plan(cluster, jobs, srv(1), S.CONFIG, "server_1")
    jobs.stop_processes(app(cluster, srv(2)), [cluster.record(srv(2), BUS)], 0.0, "stop x")
    jobs.abort_all()
    assert jobs.start_jobs == {} and jobs.stop_jobs == {}
    assert jobs.starting_applications() == () and jobs.stopping_applications() == ()
    assert jobs.outcomes[srv(1)] == JobOutcome(srv(1), 1, ("aborted",))
    assert jobs.outcomes["stop x"] == JobOutcome("stop x", 0, ("aborted",))
    assert jobs.pending_load(cluster.id("server_1")) == 0
    assert jobs.step(100.0) == []


def test_abort_all_ends_the_jobs_their_callers_wait_on() -> None:
    """issue 14: the Master lost during a restart_application sent to a non-Master; the
    election aborts the jobs and the waiting call must be answered now, not at the limit."""
    cluster = scenario2()
    cluster.run("server_2", srv(2), BUS, 0.0)
    jobs = Jobs(cluster.context, 1.0)
    start_job, _ = jobs.start_application(app(cluster, srv(1)), S.CONFIG, cluster.id("server_1"), 0)
    stop_job, _ = jobs.stop_processes(app(cluster, srv(2)), [cluster.record(srv(2), BUS)], 0, "x")
    jobs.abort_all()
    assert start_job.ended and start_job.failures == ["aborted"]
    assert stop_job.ended and stop_job.failures == ["aborted"]


def test_a_new_start_job_ends_the_one_it_replaces() -> None:
    """A repair's start of an application whose start job runs here: the first job's waiters
    get their answer (it no longer advances once replaced)."""
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    first, _ = jobs.start_application(app(cluster, srv(1)), S.CONFIG, cluster.id("server_1"), 0)
    second, _ = jobs.start_application(app(cluster, srv(1)), S.CONFIG, cluster.id("server_1"), 1)
    assert first.ended and first.failures == ["replaced by a new start job"]
    assert not second.ended and jobs.start_jobs[srv(1)] is second


# --- stop while starting (docs/design/jobs.md) ------------------------------------------


def test_stopping_the_application_ends_its_start_job() -> None:
    """A wait_exit check blocks its stage until it exits or the application is stopped."""
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    plan(cluster, jobs, HCI, S.LOCAL, "console_2")
    cluster.run("console_2", HCI, BUS, 1.0)
    jobs.step(1.0)
    cluster.run("console_2", HCI, CHECK, 2.0)  # keeps running: its stage waits
    assert jobs.step(2.0) == []
    start_job = jobs.start_jobs[HCI]
    records = list(app(cluster, HCI).processes.values())
    _stop_job, commands = jobs.stop_processes(app(cluster, HCI), records, 3.0, HCI)
    assert commands == [StopCommand(cluster.id("console_2"), f"{HCI}:{CHECK}")]
    assert start_job.ended and jobs.starting_applications() == ()
    cluster.report("console_2", HCI, CHECK, P.STOPPING, 3.5)
    cluster.report("console_2", HCI, CHECK, P.STOPPED, 4.0)
    # scen2_hci is CONTINUE: the views must not be started after the stop
    assert jobs.step(4.0) == [StopCommand(cluster.id("console_2"), f"{HCI}:{BUS}")]


def test_a_second_stop_with_the_same_key_joins_the_first() -> None:
    cluster = scenario2()
    cluster.run("server_2", srv(2), BUS, 0.0)
    jobs = Jobs(cluster.context, 1.0)
    records = list(app(cluster, srv(2)).processes.values())
    first, commands = jobs.stop_processes(app(cluster, srv(2)), records, 0.0, srv(2))
    assert commands
    second, again = jobs.stop_processes(app(cluster, srv(2)), records, 0.5, srv(2))
    assert second is first and again == []
    cluster.report("server_2", srv(2), BUS, P.STOPPED, 1.0)
    jobs.step(1.0)
    assert first.ended


def test_a_job_with_nothing_new_is_stepped_only_for_its_deadlines() -> None:
    """`Jobs.step` leaves alone a start job whose records and instances did not change, for up
    to JOB_RECHECK_PERIOD (issue 18); any change of them, or the period, steps it again."""
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    jobs.start_application(app(cluster, srv(1)), S.CONFIG, cluster.id("server_1"), 0)

    def last_step() -> float:
        return jobs.step_memo[srv(1)][1]

    jobs.step(1.0)
    jobs.step(1.15)  # nothing new, within the period: left alone
    assert last_step() == 1.0
    jobs.step(1.01 + JOB_RECHECK_PERIOD)  # its deadlines are checked again
    assert last_step() == 1.01 + JOB_RECHECK_PERIOD
    cluster.report("server_1", srv(1), BUS, P.STARTING, 1.22)
    jobs.step(1.22)  # its own records changed
    assert last_step() == 1.22
    cluster.set_instance("server_2", InstanceStates.FAILED)
    jobs.step(1.23)  # an instance changed
    assert last_step() == 1.23
    cluster.report("server_2", srv(2), BUS, P.STARTING, 1.24)
    jobs.step(1.24)  # another application's records: not its news
    assert last_step() == 1.23
    # a stage done is followed at once by the next one
    cluster.report("server_1", srv(1), BUS, P.RUNNING, 1.25)
    assert jobs.step(1.25) == start(cluster, "server_1", srv(1), CHECK)
