"""Pure parts of the event interface and statistics: hub, SSE topics, compiler, sparklines."""

from __future__ import annotations

import io
import json

import pytest

from supvisors_ext.cli.observe_commands import sparkline
from supvisors_ext.client import EventClient, _sse_events
from supvisors_ext.eventhub import TOPICS, Event, EventHub
from supvisors_ext.host.event_stream import parse_topics, sse_frame
from supvisors_ext.net.event_publishers import ws_topics
from supvisors_ext.stats.compiler import (
    StatisticsCompiler,
    cpu_statistics,
    io_statistics,
    summary,
)


class Sink:
    def __init__(self, keep: bool = True) -> None:
        self.events: list[Event] = []
        self.keep = keep

    def deliver(self, event: Event) -> bool:
        self.events.append(event)
        return self.keep


def test_hub_fans_out_encodes_once_and_forgets_closed_sinks() -> None:
    hub = EventHub()
    kept, closed = Sink(), Sink(keep=False)
    hub.add_sink(kept)
    hub.add_sink(closed)
    event = hub.publish("process", {"a": 1})
    hub.publish("process", {"a": 2})
    assert [e.payload["a"] for e in kept.events] == [1, 2]
    assert len(closed.events) == 1 and hub.sinks == [kept]
    assert event.data == b'{"a":1}' and event.data is event.data


def test_hub_survives_a_broken_sink_and_gives_snapshots() -> None:
    class Broken:
        def deliver(self, event: Event) -> bool:
            raise RuntimeError("bug")

    hub = EventHub()
    hub.add_sink(Broken())
    hub.publish("event", {})
    assert hub.sink_errors == 1 and not hub.sinks
    hub.set_snapshot("process", lambda: [{"n": 1}, {"n": 2}])
    assert [(e.topic, e.payload) for e in hub.snapshot(["process", "hstats"])] == [
        ("process", {"n": 1}),
        ("process", {"n": 2}),
    ]


def test_sse_topics_and_frames() -> None:
    assert parse_topics({}) == (frozenset(TOPICS), "")
    assert parse_topics({"topics": ["process, event"]}) == (frozenset({"process", "event"}), "")
    topics, problem = parse_topics({"topics": ["process,nope"]})
    assert not topics and "'nope'" in problem
    frame = sse_frame(Event("process", {"x": 1}))
    assert frame == b'event: process\ndata: {"x":1}\n\n'
    parsed = list(_sse_events(io.BytesIO(b"retry: 1000\n\n: keep-alive\n\n" + frame)))
    assert parsed == [("process", {"x": 1})]


def test_ws_subscription_paths_are_supvisors_ones() -> None:
    assert ws_topics("/all") == frozenset(TOPICS)
    assert ws_topics("/process/event") == frozenset({"process", "event"})
    assert ws_topics("/nothing") == frozenset()


def test_client_subscriptions_and_dispatch() -> None:
    client = EventClient("127.0.0.1", 1)
    client.subscribe_process_status()
    client.subscribe_host_statistics()
    assert client.headers == {"process", "hstats"} and not client.all_subscriptions()
    client.unsubscribe_host_statistics()
    client.subscribe_all()
    assert client.all_subscriptions()
    seen: list[object] = []
    client.on_process_event = seen.append  # type: ignore[method-assign]
    client.on_receive("event", {"k": 1})
    assert seen == [{"k": 1}]
    with pytest.raises(ValueError):
        client.on_receive("bogus", {})
    with pytest.raises(ValueError):
        EventClient("h", 1, link="UDP")


def test_cpu_and_io_statistics() -> None:
    assert cpu_statistics([(30, 70), (10, 10)], [(20, 60), (10, 10)]) == [50.0, 0.0]
    rates = io_statistics({"lo": (1280, 2560), "gone": (1, 1)}, {"lo": (0, 0)}, 10.0)
    assert rates == {"lo": [1.0, 2.0]}
    assert io_statistics({"eth": (5, 5)}, {"eth": (10, 0)}, 1.0) == {}  # wrapped counter


def test_summary() -> None:
    result = summary([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
    assert result["avg"] == 2.0 and result["slope"] == pytest.approx(1.0)
    assert result["rate"] == pytest.approx(50.0)
    assert result["stddev"] == pytest.approx((2 / 3) ** 0.5)
    assert summary([])["avg"] == 0.0


def host_sample(now: float, work: float, mem: float = 40.0) -> dict[str, object]:
    """Cumulative jiffies: `work` busy, as much idle."""
    return {
        "now": now,
        "cpu": [(work, work), (work, work)],
        "mem": mem,
        "net_io": {"lo": (int(now * 128), 0)},
        "disk_io": {},
        "disk_usage": {"/": 12.5},
    }


def test_compiler_integrates_per_period_with_bounded_history() -> None:
    compiler = StatisticsCompiler("a", (5.0, 10.0), depth=3)
    assert compiler.push_host(host_sample(0.0, 0.0)) == []
    assert compiler.push_host(host_sample(4.0, 1.0)) == []  # too early for both periods
    results = compiler.push_host(host_sample(5.0, 50.0))
    assert [r["target_period"] for r in results] == [5.0]
    assert results[0]["cpu"] == [50.0, 50.0] and results[0]["net_io"] == {"lo": [1.0, 0.0]}
    for index in range(2, 8):
        compiler.push_host(host_sample(5.0 * index, 50.0 * index))
    history = compiler.host_history(5.0)
    assert history is not None
    serial = history.serial()
    assert len(serial["times"]) == 3 and len(serial["cpu"][0]) == 3
    assert serial["disk_usage"] == {"/": [12.5, 12.5, 12.5]}
    json.dumps(serial)  # plain values only
    assert compiler.nb_cores == 1


def test_compiler_process_history_follows_the_pid() -> None:
    compiler = StatisticsCompiler("a", (1.0,), depth=10)
    sample = {"namespec": "g:p", "pid": 7, "now": 0.0, "proc_work": 0.0, "proc_memory": 1.0}
    assert compiler.push_process(sample) == []
    result = compiler.push_process({**sample, "now": 2.0, "proc_work": 3.0})
    assert result[0]["cpu"] == 150.0 and result[0]["pid"] == 7  # IRIX: 100 = one core
    history = compiler.process_history("g:p", 1.0)
    assert history is not None and history.serial(cpu_factor=2.0)["cpu"] == [75.0]
    assert compiler.push_process({**sample, "pid": 8, "now": 3.0}) == []  # restarted: new history
    assert compiler.process_history("g:p", 1.0).pid == 8  # type: ignore[union-attr]
    compiler.push_process({"namespec": "g:p", "pid": 0, "now": 4.0})
    assert compiler.process_history("g:p", 1.0) is None


def test_sparkline() -> None:
    assert sparkline([0.0, 50.0, 100.0], 100.0) == "▁▅█"
    assert sparkline([0.0, 0.0]) == "▁▁"
    assert len(sparkline([1.0] * 100)) == 30
