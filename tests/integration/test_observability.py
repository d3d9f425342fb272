"""Event interface, statistics and metrics on real supervisord instances (issue 16).

Supvisors' own client classes (supvisors==0.19.1, test extra) subscribe to our event port.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
import urllib.request
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import zmq
from prometheus_client.parser import text_string_to_metric_families
from supervisor import loggers

from supvisors_ext.client import EventClient
from tests.harness import Cluster, program_section, python_command
from tests.integration.cluster_helpers import wait_operation

with warnings.catch_warnings():  # its WS module names websockets' deprecated legacy classes
    warnings.simplefilter("ignore", DeprecationWarning)
    from supvisors.client.wssubscriber import SupvisorsWsEventInterface
    from supvisors.client.zmqsubscriber import SupvisorsZmqEventInterface

pytestmark = pytest.mark.integration

BUSY_THRESHOLD = 50.0
FAST = {"tick_period": 0.2, "synchro_timeout": 5}
# a busy parent with busy descendants (4 processes): children count (docs/statistics.md), and
# their sum stays above 50 % of a core even on a loaded shared machine
BUSY_CODE = "import os; [os.fork() for _ in range(2)]; exec('while True: pass')"
BUSY = python_command(BUSY_CODE)


class Received:
    """Thread-safe list of (arrival monotonic time, topic, payload)."""

    def __init__(self) -> None:
        self.items: list[tuple[float, str, Any]] = []
        self.lock = threading.Lock()

    def add(self, topic: str, payload: Any) -> None:
        with self.lock:
            self.items.append((time.monotonic(), topic, payload))

    def find(self, predicate: Any) -> tuple[float, str, Any] | None:
        with self.lock:
            return next((item for item in self.items if predicate(item[1], item[2])), None)


def supvisors_client(kind: type, port: int, received: Received) -> Any:
    """One of Supvisors' client classes, its callbacks recording what arrives."""
    logger = loggers.getLogger(loggers.LevelsByName.CRIT)  # no handler: silent
    if kind is SupvisorsZmqEventInterface:
        import zmq.asyncio

        client = kind(zmq.asyncio.Context.instance(), "127.0.0.1", port, logger)
    else:
        client = kind("127.0.0.1", port, logger)
    for topic, name in (
        ("supvisors", "on_supvisors_status"),
        ("instance", "on_instance_status"),
        ("application", "on_application_status"),
        ("event", "on_process_event"),
        ("process", "on_process_status"),
        ("hstats", "on_host_statistics"),
        ("pstats", "on_process_statistics"),
    ):
        setattr(client, name, lambda data, topic=topic: received.add(topic, data))
    client.subscribe_all()
    return client


@pytest.fixture
def pair(make_cluster: Any) -> Iterator[Cluster]:
    """a publishes events on ZMQ; b runs `victim`."""
    cluster: Cluster = make_cluster(supvisors_options=FAST, port_span=3)
    cluster.add("a", supvisors_options={"event_link": "ZMQ"})
    cluster.add("b", programs=[program_section("victim")])
    cluster.start()
    wait_operation(cluster, ["a", "b"])
    yield cluster


def wait_for(cluster: Cluster, received: Received, predicate: Any, what: str) -> Any:
    return cluster.wait_until(lambda: received.find(predicate), timeout=15, message=what)


def test_supvisors_zmq_client_sees_a_remote_stop_within_100ms(pair: Cluster) -> None:
    a, b = pair["a"], pair["b"]
    received = Received()
    client = supvisors_client(SupvisorsZmqEventInterface, a.http_port + 2, received)
    client.start()
    try:
        wait_for(pair, received, lambda t, p: t == "instance", "no instance event")
        pair.wait_until(
            lambda: a.supvisors.get_process_info("victim:victim")[0]["statename"] == "RUNNING",
            message="victim never RUNNING for a",
        )
        expected_keys = set(a.supvisors.get_process_info("victim:victim")[0])
        before = time.monotonic()
        b.supervisor.stopProcess("victim:victim", False)

        def stopped(topic: str, payload: Any) -> bool:
            return topic == "process" and payload["statename"] in ("STOPPING", "STOPPED")

        arrival, _, payload = wait_for(pair, received, stopped, "no STOPPING/STOPPED event")
        assert set(payload) == expected_keys
        assert arrival - before < 0.1, f"{(arrival - before) * 1000:.0f} ms"
        event = wait_for(pair, received, lambda t, p: t == "event", "no process event")[2]
        assert {"identifier", "name", "group", "state", "pid", "expected"} <= set(event)
    finally:
        client.stop()


