"""What supervisord's loop does less of, with the same outcome
(docs/architecture.md#keeping-supervisords-loop-cheap-and-punctual).

Waiting (deferred) RPCs are polled again once their poll delay is over after a change:
supervisord polls a waiting call only on a loop pass at least `delay` after its previous poll
(`supervisor/http.py` `deferring_http_channel.writable`); the plugin therefore asks for a second
wake-up after that delay. A peer's report to the FSM is derived once per STATE received.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.messages import StateModes
from supvisors_ext.model import InstanceStates, SupvisorsStates
from supvisors_ext.runtime.cluster_loop import ClusterLoop
from supvisors_ext.runtime.plugin import WAKE_MARGIN, SupvisorsPlugin


def adapter_with(channels: dict[int, Any]) -> SupervisorAdapter:
    options = SimpleNamespace(get_socket_map=lambda: channels)
    return SupervisorAdapter(SimpleNamespace(options=options), logger=None)  # type: ignore[arg-type]


def test_no_waiting_call_means_no_delay() -> None:
    plain = SimpleNamespace()  # a dispatcher without `delay` (the wake-up pipe, a listener)
    finished = SimpleNamespace(delay=False)  # supervisor resets it once the call answered
    assert adapter_with({}).waiting_call_delay() == 0.0
    assert adapter_with({3: plain, 4: finished}).waiting_call_delay() == 0.0


def test_longest_delay_of_the_waiting_calls() -> None:
    channels = {5: SimpleNamespace(delay=0.05), 6: SimpleNamespace(delay=0.2), 7: SimpleNamespace()}
    assert adapter_with(channels).waiting_call_delay() == 0.2


class Recorder:
    def __init__(self) -> None:
        self.wakeups = 0
        self.alarms: list[float] = []

    def wakeup(self) -> None:
        self.wakeups += 1

    def wake_at(self, when: float) -> None:
        self.alarms.append(when)


def rearm(delay: float) -> Recorder:
    recorder = Recorder()
    plugin = SimpleNamespace(
        inbox=recorder,
        ticker=recorder,
        adapter=adapter_with({9: SimpleNamespace(delay=delay)}),
    )
    SupvisorsPlugin.rearm_waiting_calls(plugin)  # type: ignore[arg-type]
    return recorder


def test_a_change_with_a_waiting_call_wakes_now_and_after_its_delay() -> None:
    before = time.monotonic()
    recorder = rearm(0.05)
    assert recorder.wakeups == 1
    assert len(recorder.alarms) == 1
    assert before + 0.05 + WAKE_MARGIN <= recorder.alarms[0] <= time.monotonic() + 0.05 + 1


def test_a_change_without_waiting_call_wakes_once() -> None:
    recorder = rearm(0)
    assert (recorder.wakeups, recorder.alarms) == (1, [])


def modes(master: str, running: tuple[str, ...]) -> StateModes:
    states = tuple((ident, InstanceStates.RUNNING) for ident in running)
    return StateModes(SupvisorsStates.OPERATION, False, False, master, False, False, states, "", ())


def test_peer_report_derived_once_per_state_received() -> None:
    plugin = SimpleNamespace(peer_reports={})
    first = modes("a", ("a", "b"))
    report = ClusterLoop.peer_report(plugin, "b", first)  # type: ignore[arg-type]
    assert (report.master_identifier, report.running_identifiers) == ("a", frozenset({"a", "b"}))
    assert ClusterLoop.peer_report(plugin, "b", first) is report  # type: ignore[arg-type]
    second = modes("b", ("b",))  # a new STATE: a new report
    again = ClusterLoop.peer_report(plugin, "b", second)  # type: ignore[arg-type]
    assert (again.master_identifier, again.running_identifiers) == ("b", frozenset({"b"}))
