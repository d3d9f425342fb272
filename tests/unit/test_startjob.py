"""Start jobs (docs/design/jobs.md): stages, completion table, timeouts, failures."""

from __future__ import annotations

import pytest

from supvisors_ext.cluster.context import ProcessRecord
from supvisors_ext.jobs.start import (
    NO_RESOURCE,
    ForceCommand,
    RequestStatus,
    StartCommand,
    StartJob,
    StopApplicationCommand,
    build_stages,
)
from supvisors_ext.model import InstanceStates, StartingFailureStrategies
from supvisors_ext.rules import ProgramRules
from tests.unit.jobkit import BUS, CHECK, INTERFACE, STAGE3, Cluster, P, scenario2

F = StartingFailureStrategies
G = "scen2_srv_01"
HCI = "scen2_hci_01"
STARTING_LATE = "STARTING event not received in time"
RUNNING_LATE = "RUNNING event not received in time"


def ns(name: str, group: str = G) -> str:
    return f"{group}:{name}"


@pytest.fixture
def cluster() -> Cluster:
    return scenario2()


def make_job(
    cluster: Cluster,
    group: str = G,
    target: str | None = "server_1",
    *,
    strategy: StartingFailureStrategies | None = None,
    tick: float = 1.0,
    records: list[ProcessRecord] | None = None,
    use_wait_exit: bool = True,
) -> StartJob:
    """A job placing everything on `target` (a nick; None: no resource)."""
    application = cluster.context.applications[group]
    chosen = records or list(application.processes.values())
    identifier = cluster.id(target) if target else None

    def failure_strategy(record: ProcessRecord) -> StartingFailureStrategies:
        return strategy if strategy is not None else record.rules.starting_failure_strategy

    return StartJob(
        application=group,
        stages=build_stages(chosen, use_wait_exit=use_wait_exit, include_zero=not use_wait_exit),
        placer=lambda _record: identifier,
        failure_strategy_of=failure_strategy,
        tick_period=tick,
    )


def start(cluster: Cluster, nick: str, *names: str, group: str = G) -> list[StartCommand]:
    return [StartCommand(cluster.id(nick), ns(name, group), "") for name in names]


def force(cluster: Cluster, name: str, reason: str, nick: str | None = "server_1") -> ForceCommand:
    target = cluster.id(nick) if nick else ""
    return ForceCommand(G, name, P.FATAL, reason, target)


def to_stage3(cluster: Cluster, job: StartJob, nick: str = "server_1") -> float:
    """Drive the job through stages 1 and 2 on `nick`; return the time reached."""
    assert job.step(cluster.context, 0.0) == start(cluster, nick, BUS)
    cluster.run(nick, G, BUS, 1.0)
    assert job.step(cluster.context, 1.0) == start(cluster, nick, CHECK)
    cluster.exit_ok(nick, G, CHECK, 2.0)
    assert job.step(cluster.context, 2.0) == start(cluster, nick, *STAGE3)
    return 2.0


# --- build_stages -------------------------------------------------------------------------


def record(name: str, sequence: int, wait_exit: bool = False) -> ProcessRecord:
    return ProcessRecord("app", name, ProgramRules(start_sequence=sequence, wait_exit=wait_exit))


def names(stages: list[list[object]]) -> list[list[str]]:
    return [[request.record.name for request in stage] for stage in stages]  # type: ignore[attr-defined]


def test_build_stages_scenario2_order(cluster: Cluster) -> None:
    records = list(cluster.context.applications[G].processes.values())
    stages = build_stages(records, use_wait_exit=True, include_zero=False)
    assert names(stages) == [[BUS], [CHECK], list(STAGE3), [INTERFACE]]  # type: ignore[arg-type]
    waiting = {r.record.name for stage in stages for r in stage if r.wait_exit}
    assert waiting == {CHECK, "scen2_check_common_data_bus"}
    assert all(r.status == RequestStatus.WAITING for stage in stages for r in stage)


def test_build_stages_zero_excluded_or_included() -> None:
    records = [record("d", 2), record("a", 0), record("c", 1), record("b", 2)]
    excluded = build_stages(records, use_wait_exit=True, include_zero=False)
    included = build_stages(records, use_wait_exit=True, include_zero=True)
    assert names(excluded) == [["c"], ["b", "d"]]  # type: ignore[arg-type]
    assert names(included) == [["a"], ["c"], ["b", "d"]]  # type: ignore[arg-type]


