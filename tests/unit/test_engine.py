"""The Supvisors state machine (docs/design/state-machine.md), driven by hand-built cluster
views."""

from __future__ import annotations

from dataclasses import replace

from supvisors_ext.cluster.election import select_master, stable, synchro_conditions
from supvisors_ext.cluster.engine import Fsm
from supvisors_ext.cluster.fsm_io import (
    AbortJobs,
    ClusterView,
    Conciliate,
    EnterState,
    ExitSupervisord,
    InstanceLost,
    InstanceView,
    PeerReport,
    SetInstanceState,
    StartDistribution,
    StartGlobalStop,
)
from supvisors_ext.model import (
    InstanceStates,
    SupvisorsFailureStrategies,
    SupvisorsStates,
    SynchronizationOptions,
)

I = InstanceStates  # noqa: E741
S = SupvisorsStates
O = SynchronizationOptions  # noqa: E741


def inst(
    identifier: str,
    state: InstanceStates = I.RUNNING,
    nick: str | None = None,
    core: bool = False,
    rules_error: bool = False,
    report: PeerReport | None = None,
) -> InstanceView:
    return InstanceView(identifier, nick or identifier, state, True, core, rules_error, report)


def make_view(instances: list[InstanceView], **kw: object) -> ClusterView:
    defaults: dict[str, object] = dict(
        now=100.0,
        local_identifier=instances[0].identifier,
        instances=tuple(instances),
        synchro_options=frozenset({O.STRICT}),
        synchro_timeout=15.0,
        failure_strategy=SupvisorsFailureStrategies.CONTINUE,
        auto_fence=False,
        started_at=99.0,
        user_sync=False,
        user_master="",
        jobs_in_progress=False,
        conflicts=False,
        distribution_done=False,
        global_stop_done=False,
    )
    defaults.update(kw)
    return ClusterView(**defaults)  # type: ignore[arg-type]


def with_reports(
    instances: list[InstanceView], fsm_state: SupvisorsStates, master: str
) -> list[InstanceView]:
    running = frozenset(i.identifier for i in instances if i.state == I.RUNNING)
    return [replace(i, report=PeerReport(fsm_state, master, running)) for i in instances]


def states_entered(actions: list[object]) -> list[SupvisorsStates]:
    return [a.state for a in actions if isinstance(a, EnterState)]


class TestSingleInstance:
    def test_checked_local_is_activated_and_elects_itself(self) -> None:
        fsm = Fsm("a")
        view = make_view([inst("a", I.CHECKED, report=PeerReport(S.OFF, "", frozenset()))])
        actions = fsm.evaluate(view)
        assert SetInstanceState("a", I.RUNNING) in actions
        assert states_entered(actions) == [S.SYNCHRONIZATION, S.ELECTION, S.DISTRIBUTION]
        assert StartDistribution() in actions
        assert fsm.master == "a"

    def test_peers_must_name_the_same_master_first(self) -> None:
        fsm = Fsm("a", state=S.ELECTION)
        view = make_view(with_reports([inst("a"), inst("b")], S.ELECTION, ""))
        assert states_entered(fsm.evaluate(view)) == []
        assert fsm.master == "a"

    def test_master_distributes_then_operates(self) -> None:
        fsm = Fsm("a", state=S.ELECTION, master="a")
        view = make_view(with_reports([inst("a")], S.ELECTION, "a"))
        actions = fsm.evaluate(view)
        assert states_entered(actions) == [S.DISTRIBUTION]
        assert StartDistribution() in actions
        actions = fsm.evaluate(replace(view, distribution_done=True))
        assert states_entered(actions) == [S.OPERATION]

    def test_local_not_running_goes_off(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="a")
        actions = fsm.evaluate(make_view([inst("a", I.CHECKING)]))
        assert states_entered(actions) == [S.OFF]
        assert AbortJobs() in actions
        assert fsm.master == ""