def test_supvisors_ws_client_and_our_client(make_cluster: Any) -> None:
    cluster: Cluster = make_cluster(supvisors_options=FAST, port_span=3)
    a = cluster.add(
        "a", programs=[program_section("victim")], supvisors_options={"event_link": "WS"}
    )
    cluster.start()
    wait_operation(cluster, ["a"])
    theirs, ours = Received(), Received()
    client = supvisors_client(SupvisorsWsEventInterface, a.http_port + 2, theirs)
    own = EventClient("127.0.0.1", a.http_port + 2, link="WS")
    own.subscribe_process_status()
    own.subscribe_instance_status()
    own.on_process_status = lambda data: ours.add("process", data)  # type: ignore[method-assign]
    own.on_instance_status = lambda data: ours.add("instance", data)  # type: ignore[method-assign]
    client.start()
    own.start()
    try:
        # both connected (the tick's instance events arrive) before the change
        wait_for(cluster, theirs, lambda t, p: t == "instance", "no instance event over WS")
        wait_for(cluster, ours, lambda t, p: t == "instance", "no instance event to our client")
        a.supervisor.stopProcess("victim:victim")
        for received in (theirs, ours):
            wait_for(
                cluster,
                received,
                lambda t, p: t == "process" and p["statename"] == "STOPPED",
                "no STOPPED over WS",
            )
    finally:
        client.stop()
        own.stop()
    assert own.error is None


def test_statistics_busy_loop_toggles_and_metrics(make_cluster: Any) -> None:
    cluster: Cluster = make_cluster(supvisors_options=FAST, port_span=3)
    a = cluster.add(
        "a",
        programs=[
            program_section("busy", BUSY, autostart=False, stopasgroup="true", killasgroup="true")
        ],
        supvisors_options={
            "event_link": "ZMQ",
            "stats_collecting_period": 1,
            "stats_periods": 1,
            "stats_irix_mode": "true",
        },
    )
    cluster.start()
    wait_operation(cluster, ["a"])
    received = Received()
    client = EventClient("127.0.0.1", a.http_port + 2)
    client.subscribe_process_statistics()
    client.subscribe_host_statistics()
    client.on_process_statistics = lambda d: received.add("pstats", d)  # type: ignore[method-assign]
    client.on_host_statistics = lambda d: received.add("hstats", d)  # type: ignore[method-assign]
    client.start()
    try:
        wait_for(cluster, received, lambda t, p: t == "hstats", "no host statistics")
        a.supervisor.startProcess("busy:busy")
        started = time.monotonic()
        arrival, _, payload = wait_for(
            cluster,
            received,
            lambda t, p: t == "pstats" and p["namespec"] == "busy" and p["cpu"] > BUSY_THRESHOLD,
            "the busy loop never showed above 50 % CPU",
        )
        assert arrival - started < 2 * 1.0 + 0.5, f"after {arrival - started:.2f} s"
        history = a.supvisors.get_process_statistics("busy:busy", 1)
        assert history and history[0]["cpu"] and history[0]["pid"] == payload["pid"]
        host = a.supvisors.get_host_statistics(a.identifier, 0)
        assert host["mem"] and len(host["cpu"]) >= 2
        metrics = scrape(a.http_port)
        assert ("supvisors_process_cpu_percent", "busy") in {
            (sample.name, sample.labels.get("process")) for sample in metrics
        }
        assert any(s.name == "supvisors_process_starts_total" and s.value >= 1 for s in metrics)
    finally:
        client.stop()
    rpc = a.supvisors
    assert rpc.get_statistics_status() == {
        "host_stats": True,
        "process_stats": True,
        "collecting_period": 1.0,
    }
    assert rpc.enable_host_statistics(False) and rpc.update_collecting_period(2.5)
    assert rpc.get_statistics_status() == {
        "host_stats": False,
        "process_stats": True,
        "collecting_period": 2.5,
    }
    assert rpc.enable_process_statistics(False)
    assert rpc.get_statistics_status()["process_stats"] is False