def test_build_stages_wait_exit_ignored_for_start_process() -> None:
    records = [record("check", 1, wait_exit=True)]
    assert build_stages(records, use_wait_exit=True, include_zero=True)[0][0].wait_exit
    assert not build_stages(records, use_wait_exit=False, include_zero=True)[0][0].wait_exit


# --- stages in order ----------------------------------------------------------------------


def test_stage_one_is_requested_first(cluster: Cluster) -> None:
    job = make_job(cluster)
    assert job.step(cluster.context, 0.0) == start(cluster, "server_1", BUS)
    assert job.stage_index == 0
    assert job.requests_sent == 1
    assert job.step(cluster.context, 0.5) == []  # nothing new before the bus runs


def test_whole_sequence_waits_for_each_stage(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, BUS, P.STARTING, 0.5)
    assert job.step(cluster.context, 0.5) == []  # STARTING is not completion
    cluster.report("server_1", G, BUS, P.RUNNING, 1.0)
    assert job.step(cluster.context, 1.0) == start(cluster, "server_1", CHECK)
    cluster.run("server_1", G, CHECK, 2.0)
    assert job.step(cluster.context, 2.0) == []  # RUNNING with wait_exit: wait for its exit
    assert job.step(cluster.context, 500.0) == []  # ... with no timeout
    cluster.report("server_1", G, CHECK, P.EXITED, 501.0)
    assert job.step(cluster.context, 501.0) == start(cluster, "server_1", *STAGE3)
    for name in STAGE3[1:]:
        cluster.run("server_1", G, name, 502.0)
    cluster.run("server_1", G, STAGE3[0], 502.0)  # the wait_exit check of stage 3
    assert job.step(cluster.context, 502.0) == []
    cluster.report("server_1", G, STAGE3[0], P.EXITED, 503.0)
    assert job.step(cluster.context, 503.0) == start(cluster, "server_1", INTERFACE)
    cluster.run("server_1", G, INTERFACE, 504.0)
    assert job.step(cluster.context, 504.0) == []
    assert job.ended and job.failures == [] and job.requests_sent == 7
    assert job.step(cluster.context, 505.0) == []


def test_next_stage_needs_every_request_of_the_stage(cluster: Cluster) -> None:
    job = make_job(cluster)
    now = to_stage3(cluster, job)
    cluster.exit_ok("server_1", G, STAGE3[0], now + 1)  # the wait_exit check
    for name in STAGE3[1:-1]:
        cluster.run("server_1", G, name, now + 1)
    cluster.report("server_1", G, STAGE3[-1], P.STARTING, now + 1)
    assert job.step(cluster.context, now + 1) == []
    cluster.report("server_1", G, STAGE3[-1], P.RUNNING, now + 2)
    assert job.step(cluster.context, now + 2) == start(cluster, "server_1", INTERFACE)


def test_already_running_processes_are_skipped(cluster: Cluster) -> None:
    cluster.run("server_2", G, BUS, 0.0)  # already running, even elsewhere
    job = make_job(cluster)
    assert job.step(cluster.context, 1.0) == start(cluster, "server_1", CHECK)
    assert job.stages[0][0].status == RequestStatus.SUCCEEDED
    assert job.requests_sent == 1


# --- timeouts -----------------------------------------------------------------------------


@pytest.mark.parametrize(("tick", "timeout"), [(1.0, 5.0), (2.5, 5.0), (5.0, 10.0)])
def test_no_starting_within_event_timeout_fails_and_forces(
    cluster: Cluster, tick: float, timeout: float
) -> None:
    job = make_job(cluster, tick=tick)
    job.step(cluster.context, 0.0)
    assert job.step(cluster.context, timeout) == []
    commands = job.step(cluster.context, timeout + 0.1)
    assert commands == [force(cluster, BUS, STARTING_LATE), StopApplicationCommand(G)]
    assert job.ended and job.failures == [f"{ns(BUS)}: {STARTING_LATE}"]


