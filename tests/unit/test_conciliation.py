"""Conciliation plans (docs/design/failures.md#conciliation): which copies stop, what follows."""

from __future__ import annotations

import pytest

from supvisors_ext.cluster.conciliation import (
    FollowUp,
    plan_conciliation,
    split_processes,
    uptime_order,
    whole_application_keeper,
)
from supvisors_ext.model import ConciliationStrategies
from tests.unit.jobkit import BUS, Cluster, scenario2

C = ConciliationStrategies
SRV = "scen2_srv_01"


@pytest.fixture
def cluster() -> Cluster:
    cluster = scenario2()
    cluster.run("server_1", SRV, BUS, 1.0)  # the older copy
    cluster.run("server_2", SRV, BUS, 2.0)
    cluster.run("server_3", SRV, BUS, 3.0)  # the youngest copy
    return cluster


def ids(cluster: Cluster, *nicks: str) -> tuple[str, ...]:
    return tuple(cluster.id(nick) for nick in nicks)


def test_youngest_first(cluster: Cluster) -> None:
    record = cluster.record(SRV, BUS)
    assert tuple(uptime_order(record)) == ids(cluster, "server_3", "server_2", "server_1")


def test_senicide_keeps_the_youngest(cluster: Cluster) -> None:
    plan = plan_conciliation(C.SENICIDE, cluster.record(SRV, BUS))
    assert plan is not None and not plan.stop_everywhere
    assert plan.stop_on == ids(cluster, "server_2", "server_1")
    assert plan.follow_up == FollowUp.NOTHING


def test_infanticide_keeps_the_oldest(cluster: Cluster) -> None:
    plan = plan_conciliation(C.INFANTICIDE, cluster.record(SRV, BUS))
    assert plan is not None
    assert plan.stop_on == ids(cluster, "server_3", "server_2")


@pytest.mark.parametrize(
    ("strategy", "follow_up"),
    [
        (C.STOP, FollowUp.NOTHING),
        (C.RESTART, FollowUp.START_ONE),
        (C.RUNNING_FAILURE, FollowUp.RUNNING_FAILURE),
    ],
)
def test_stop_everything_then(cluster: Cluster, strategy: C, follow_up: FollowUp) -> None:
    plan = plan_conciliation(strategy, cluster.record(SRV, BUS))
    assert plan is not None and plan.stop_everywhere and plan.follow_up == follow_up
    assert set(plan.stop_on) == set(ids(cluster, "server_1", "server_2", "server_3"))


def test_user_or_no_conflict_plans_nothing(cluster: Cluster) -> None:
    assert plan_conciliation(C.USER, cluster.record(SRV, BUS)) is None
    cluster.run("server_1", SRV, "scen2_config_manager", 4.0)
    assert plan_conciliation(C.SENICIDE, cluster.record(SRV, "scen2_config_manager")) is None


def test_a_single_instance_application_is_kept_whole(cluster: Cluster) -> None:
    """The bus conflicts on three servers; other processes run on server_1 only: SENICIDE keeps
    the bus on server_3, so everything of the application elsewhere is to be stopped."""
    cluster.run("server_1", SRV, "scen2_config_manager", 4.0)
    application = cluster.context.applications[SRV]
    plan = plan_conciliation(C.SENICIDE, cluster.record(SRV, BUS))
    assert plan is not None
    keeper = whole_application_keeper(plan, application)
    assert keeper == cluster.id("server_3")
    assert sorted(split_processes(application, keeper)) == sorted(
        [
            (f"{SRV}:{BUS}", cluster.id("server_1")),
            (f"{SRV}:{BUS}", cluster.id("server_2")),
            (f"{SRV}:scen2_config_manager", cluster.id("server_1")),
        ]
    )


def test_no_whole_keeping_for_distributed_applications_or_stop_all(cluster: Cluster) -> None:
    application = cluster.context.applications[SRV]
    stop = plan_conciliation(C.STOP, cluster.record(SRV, BUS))
    assert stop is not None and whole_application_keeper(stop, application) is None
    cluster.run("server_1", "common_data_bus", "common_data_bus", 1.0)
    cluster.run("server_2", "common_data_bus", "common_data_bus", 2.0)
    common = cluster.record("common_data_bus", "common_data_bus")
    plan = plan_conciliation(C.SENICIDE, common)
    unmanaged = cluster.context.applications["common_data_bus"]
    assert plan is not None and whole_application_keeper(plan, unmanaged) is None
