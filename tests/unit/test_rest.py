"""When the main loop rests (runtime/rest.py, docs/architecture.md#the-main-loop-at-rest)."""

from __future__ import annotations

from supvisors_ext.model import InstanceStates as I  # noqa: N817
from supvisors_ext.model import SupvisorsStates as S  # noqa: N817
from supvisors_ext.runtime.rest import REST_TICK_PERIOD, SETTLE_TIME, RestGauge

FAST = 0.2
RUNNING_PEERS = [(I.RUNNING, 0.0), (I.ISOLATED, 0.0)]


def settled(gauge: RestGauge, start: float = 100.0) -> float:
    """Feed the same news until it is old enough; returns the time then."""
    assert gauge.period(start, "key", S.OPERATION, False, RUNNING_PEERS) == FAST
    return start + SETTLE_TIME


def test_the_main_loop_rests_once_nothing_changed_for_the_settle_time() -> None:
    gauge = RestGauge(FAST, silence=0.6)
    now = settled(gauge)
    assert gauge.period(now - 0.01, "key", S.OPERATION, False, RUNNING_PEERS) == FAST
    assert gauge.period(now, "key", S.OPERATION, False, RUNNING_PEERS) == REST_TICK_PERIOD


def test_news_brings_the_short_period_back_at_once_and_for_the_settle_time() -> None:
    gauge = RestGauge(FAST, silence=0.6)
    now = settled(gauge)
    assert gauge.period(now, "key", S.OPERATION, False, RUNNING_PEERS) == REST_TICK_PERIOD
    assert gauge.period(now + 1, "other", S.OPERATION, False, RUNNING_PEERS) == FAST
    assert gauge.period(now + 2, "other", S.OPERATION, False, RUNNING_PEERS) == FAST
    rest = now + 1 + SETTLE_TIME
    assert gauge.period(rest, "other", S.OPERATION, False, RUNNING_PEERS) == REST_TICK_PERIOD


def test_no_rest_outside_operation_or_with_work_in_progress() -> None:
    gauge = RestGauge(FAST, silence=0.6)
    now = settled(gauge)
    for state in S:
        if state != S.OPERATION:
            assert gauge.period(now, "key", state, False, RUNNING_PEERS) == FAST
    assert gauge.period(now, "key", S.OPERATION, True, RUNNING_PEERS) == FAST


def test_a_peer_on_its_way_keeps_the_short_period() -> None:
    gauge = RestGauge(FAST, silence=0.6)
    now = settled(gauge)
    for state in (I.CHECKING, I.CHECKED, I.FAILED):
        assert gauge.period(now, "key", S.OPERATION, False, [(state, 0.0)]) == FAST
    # a stopped peer: at rest when silent, not when its ticks still come (a handshake is near)
    assert gauge.period(now, "key", S.OPERATION, False, [(I.STOPPED, 0.0)]) == REST_TICK_PERIOD
    heard = now - 0.5
    assert gauge.period(now, "key", S.OPERATION, False, [(I.STOPPED, heard)]) == FAST


def test_a_tick_period_longer_than_the_rest_one_is_kept() -> None:
    gauge = RestGauge(2.0, silence=6.0)
    gauge.period(0.0, "key", S.OPERATION, False, [])
    assert gauge.period(SETTLE_TIME, "key", S.OPERATION, False, []) == 2.0