def test_a_target_working_through_a_backlog_of_spawns_gets_more_time(cluster: Cluster) -> None:
    """The STARTING deadline runs from the target's last spawn when it is later than our
    request: at a large launch a server spawns hundreds of processes in turn (issue 18)."""
    job = make_job(cluster, tick=1.0)
    job.step(cluster.context, 0.0)  # BUS requested on server_1
    other = "scen2_srv_02"
    cluster.report("server_1", other, BUS, P.STARTING, 4.0)  # server_1 is busy spawning
    cluster.report("server_1", other, CHECK, P.STARTING, 8.0)
    assert job.step(cluster.context, 13.0) == []  # 13 s after the request, 5 s after a spawn
    assert job.step(cluster.context, 13.1) == [
        force(cluster, BUS, STARTING_LATE),
        StopApplicationCommand(G),
    ]


def test_a_backlog_extends_the_starting_deadline_to_a_minute_at_most(cluster: Cluster) -> None:
    job = make_job(cluster, tick=1.0)
    job.step(cluster.context, 0.0)
    for index in range(16):  # a spawn every 4 s, for 64 s
        cluster.report("server_1", f"scen2_srv_{index + 2:02}", BUS, P.STARTING, 4.0 * index)
    assert job.step(cluster.context, 60.0) == []
    assert job.step(cluster.context, 60.1)[0] == force(cluster, BUS, STARTING_LATE)


@pytest.mark.parametrize(("tick", "timeout"), [(1.0, 5.0), (5.0, 10.0)])
def test_no_running_within_startsecs_plus_timeout_fails_and_forces(
    cluster: Cluster, tick: float, timeout: float
) -> None:
    job = make_job(cluster, tick=tick)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, BUS, P.STARTING, 1.0, startsecs=3)
    deadline = 1.0 + 3 + timeout
    assert job.step(cluster.context, deadline) == []
    assert job.step(cluster.context, deadline + 0.1) == [
        force(cluster, BUS, RUNNING_LATE),
        StopApplicationCommand(G),
    ]


def test_backoff_keeps_waiting_and_restarts_the_running_deadline(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, BUS, P.STARTING, 1.0, startsecs=1)  # deadline 1 + 1 + 5 = 7
    cluster.report("server_1", G, BUS, P.BACKOFF, 6.0, startsecs=1)  # deadline 6 + 1 + 5 = 12
    assert job.step(cluster.context, 11.9) == []
    cluster.report("server_1", G, BUS, P.STARTING, 11.9, startsecs=1)  # deadline 17.9
    assert job.step(cluster.context, 17.5) == []
    cluster.report("server_1", G, BUS, P.BACKOFF, 17.6, startsecs=1)  # deadline 23.6
    assert job.step(cluster.context, 23.6) == []
    assert job.step(cluster.context, 23.7) == [
        force(cluster, BUS, RUNNING_LATE),
        StopApplicationCommand(G),
    ]


def test_backoff_then_running_succeeds(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, BUS, P.BACKOFF, 1.0)
    assert job.step(cluster.context, 1.0) == []
    cluster.report("server_1", G, BUS, P.STARTING, 2.0)
    cluster.report("server_1", G, BUS, P.RUNNING, 3.0)
    assert job.step(cluster.context, 3.0) == start(cluster, "server_1", CHECK)


# --- failures -----------------------------------------------------------------------------


def test_target_instance_lost_is_a_failure(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, BUS, P.STARTING, 1.0)
    cluster.set_instance("server_1", InstanceStates.FAILED)
    assert job.step(cluster.context, 1.5) == [StopApplicationCommand(G)]  # nothing forced
    assert job.ended and len(job.failures) == 1 and "lost" in job.failures[0]


def test_exited_unexpected_is_a_failure(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.run("server_1", G, BUS, 1.0)
    job.step(cluster.context, 1.0)
    cluster.report("server_1", G, CHECK, P.STARTING, 2.0)
    cluster.report("server_1", G, CHECK, P.EXITED, 2.5, expected=False)
    assert job.step(cluster.context, 2.5) == [StopApplicationCommand(G)]
    assert job.failures and job.failures[0].startswith(ns(CHECK))


def test_exited_expected_without_wait_exit_is_a_failure(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, BUS, P.STARTING, 1.0)
    cluster.report("server_1", G, BUS, P.EXITED, 1.5)
    assert job.step(cluster.context, 1.5) == [StopApplicationCommand(G)]


@pytest.mark.parametrize("state", [P.FATAL, P.STOPPED, P.UNKNOWN, P.STOPPING])
def test_stopped_like_state_after_spawn_is_a_failure(cluster: Cluster, state: P) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, BUS, P.STARTING, 1.0)
    assert job.step(cluster.context, 1.0) == []
    cluster.report("server_1", G, BUS, state, 2.0)
    assert job.step(cluster.context, 2.0) == [StopApplicationCommand(G)]
    assert job.failures == [f"{ns(BUS)}: {state.name}"]