def scrape(port: int) -> list[Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/supvisors/metrics", timeout=10) as reply:
        assert reply.headers["Content-Type"].startswith("text/plain")
        text = reply.read().decode()
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def propagation(cluster: Cluster, rounds: int) -> list[float]:
    """Seconds for a stop/start on b to show in a's get_process_info."""
    a, b = cluster["a"], cluster["b"]
    delays = []
    for index in range(rounds):
        target = "STOPPED" if index % 2 == 0 else "RUNNING"
        call = b.supervisor.stopProcess if target == "STOPPED" else b.supervisor.startProcess
        call("victim:victim", False)
        before = time.monotonic()
        cluster.wait_until(
            lambda target=target: (
                a.supvisors.get_process_info("victim:victim")[0]["statename"] == target
            ),
            timeout=10,
            message=f"a never saw victim {target}",
        )
        delays.append(time.monotonic() - before)
    return delays


def test_a_stalled_subscriber_does_not_slow_propagation(pair: Cluster) -> None:
    a = pair["a"]
    pair.wait_until(
        lambda: a.supvisors.get_process_info("victim:victim")[0]["statename"] == "RUNNING",
        message="victim never RUNNING for a",
    )
    context = zmq.Context()
    stalled = context.socket(zmq.SUB)
    stalled.setsockopt(zmq.RCVHWM, 1)
    stalled.setsockopt(zmq.RCVBUF, 4096)
    stalled.setsockopt(zmq.SUBSCRIBE, b"")
    stalled.connect(f"tcp://127.0.0.1:{a.http_port + 2}")
    sse = socket.create_connection(("127.0.0.1", a.http_port), timeout=5)
    sse.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sse.sendall(b"GET /supvisors/events HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        delays = propagation(pair, 20)  # they read nothing meanwhile
        assert sorted(delays)[len(delays) // 2] < 0.5, delays
        assert a.supervisor.getState()["statename"] == "RUNNING"
    finally:
        sse.close()
        stalled.close(0)
        context.term()


def test_cli_statistics_and_events_commands(make_cluster: Any, capsys: Any) -> None:
    import json
    import signal
    import subprocess

    from supvisors_ext.supvisorsctl import main

    cluster: Cluster = make_cluster(supvisors_options=FAST, port_span=3)
    a = cluster.add(
        "a",
        programs=[program_section("victim")],
        supvisors_options={"stats_collecting_period": 1, "stats_periods": 1},
    )
    cluster.start()
    wait_operation(cluster, ["a"])
    url = f"http://127.0.0.1:{a.http_port}"
    assert main(["-s", url, "stats_status"]) == 0
    assert "Host statistics: True" in capsys.readouterr().out
    assert main(["-s", url, "disable_stats", "process"]) == 0
    assert main(["-s", url, "stats_period", "2"]) == 0
    assert a.supvisors.get_statistics_status() == {
        "host_stats": True,
        "process_stats": False,
        "collecting_period": 2.0,
    }
    assert main(["-s", url, "enable_stats", "bogus"]) == 2
    cluster.wait_until(
        lambda: len(a.supvisors.get_host_statistics(a.identifier, 0)["mem"]) >= 2,
        message="no host statistics compiled",
    )
    capsys.readouterr()
    assert main(["-s", url, "stats"]) == 0
    out = capsys.readouterr().out
    assert "cpu#0" in out and "mem" in out
    command = [sys.executable, "-m", "supvisors_ext.supvisorsctl", "-s", url, "events", "process"]
    # pytest-xdist workers ignore SIGINT, and an ignored signal stays ignored across exec: Python
    # installs its KeyboardInterrupt handler only over the default disposition, so restore it
    reader = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        line = reader.stdout.readline() if reader.stdout else ""
        record = json.loads(line)
        assert record["topic"] == "process" and record["data"]["process_name"] == "victim"
    finally:
        reader.send_signal(signal.SIGINT)
        assert reader.wait(10) == 0
        if reader.stdout:
            reader.stdout.close()
