"""When the main loop may tick slower: the cluster at rest (main thread, issue 18).

The heartbeat and the peers' liveness live on the bus thread (docs/design/bus.md#heartbeat), so
at rest the main thread's tick only serves timers: nothing it must do sooner than a second.
Events (a process change, a bus message with news, a silent peer, a reply) wake the main loop
at once whatever its tick period, and any news brings the short period back for
`SETTLE_TIME`. docs/architecture.md#the-main-loop-at-rest has the rule.
"""

from __future__ import annotations

from supvisors_ext.model import InstanceStates, SupvisorsStates

REST_TICK_PERIOD = 1.0  # seconds between main-thread ticks at rest
SETTLE_TIME = 2.0  # seconds without news before the main loop rests


class RestGauge:
    """Tells, at each main-thread tick, whether the cluster is at rest (main thread)."""

    def __init__(self, tick_period: float, silence: float) -> None:
        self.tick_period = tick_period
        self.rest_period = max(tick_period, REST_TICK_PERIOD)
        self.silence = silence  # a STOPPED peer heard within this is about to come back
        self._news_key: object = None
        self._news_at = float("-inf")

    def period(
        self,
        now: float,
        news_key: object,
        fsm_state: SupvisorsStates,
        work_pending: bool,
        peers: list[tuple[InstanceStates, float]],
    ) -> float:
        """The tick period to use from now on.

        `news_key` changes whenever something the cluster holds changed (process records,
        the FSM's inputs); `work_pending` is true while a job, a repair, a handshake or a
        local spawn is in progress; `peers` gives each peer's state and when we last heard
        its tick (monotonic)."""
        if news_key != self._news_key:
            self._news_key, self._news_at = news_key, now
        resting = (
            fsm_state == SupvisorsStates.OPERATION
            and not work_pending
            and now - self._news_at >= SETTLE_TIME
            and all(self._peer_settled(state, heard, now) for state, heard in peers)
        )
        return self.rest_period if resting else self.tick_period

    def _peer_settled(self, state: InstanceStates, heard: float, now: float) -> bool:
        if state in (InstanceStates.RUNNING, InstanceStates.ISOLATED):
            return True
        # a stopped peer that still ticks is about to be checked: its ticks must not wait
        return state == InstanceStates.STOPPED and now - heard > self.silence