def test_stale_stopped_state_before_the_spawn_is_not_a_failure(cluster: Cluster) -> None:
    cluster.run("server_1", G, BUS, 0.0)
    cluster.report("server_1", G, BUS, P.STOPPED, 1.0)  # an earlier run
    job = make_job(cluster)
    assert job.step(cluster.context, 10.0) == start(cluster, "server_1", BUS)
    cluster.report("server_1", G, BUS, P.STOPPED, 10.5)  # re-published, same spawn
    assert job.step(cluster.context, 11.0) == []
    cluster.report("server_1", G, BUS, P.STARTING, 12.0)
    cluster.report("server_1", G, BUS, P.RUNNING, 12.0)
    assert job.step(cluster.context, 12.0) == start(cluster, "server_1", CHECK)
    assert job.failures == []


def test_stale_exited_check_of_an_earlier_run_is_not_its_completion(cluster: Cluster) -> None:
    cluster.exit_ok("server_1", G, CHECK, 0.0)  # an earlier run of the application
    job = make_job(cluster)
    job.step(cluster.context, 10.0)
    cluster.run("server_1", G, BUS, 11.0)
    assert job.step(cluster.context, 11.0) == start(cluster, "server_1", CHECK)
    assert job.step(cluster.context, 12.0) == []  # the old EXITED does not complete it
    cluster.exit_ok("server_1", G, CHECK, 13.0)
    assert job.step(cluster.context, 13.0) == start(cluster, "server_1", *STAGE3)


def test_fresh_exit_in_the_same_wall_second_as_the_earlier_run_completes(
    cluster: Cluster,
) -> None:
    """Only the final EXITED is seen, and `start` (whole seconds) did not change."""
    cluster.exit_ok("server_1", G, CHECK, 0.0)
    job = make_job(cluster)
    job.step(cluster.context, 0.2)
    cluster.run("server_1", G, BUS, 0.3)
    assert job.step(cluster.context, 0.3) == start(cluster, "server_1", CHECK)
    cluster.report("server_1", G, CHECK, P.STARTING, 0.4, respawn_same_second=True)
    cluster.report("server_1", G, CHECK, P.EXITED, 0.5)
    assert job.step(cluster.context, 0.5) == start(cluster, "server_1", *STAGE3)


def test_repair_counts_an_exited_check_of_the_current_run_as_done(cluster: Cluster) -> None:
    cluster.run("server_1", G, BUS, 0.0)
    cluster.exit_ok("server_1", G, CHECK, 1.0)
    job = make_job(cluster)
    assert job.step(cluster.context, 2.0) == start(cluster, "server_1", *STAGE3)


def stage3_with_one_failure(cluster: Cluster, job: StartJob) -> float:
    """Stage 3: data_processing exits unexpectedly while the others are still starting."""
    now = to_stage3(cluster, job)
    for name in STAGE3:
        cluster.report("server_1", G, name, P.STARTING, now + 1)
    cluster.report("server_1", G, "scen2_data_processing", P.EXITED, now + 2, expected=False)
    assert job.step(cluster.context, now + 2) == []  # the others are in flight
    assert not job.ended
    cluster.report("server_1", G, "scen2_check_common_data_bus", P.EXITED, now + 3)
    for name in ("scen2_config_manager", "scen2_sensor_acquisition"):
        cluster.report("server_1", G, name, P.RUNNING, now + 3)
    return now + 3


def test_abort_drops_remaining_stages_and_ends(cluster: Cluster) -> None:
    job = make_job(cluster, strategy=F.ABORT)
    now = stage3_with_one_failure(cluster, job)
    assert job.step(cluster.context, now) == []
    assert job.ended and job.requests_sent == 6  # the interface never requested


def test_stop_drops_remaining_stages_then_stops_the_application(cluster: Cluster) -> None:
    job = make_job(cluster, strategy=F.STOP)
    now = stage3_with_one_failure(cluster, job)
    assert job.step(cluster.context, now) == [StopApplicationCommand(G)]
    assert job.ended and job.requests_sent == 6