class TestSynchronization:
    def test_strict_waits_for_every_listed_instance(self) -> None:
        fsm = Fsm("a", state=S.SYNCHRONIZATION)
        view = make_view([inst("a"), inst("b", I.STOPPED)])
        assert fsm.evaluate(view) == []
        assert fsm.degraded is True

    def test_strict_ignores_discovered_instances_list_waits_for_them(self) -> None:
        # discovery mode (docs/configuration.md#discovery-mode): a discovered instance is not listed
        discovered = replace(inst("b", I.CHECKING), listed=False)
        both = frozenset({O.STRICT, O.LIST})
        view = make_view([inst("a"), discovered], synchro_options=both)
        assert synchro_conditions(view) == {O.STRICT: True, O.LIST: False}
        running = make_view([inst("a"), replace(discovered, state=I.RUNNING)], synchro_options=both)
        assert synchro_conditions(running) == {O.STRICT: True, O.LIST: True}
        isolated = make_view(
            [inst("a"), replace(discovered, state=I.ISOLATED)], synchro_options=both
        )
        assert synchro_conditions(isolated) == {O.STRICT: True, O.LIST: True}

    def test_timeout_ends_synchronization(self) -> None:
        fsm = Fsm("a", state=S.SYNCHRONIZATION)
        view = make_view(
            [inst("a"), inst("b", I.STOPPED)],
            synchro_options=frozenset({O.STRICT, O.TIMEOUT}),
            now=120.0,
            started_at=100.0,
        )
        assert states_entered(fsm.evaluate(view))[0] == S.ELECTION

    def test_core_needs_core_instances_and_minimum_delay(self) -> None:
        instances = [inst("a", core=True), inst("b", I.STOPPED)]
        view = make_view(
            instances, synchro_options=frozenset({O.CORE}), now=105.0, started_at=100.0
        )
        assert synchro_conditions(view) == {O.CORE: False}
        assert synchro_conditions(replace(view, now=116.0)) == {O.CORE: True}
        assert synchro_conditions(replace(view, synchro_timeout=3.0)) == {O.CORE: True}

    def test_user_waits_for_end_sync(self) -> None:
        fsm = Fsm("a", state=S.SYNCHRONIZATION)
        view = make_view([inst("a"), inst("b")], synchro_options=frozenset({O.USER}))
        assert fsm.evaluate(view) == []
        actions = fsm.evaluate(replace(view, user_sync=True, user_master="b"))
        assert states_entered(actions)[0] == S.ELECTION
        assert fsm.master == "b"

    def test_list_ignores_isolated(self) -> None:
        view = make_view([inst("a"), inst("b", I.ISOLATED)], synchro_options=frozenset({O.LIST}))
        assert synchro_conditions(view) == {O.LIST: True}


class TestElection:
    def test_unstable_context_waits(self) -> None:
        fsm = Fsm("a", state=S.ELECTION)
        view = make_view(with_reports([inst("a"), inst("b", I.CHECKING)], S.ELECTION, ""))
        assert not stable(view)
        fsm.evaluate(view)
        assert fsm.state == S.ELECTION

    def test_every_running_instance_must_agree_on_running_set(self) -> None:
        instances = with_reports([inst("a"), inst("b")], S.ELECTION, "")
        instances[1] = replace(instances[1], report=PeerReport(S.ELECTION, "", frozenset({"b"})))
        assert not stable(make_view(instances))

    def test_smallest_nick_wins_with_core_preferred(self) -> None:
        instances = with_reports(
            [
                inst("x", nick="console_1"),
                inst("y", nick="server_2", core=True),
                inst("z", nick="server_1", core=True),
            ],
            S.ELECTION,
            "",
        )
        assert select_master(make_view(instances)) == "z"

    def test_rules_error_instance_is_not_elected_when_others_remain(self) -> None:
        instances = with_reports([inst("a", rules_error=True), inst("b")], S.ELECTION, "")
        assert select_master(make_view(instances)) == "b"

    def test_already_named_master_is_kept(self) -> None:
        instances = with_reports([inst("a"), inst("b")], S.ELECTION, "b")
        assert select_master(make_view(instances)) == "b"

    def test_non_master_follows_master_into_distribution(self) -> None:
        fsm = Fsm("a", state=S.ELECTION, master="b")
        instances = with_reports([inst("a"), inst("b")], S.ELECTION, "b")
        assert fsm.evaluate(make_view(instances)) == []
        instances[1] = replace(
            instances[1], report=PeerReport(S.DISTRIBUTION, "b", frozenset({"a", "b"}))
        )
        actions = fsm.evaluate(make_view(instances))
        assert states_entered(actions) == [S.DISTRIBUTION]
        assert StartDistribution() not in actions
        instances[1] = replace(
            instances[1], report=PeerReport(S.OPERATION, "b", frozenset({"a", "b"}))
        )
        assert states_entered(fsm.evaluate(make_view(instances))) == [S.OPERATION]


