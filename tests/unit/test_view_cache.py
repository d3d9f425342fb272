"""A process record's synthesized view is kept between changes and follows every change.

The view is cached on the record
(docs/architecture.md#keeping-supervisords-loop-cheap-and-punctual): these tests check that
each way the context changes a record gives a fresh, correct view, and that an unchanged record
is not synthesized again.
"""

from __future__ import annotations

from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.status import ForcedState, synthesize
from supvisors_ext.model import ProcessStates
from tests.unit.jobkit import BUS, scenario2

P = ProcessStates
GROUP = "scen2_srv_01"


def fresh(context: Context, name: str = BUS) -> None:
    """The cached view equals a synthesis from scratch."""
    record = context.find_process(GROUP, name)
    assert record is not None
    assert record.view() == synthesize(record.observations.values(), record.forced)


def test_unchanged_record_keeps_its_view() -> None:
    cluster = scenario2()
    record = cluster.record(GROUP, BUS)
    first = record.view()
    assert record.view() is first


def test_update_gives_a_fresh_view() -> None:
    cluster = scenario2()
    record = cluster.record(GROUP, BUS)
    assert record.view().state == P.STOPPED
    cluster.run("server_1", GROUP, BUS, 1.0)
    assert record.view().state == P.RUNNING
    assert record.view().running_identifiers == (cluster.id("server_1"),)
    fresh(cluster.context)


def test_conflict_appears_and_disappears_with_updates() -> None:
    cluster = scenario2()
    cluster.run("server_1", GROUP, BUS, 1.0)
    assert cluster.context.conflicts() == []
    cluster.run("server_2", GROUP, BUS, 2.0)
    assert [record.namespec for record in cluster.context.conflicts()] == [f"{GROUP}:{BUS}"]
    cluster.report("server_2", GROUP, BUS, P.STOPPED, 3.0)
    assert cluster.context.conflicts() == []
    fresh(cluster.context)


def test_remove_and_forget_give_a_fresh_view() -> None:
    cluster = scenario2()
    cluster.run("server_1", GROUP, BUS, 1.0)
    cluster.run("server_2", GROUP, BUS, 2.0)
    record = cluster.record(GROUP, BUS)
    assert len(record.view().running_identifiers) == 2
    cluster.context.remove_process(cluster.id("server_2"), GROUP, BUS, 3.0)
    assert record.view().running_identifiers == (cluster.id("server_1"),)
    cluster.context.forget_instance(cluster.id("server_1"), 4.0)
    assert record.view().running_identifiers == ()
    fresh(cluster.context)


def test_forced_state_gives_a_fresh_view_until_the_next_event() -> None:
    cluster = scenario2()
    record = cluster.record(GROUP, BUS)
    assert record.view().state == P.STOPPED
    forced = ForcedState(P.FATAL, "no resource", cluster.id("server_1"), 5.0)
    cluster.context.force_state(GROUP, BUS, forced)
    assert (record.view().state, record.view().reason) == (P.FATAL, "no resource")
    assert record.last_event_mtime == 5.0
    cluster.run("server_1", GROUP, BUS, 6.0)
    assert record.view().state == P.RUNNING
    fresh(cluster.context)


def test_conflicts_follow_every_kind_of_change() -> None:
    cluster = scenario2()
    context = cluster.context
    cluster.run("server_1", GROUP, BUS, 1.0)
    cluster.run("server_2", GROUP, BUS, 2.0)
    assert len(context.conflicts()) == 1
    revision = context.revision
    assert len(context.conflicts()) == 1 and context.revision == revision  # kept, no change
    context.remove_process(cluster.id("server_2"), GROUP, BUS, 3.0)
    assert context.conflicts() == []
    cluster.run("server_3", GROUP, BUS, 4.0)
    assert len(context.conflicts()) == 1
    forced = ForcedState(P.FATAL, "lost", cluster.id("server_3"), 5.0)
    context.force_state(GROUP, BUS, forced)  # a forced state keeps the running identifiers
    assert len(context.conflicts()) == 1
    context.forget_instance(cluster.id("server_3"), 6.0)
    assert context.conflicts() == []


def test_an_unmanaged_program_on_several_instances_is_no_conflict() -> None:
    """Only managed records are kept as conflict candidates: an unmanaged program running
    everywhere must not make every conflict check walk every process (issue 18)."""
    cluster = scenario2()
    context = cluster.context
    for index, nick in enumerate(("server_1", "server_2", "server_3")):
        cluster.run(nick, "unmanaged_tools", "sleeper", float(index))
    assert context.applications["unmanaged_tools"].managed is False
    assert context.conflicts() == []
    cluster.run("server_1", GROUP, BUS, 4.0)
    cluster.run("server_2", GROUP, BUS, 5.0)
    assert [record.namespec for record in context.conflicts()] == [f"{GROUP}:{BUS}"]
