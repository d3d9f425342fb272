"""Instance states driven by ticks (docs/design/state-machine.md#instance-states): pure, no clock,
no sockets."""

from __future__ import annotations

from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.membership import Membership, PeerTick
from supvisors_ext.model import InstanceId, InstanceStates
from supvisors_ext.rules import load_rules

I = InstanceStates  # noqa: E741
LOCAL = InstanceId("h:1", "a", "h", 1, 2)
PEER = InstanceId("h:3", "b", "h", 3, 4)


def make_membership() -> Membership:
    context = Context((LOCAL, PEER), LOCAL, load_rules([]))
    membership = Membership(context, strategies=())
    membership.on_local_tick(10.0, 1000.0)  # the local instance knows itself: CHECKED
    return membership


def tick(counter: int, run_id: str = "") -> PeerTick:
    return PeerTick(PEER.identifier, counter, 1000.0 + counter, 10.0 + counter, (), run_id)


def test_first_tick_starts_a_handshake() -> None:
    membership = make_membership()
    assert membership.on_peer_restart(tick(5)) == ""  # STOPPED: nothing to lose
    assert membership.on_peer_tick(tick(5), 11.0, 1001.0) is True
    assert membership.context.instances[PEER.identifier].state == I.CHECKING


def test_tick_counter_going_back_means_a_restart() -> None:
    # a reload quicker than the inactivity detection (Supvisors' "stealth restart")
    membership = make_membership()
    record = membership.context.instances[PEER.identifier]
    membership.on_peer_tick(tick(40), 11.0, 1001.0)
    record.state = I.RUNNING
    assert membership.on_peer_restart(tick(40)) == ""  # a repeated tick is no restart
    assert membership.on_peer_restart(tick(41)) == ""
    assert membership.on_peer_restart(tick(3)) == "its tick counter went back"
    assert record.state == I.FAILED
    assert membership.on_peer_restart(tick(2)) == ""  # only once
    record.state = I.STOPPED  # processed by the FSM: the next tick starts a handshake
    assert membership.on_peer_tick(tick(4), 12.0, 1002.0) is True
    assert record.state == I.CHECKING


def test_a_new_run_id_means_a_restart_even_if_the_counter_did_not_go_back() -> None:
    # a reload within one tick period: the new run's first tick repeats the old counter
    membership = make_membership()
    record = membership.context.instances[PEER.identifier]
    assert membership.on_peer_tick(tick(1, "run-a"), 11.0, 1001.0) is True
    assert record.tick.run_id == "run-a"
    record.state = I.CHECKED
    assert membership.on_peer_restart(tick(1, "run-a")) == ""
    assert membership.on_peer_restart(tick(2, "run-b")) == "its run id changed from run-a to run-b"
    assert record.state == I.FAILED
    record.state = I.CHECKED  # even if still watched, the same new run is no second restart
    assert membership.on_peer_restart(tick(3, "run-b")) == ""
    record.state = I.STOPPED  # processed by the FSM: the next tick starts a new handshake
    assert membership.on_peer_tick(tick(3, "run-b"), 12.0, 1002.0) is True
    assert record.tick.run_id == "run-b" and record.state == I.CHECKING


def test_a_sender_without_run_id_is_judged_by_its_counter() -> None:
    membership = make_membership()
    record = membership.context.instances[PEER.identifier]
    membership.on_peer_tick(tick(5, "run-a"), 11.0, 1001.0)
    record.state = I.RUNNING
    assert membership.on_peer_restart(tick(6, "")) == ""
    assert membership.on_peer_restart(tick(4, "")) == "its tick counter went back"


def test_only_checked_or_running_peers_are_listened_to() -> None:
    # docs/design/bus.md: except TICK, messages from a sender not CHECKED or RUNNING are ignored
    membership = make_membership()
    record = membership.context.instances[PEER.identifier]
    for state in I:
        record.state = state
        assert membership.accepts(PEER.identifier) is (state in (I.CHECKED, I.RUNNING)), state
    assert membership.accepts("h:5") is False


def test_a_silent_peer_is_failed_only_when_watched() -> None:
    membership = make_membership()
    record = membership.context.instances[PEER.identifier]
    assert membership.on_peer_silent(PEER.identifier) is False  # STOPPED: nothing to lose
    assert record.state == I.STOPPED
    membership.on_peer_tick(tick(5), 11.0, 1001.0)
    assert record.state == I.CHECKING
    assert membership.on_peer_silent(PEER.identifier) is True
    assert record.state == I.FAILED
    assert membership.on_peer_silent(PEER.identifier) is False  # already FAILED
    assert membership.on_peer_silent("unknown:1") is False
    assert membership.on_peer_silent(LOCAL.identifier) is False