def test_continue_goes_on_with_the_next_stage(cluster: Cluster) -> None:
    job = make_job(cluster, strategy=F.CONTINUE)
    now = stage3_with_one_failure(cluster, job)
    assert job.step(cluster.context, now) == start(cluster, "server_1", INTERFACE)
    cluster.run("server_1", G, INTERFACE, now + 1)
    assert job.step(cluster.context, now + 1) == []
    assert job.ended and len(job.failures) == 1


def test_failure_of_a_non_required_process_is_ignored(cluster: Cluster) -> None:
    job = make_job(cluster, HCI, "console_1", strategy=F.STOP)
    assert job.step(cluster.context, 0.0) == start(cluster, "console_1", BUS, group=HCI)
    cluster.run("console_1", HCI, BUS, 1.0)
    job.step(cluster.context, 1.0)
    cluster.exit_ok("console_1", HCI, CHECK, 2.0)
    views = ("scen2_chart_view", "scen2_sensor_control", "scen2_sensor_view")
    assert job.step(cluster.context, 2.0) == start(cluster, "console_1", *views, group=HCI)
    cluster.report("console_1", HCI, "scen2_chart_view", P.STARTING, 3.0)
    cluster.report("console_1", HCI, "scen2_chart_view", P.FATAL, 3.5)
    cluster.run("console_1", HCI, "scen2_sensor_control", 3.5)
    cluster.run("console_1", HCI, "scen2_sensor_view", 3.5)
    assert job.step(cluster.context, 3.5) == []  # no StopApplicationCommand
    assert job.ended and job.failures == [f"{HCI}:scen2_chart_view: FATAL"]


def test_no_placement_forces_no_resource_and_fails(cluster: Cluster) -> None:
    job = make_job(cluster, target=None)
    assert job.step(cluster.context, 0.0) == [
        force(cluster, BUS, NO_RESOURCE, None),
        StopApplicationCommand(G),
    ]
    assert job.ended and job.requests_sent == 0
    assert job.failures == [f"{ns(BUS)}: {NO_RESOURCE}"]


def test_no_placement_with_continue_forces_every_stage(cluster: Cluster) -> None:
    job = make_job(cluster, HCI, target=None)  # scen2_hci: CONTINUE
    commands = job.step(cluster.context, 0.0)
    assert all(isinstance(c, ForceCommand) and c.reason == NO_RESOURCE for c in commands)
    assert [c.name for c in commands] == [  # type: ignore[union-attr]
        BUS,
        CHECK,
        "scen2_chart_view",
        "scen2_sensor_control",
        "scen2_sensor_view",
    ]
    assert job.ended and job.requests_sent == 0


# --- refused requests ---------------------------------------------------------------------