class TestOperation:
    def test_master_lost_triggers_election(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="b")
        instances = with_reports([inst("a"), inst("b", I.FAILED)], S.OPERATION, "b")
        actions = fsm.evaluate(make_view(instances, synchro_options=frozenset({O.TIMEOUT})))
        assert InstanceLost("b") in actions
        assert SetInstanceState("b", I.STOPPED) in actions
        assert states_entered(actions)[0] == S.ELECTION

    def test_dead_master_named_by_stale_reports_is_replaced(self) -> None:
        fsm = Fsm("c", state=S.ELECTION, master="a")
        instances = [inst("c"), inst("b"), inst("a", I.STOPPED, nick="a")]
        instances = with_reports(instances, S.ELECTION, "a")
        instances[2] = replace(instances[2], report=PeerReport(S.OPERATION, "a", frozenset()))
        view = make_view(instances, synchro_options=frozenset({O.TIMEOUT}))
        actions = fsm.evaluate(view)
        assert fsm.state == S.ELECTION and fsm.master == "b"
        assert S.DISTRIBUTION not in states_entered(actions)

    def test_auto_fence_isolates_failed_instance(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="a")
        instances = with_reports([inst("a"), inst("b", I.FAILED)], S.OPERATION, "a")
        actions = fsm.evaluate(
            make_view(instances, auto_fence=True, synchro_options=frozenset({O.TIMEOUT}))
        )
        assert SetInstanceState("b", I.ISOLATED) in actions

    def test_auto_fence_on_the_master_itself(self) -> None:
        # the plugin holds no report of the local instance: the Master's state is its own
        fsm = Fsm("a", state=S.OPERATION, master="a")
        b_failed = with_reports([inst("b", I.FAILED)], S.OPERATION, "a")
        view = make_view(
            [inst("a"), *b_failed], auto_fence=True, synchro_options=frozenset({O.TIMEOUT})
        )
        assert SetInstanceState("b", I.ISOLATED) in fsm.evaluate(view)

    def test_auto_fence_after_the_master_report_is_gone(self) -> None:
        """The Master was lost one tick earlier (its report dropped): a peer failing now is
        isolated too, judged by our own state (ELECTION)."""
        fsm = Fsm("a", state=S.ELECTION, master="m")
        instances = [inst("a"), inst("b", I.FAILED), inst("m", I.STOPPED)]
        view = make_view(instances, auto_fence=True, synchro_options=frozenset({O.TIMEOUT}))
        assert SetInstanceState("b", I.ISOLATED) in fsm.evaluate(view)

    def test_no_fencing_before_the_cluster_works(self) -> None:
        fsm = Fsm("a", state=S.SYNCHRONIZATION)
        view = make_view([inst("a"), inst("b", I.FAILED)], auto_fence=True)
        assert SetInstanceState("b", I.STOPPED) in fsm.evaluate(view)

    def test_newcomer_sends_cluster_back_to_election(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="a")
        instances = with_reports([inst("a"), inst("b", I.CHECKED)], S.OPERATION, "a")
        actions = fsm.evaluate(make_view(instances))
        assert SetInstanceState("b", I.RUNNING) in actions
        assert states_entered(actions)[0] == S.ELECTION

    def test_conflict_goes_to_conciliation_and_back(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="a")
        view = make_view(with_reports([inst("a")], S.OPERATION, "a"), conflicts=True)
        actions = fsm.evaluate(view)
        assert states_entered(actions) == [S.CONCILIATION]
        assert Conciliate() in actions
        assert states_entered(fsm.evaluate(replace(view, conflicts=False))) == [S.OPERATION]

    def test_conflict_waits_for_jobs(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="a")
        view = make_view(
            with_reports([inst("a")], S.OPERATION, "a"), conflicts=True, jobs_in_progress=True
        )
        assert fsm.evaluate(view) == []

    def test_resync_strategy_on_lost_condition(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="a")
        instances = with_reports([inst("a"), inst("b", I.STOPPED)], S.OPERATION, "a")
        view = make_view(instances, failure_strategy=SupvisorsFailureStrategies.RESYNC)
        assert states_entered(fsm.evaluate(view))[0] == S.SYNCHRONIZATION

    def test_shutdown_strategy_on_lost_condition(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="a")
        instances = with_reports([inst("a"), inst("b", I.STOPPED)], S.OPERATION, "a")
        view = make_view(instances, failure_strategy=SupvisorsFailureStrategies.SHUTDOWN)
        actions = fsm.evaluate(view)
        assert states_entered(actions)[0] == S.SHUTTING_DOWN
        assert StartGlobalStop() in actions

    def test_continue_strategy_stays_degraded(self) -> None:
        fsm = Fsm("a", state=S.OPERATION, master="a")
        instances = with_reports([inst("a"), inst("b", I.STOPPED)], S.OPERATION, "a")
        assert fsm.evaluate(make_view(instances)) == []
        assert fsm.degraded is True


