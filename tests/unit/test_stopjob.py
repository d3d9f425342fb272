"""Stop jobs (docs/design/jobs.md#stop-jobs): stop stages greatest first, completion, loss,
timeouts."""

from __future__ import annotations

import pytest

from supvisors_ext.cluster.membership import lose_processes
from supvisors_ext.jobs.stop import StopCommand, StopJob, build_stop_stages
from supvisors_ext.model import InstanceStates
from tests.unit.jobkit import BUS, CHECK, INTERFACE, STAGE3, Cluster, P, scenario2

G = "scen2_srv_01"
SERVICES = STAGE3[1:]  # stage 3 without its check (which has exited)


def ns(name: str) -> str:
    return f"{G}:{name}"


@pytest.fixture
def cluster() -> Cluster:
    """scen2_srv_01 fully started on server_1: every service runs, both checks have exited."""
    cluster = scenario2()
    cluster.run("server_1", G, BUS, 0.0)
    cluster.exit_ok("server_1", G, CHECK, 0.0)
    cluster.exit_ok("server_1", G, STAGE3[0], 0.0)
    for name in (*SERVICES, INTERFACE):
        cluster.run("server_1", G, name, 0.0)
    return cluster


def make_job(cluster: Cluster, tick: float = 1.0) -> StopJob:
    records = list(cluster.context.applications[G].processes.values())
    return StopJob(G, build_stop_stages(records), tick)


def stop(cluster: Cluster, nick: str, *names: str) -> list[StopCommand]:
    return [StopCommand(cluster.id(nick), ns(name)) for name in names]


def stopped(cluster: Cluster, now: float, *names: str, nick: str = "server_1") -> None:
    for name in names:
        cluster.report(nick, G, name, P.STOPPING, now)
        cluster.report(nick, G, name, P.STOPPED, now)


def test_build_stop_stages_greatest_first(cluster: Cluster) -> None:
    records = list(cluster.context.applications[G].processes.values())
    stages = build_stop_stages(records)
    assert [[request.record.name for request in stage] for stage in stages] == [
        [INTERFACE],
        list(STAGE3),
        [CHECK],
        [BUS],
    ]


def test_stages_are_stopped_in_order_and_the_job_completes(cluster: Cluster) -> None:
    job = make_job(cluster)
    assert job.step(cluster.context, 0.0) == stop(cluster, "server_1", INTERFACE)
    cluster.report("server_1", G, INTERFACE, P.STOPPING, 0.5)
    assert job.step(cluster.context, 0.5) == []  # STOPPING is not stopped
    cluster.report("server_1", G, INTERFACE, P.STOPPED, 1.0)
    assert job.step(cluster.context, 1.0) == stop(cluster, "server_1", *SERVICES)
    stopped(cluster, 2.0, *SERVICES[:-1])
    assert job.step(cluster.context, 2.0) == []  # one service still runs
    stopped(cluster, 2.5, SERVICES[-1])
    # the exited check of stage 2 needs nothing: stage 1 follows at once
    assert job.step(cluster.context, 2.5) == stop(cluster, "server_1", BUS)
    stopped(cluster, 3.0, BUS)
    assert job.step(cluster.context, 3.0) == []
    assert job.ended and job.failures == []
    assert job.step(cluster.context, 4.0) == []


@pytest.mark.parametrize("state", [P.STOPPED, P.EXITED, P.FATAL])
def test_a_stopped_like_state_completes_the_request(cluster: Cluster, state: P) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, INTERFACE, state, 0.5)
    assert job.step(cluster.context, 0.5) == stop(cluster, "server_1", *SERVICES)


def test_a_process_running_on_several_instances_is_stopped_everywhere(cluster: Cluster) -> None:
    cluster.run("server_2", G, INTERFACE, 0.0)  # a conflict
    job = make_job(cluster)
    assert job.step(cluster.context, 0.0) == [
        *stop(cluster, "server_1", INTERFACE),
        *stop(cluster, "server_2", INTERFACE),
    ]
    stopped(cluster, 1.0, INTERFACE)
    assert job.step(cluster.context, 1.0) == []  # still running on server_2
    stopped(cluster, 1.5, INTERFACE, nick="server_2")
    assert job.step(cluster.context, 1.5) == stop(cluster, "server_1", *SERVICES)


def test_an_instance_lost_counts_as_stopped(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.set_instance("server_1", InstanceStates.FAILED)
    # the request is complete although the last record there still says RUNNING
    job.step(cluster.context, 0.5)
    assert job.stage_index == 1 and job.stages[0][0].done and not job.stages[0][0].failed


def test_an_instance_lost_and_processed_ends_the_job(cluster: Cluster) -> None:
    """docs/design/failures.md#node-loss: once the loss is processed its processes are FATAL and
    nothing is left to stop."""
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    instance = cluster.context.instances[cluster.id("server_1")]
    instance.state = InstanceStates.STOPPED
    assert lose_processes(cluster.context, instance, 0.5)
    assert job.step(cluster.context, 0.5) == []
    assert job.ended and job.failures == []


def test_nothing_running_ends_at_once() -> None:
    cluster = scenario2()
    job = make_job(cluster)
    assert job.step(cluster.context, 0.0) == []
    assert job.ended


@pytest.mark.parametrize(("tick", "timeout"), [(1.0, 5.0), (5.0, 10.0)])
def test_no_stopping_event_in_time_is_a_failure(
    cluster: Cluster, tick: float, timeout: float
) -> None:
    job = make_job(cluster, tick)
    job.step(cluster.context, 0.0)
    assert job.step(cluster.context, timeout) == []
    # recorded, and the job goes on with the next stage
    assert job.step(cluster.context, timeout + 0.1) == stop(cluster, "server_1", *SERVICES)
    assert job.failures == [f"{ns(INTERFACE)}: still running"]
    assert job.stages[0][0].failed


def test_not_stopped_within_stopwaitsecs_plus_timeout_is_a_failure(cluster: Cluster) -> None:
    job = make_job(cluster)
    job.step(cluster.context, 0.0)
    cluster.report("server_1", G, INTERFACE, P.STOPPING, 1.0, stopwaitsecs=10)
    assert job.step(cluster.context, 15.0) == []  # 0 + 10 + 5
    assert job.step(cluster.context, 15.1) == stop(cluster, "server_1", *SERVICES)
    assert job.failures == [f"{ns(INTERFACE)}: still running"]