def test_refused_as_already_started_counts_as_success(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    assert job.on_request_refused(ns(BUS), f"ALREADY_STARTED: {ns(BUS)}", cluster.context) == []
    assert job.stages[0][0].status == RequestStatus.SUCCEEDED
    assert job.step(cluster.context, 0.1) == start(cluster, "server_1", CHECK)


def test_refused_otherwise_is_a_failure(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    assert job.on_request_refused(ns(CHECK), "SPAWN_ERROR: x", cluster.context) == []  # not current
    assert job.on_request_refused(ns(BUS), "SPAWN_ERROR: x", cluster.context) == []  # not forced
    assert job.failures == [f"{ns(BUS)}: SPAWN_ERROR: x"]
    assert job.step(cluster.context, 0.1) == [StopApplicationCommand(G)]
    assert job.ended


# --- start_process jobs -------------------------------------------------------------------


def test_start_process_job_ignores_wait_exit(cluster: Cluster) -> None:
    check = cluster.record(G, CHECK)
    job = make_job(cluster, records=[check], use_wait_exit=False)
    assert job.step(cluster.context, 0.0) == start(cluster, "server_1", CHECK)
    cluster.run("server_1", G, CHECK, 1.0)
    assert job.step(cluster.context, 1.0) == []
    assert job.ended and job.failures == []


def test_a_started_process_crashing_during_the_job_is_a_starting_failure(
    cluster: Cluster,
) -> None:
    """startsecs 0: the process succeeds at RUNNING, then exits while the job still runs."""
    job = make_job(cluster)
    now = to_stage3(cluster, job)
    cluster.run("server_1", G, "scen2_data_processing", now + 0.1)
    assert job.step(cluster.context, now + 0.1) == []
    cluster.report("server_1", G, "scen2_data_processing", P.EXITED, now + 0.2, expected=False)
    assert job.step(cluster.context, now + 0.2) == []  # the rest of stage 3 is in flight
    assert job.aborted and job.stop_after
    assert job.failures == [f"{ns('scen2_data_processing')}: EXITED after RUNNING"]
    for name in STAGE3:
        if name != "scen2_data_processing":
            cluster.run("server_1", G, name, now + 0.3)
    cluster.report("server_1", G, "scen2_check_common_data_bus", P.EXITED, now + 0.3)
    assert job.step(cluster.context, now + 0.3) == [StopApplicationCommand(G)]
    assert job.ended


def test_a_process_running_before_the_job_crashing_counts_too(cluster: Cluster) -> None:
    cluster.run("server_1", G, BUS, 0.0)  # a repair: the bus already runs
    job = make_job(cluster)
    assert job.step(cluster.context, 0.5) == start(cluster, "server_1", CHECK)
    cluster.report("server_1", G, BUS, P.FATAL, 0.6, expected=False)
    job.step(cluster.context, 0.6)
    assert job.failures == [f"{ns(BUS)}: FATAL after RUNNING"]


# --- Req 14: BACKOFF is not a success (issue 14) --------------------------------------------


def test_process_found_in_backoff_is_followed_until_fatal(cluster: Cluster) -> None:
    """Its stage begins while it is between retries (spawned by someone else): no success."""
    cluster.report("server_1", G, BUS, P.STARTING, 0.0)
    cluster.report("server_1", G, BUS, P.BACKOFF, 0.5)
    job = make_job(cluster)
    assert job.step(cluster.context, 1.0) == []
    assert job.stages[0][0].status == RequestStatus.REQUESTED
    assert job.requests_sent == 0
    cluster.report("server_1", G, BUS, P.STARTING, 1.5)
    cluster.report("server_1", G, BUS, P.BACKOFF, 2.0)
    assert job.step(cluster.context, 2.0) == []
    assert not job.ended
    cluster.report("server_1", G, BUS, P.FATAL, 3.0)
    assert job.step(cluster.context, 3.0) == [StopApplicationCommand(G)]
    assert job.ended and job.failures == [f"{ns(BUS)}: FATAL"]


def test_process_found_in_backoff_succeeds_once_running(cluster: Cluster) -> None:
    cluster.report("server_1", G, BUS, P.STARTING, 0.0)
    cluster.report("server_1", G, BUS, P.BACKOFF, 0.5)
    job = make_job(cluster)
    job.step(cluster.context, 1.0)
    cluster.report("server_1", G, BUS, P.STARTING, 1.5)
    cluster.report("server_1", G, BUS, P.RUNNING, 2.5)
    assert job.step(cluster.context, 2.5) == start(cluster, "server_1", CHECK)


def test_already_started_refusal_in_backoff_waits_for_the_state(cluster: Cluster) -> None:
    """start_args answered ALREADY_STARTED while the process is in BACKOFF: the job waits
    for RUNNING or FATAL and never calls it a success before (Req 14)."""
    job = make_job(cluster)
    assert job.step(cluster.context, 0.0) == start(cluster, "server_1", BUS)
    cluster.report("server_1", G, BUS, P.STARTING, 0.1)
    cluster.report("server_1", G, BUS, P.BACKOFF, 0.2)
    assert job.on_request_refused(ns(BUS), "ALREADY_STARTED: x", cluster.context) == []
    assert job.stages[0][0].status == RequestStatus.REQUESTED
    assert job.step(cluster.context, 0.3) == []
    cluster.report("server_1", G, BUS, P.FATAL, 1.0)
    assert job.step(cluster.context, 1.0) == [StopApplicationCommand(G)]
    assert job.ended


def test_already_started_refusal_of_a_running_process_succeeds(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.run("server_1", G, BUS, 0.1)
    assert job.on_request_refused(ns(BUS), "ALREADY_STARTED: x", cluster.context) == []
    assert job.stages[0][0].status == RequestStatus.SUCCEEDED