class TestStopping:
    def test_request_only_where_allowed(self) -> None:
        fsm = Fsm("a", state=S.SYNCHRONIZATION)
        assert fsm.request(S.RESTARTING) is False
        fsm = Fsm("a", state=S.OPERATION, master="a")
        assert fsm.request(S.RESTARTING) is True

    def test_master_goes_final_when_global_stop_done(self) -> None:
        fsm = Fsm("a", state=S.RESTARTING, master="a")
        view = make_view(with_reports([inst("a")], S.RESTARTING, "a"))
        assert fsm.evaluate(view) == []
        actions = fsm.evaluate(replace(view, global_stop_done=True))
        assert ExitSupervisord(restart=True) in actions

    def test_follower_goes_final_when_master_lost(self) -> None:
        fsm = Fsm("a", state=S.SHUTTING_DOWN, master="b")
        instances = with_reports([inst("a"), inst("b", I.STOPPED)], S.SHUTTING_DOWN, "b")
        actions = fsm.evaluate(make_view(instances, synchro_options=frozenset({O.TIMEOUT})))
        assert ExitSupervisord(restart=False) in actions

    def test_master_waits_until_its_followers_stop_too(self) -> None:
        # the others go FINAL when they see the Master leave its stopping state: it must not
        # leave before they have seen it (else they stay in OPERATION with a Master gone)
        fsm = Fsm("a", state=S.RESTARTING, master="a")
        instances = with_reports([inst("a"), inst("b"), inst("c")], S.OPERATION, "a")
        view = make_view(instances, global_stop_done=True)
        assert fsm.evaluate(view) == []
        b_follows = replace(
            instances[1], report=replace(instances[1].report, fsm_state=S.RESTARTING)
        )
        c_lost = replace(instances[2], state=I.STOPPED)
        view = replace(view, instances=(instances[0], b_follows, instances[2]))
        assert fsm.evaluate(view) == []  # c still reports OPERATION under "a"
        view = replace(view, instances=(instances[0], b_follows, c_lost))
        actions = fsm.evaluate(view)
        assert states_entered(actions) == [S.FINAL]
        assert ExitSupervisord(restart=True) in actions

    def test_master_does_not_wait_for_instances_that_cannot_follow(self) -> None:
        fsm = Fsm("a", state=S.SHUTTING_DOWN, master="a")
        syncing = with_reports([inst("b")], S.SYNCHRONIZATION, "")  # a newcomer
        other_master = with_reports([inst("c")], S.OPERATION, "c")
        view = make_view([inst("a"), *syncing, *other_master], global_stop_done=True)
        assert ExitSupervisord(restart=False) in fsm.evaluate(view)

    def test_follower_follows_the_master_then_goes_final(self) -> None:
        fsm = Fsm("b", state=S.OPERATION, master="a")
        instances = [inst("b"), inst("a")]
        view = make_view(with_reports(instances, S.RESTARTING, "a"), local_identifier="b")
        actions = fsm.evaluate(view)
        assert states_entered(actions) == [S.RESTARTING]
        actions = fsm.evaluate(
            replace(view, instances=tuple(with_reports(instances, S.FINAL, "a")))
        )
        assert states_entered(actions) == [S.FINAL]
        assert ExitSupervisord(restart=True) in actions


def test_follower_in_distribution_reaches_conciliation_through_operation() -> None:
    fsm = Fsm("a", state=S.DISTRIBUTION, master="b")
    instances = with_reports([inst("a"), inst("b")], S.CONCILIATION, "b")
    actions = fsm.evaluate(make_view(instances))
    assert states_entered(actions) == [S.OPERATION, S.CONCILIATION]


def test_follower_entering_restarting_leaves_the_global_stop_to_the_master() -> None:
    fsm = Fsm("a", state=S.OPERATION, master="b")
    instances = with_reports([inst("a"), inst("b")], S.RESTARTING, "b")
    actions = fsm.evaluate(make_view(instances))
    assert states_entered(actions) == [S.RESTARTING]
    assert StartGlobalStop() not in actions
