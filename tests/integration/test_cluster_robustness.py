"""A cluster facing hostile bus input, synchronization options, cluster stop/restart, a busy
bus port, a supervisord reload, auto-fencing and mismatched strategies
(docs/design/state-machine.md, docs/configuration.md#options, docs/api.md)."""

from __future__ import annotations

import json
import socket
import time
import xmlrpc.client
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import zmq

from supvisors_ext.messages import (
    MAX_FRAME_BYTES,
    ProcessMessage,
    StateMessage,
    StateModes,
    TickMessage,
    encode,
)
from supvisors_ext.model import InstanceStates, LocalProcessInfo, ProcessStates, SupvisorsStates
from tests.harness import Cluster, Deadline, group_section, program_section
from tests.integration.cluster_helpers import FAST, safe_state, wait_operation

pytestmark = pytest.mark.integration

RULES = '<?xml version="1.0"?>\n<root><application name="managed"/></root>\n'
DROPPED = "bus message dropped"


# ----- helpers
def fault_of(call: Callable[..., Any], *args: Any) -> xmlrpc.client.Fault:
    with pytest.raises(xmlrpc.client.Fault) as info:
        call(*args)
    return info.value


def hold(cluster: Cluster, predicate: Callable[[], object], duration: float, message: str) -> int:
    """Poll `predicate` for `duration` seconds: it must hold at every poll. Return the polls."""
    deadline, polls = Deadline(duration), 0
    while True:
        value = predicate()
        polls += 1
        assert value, f"{message} (poll {polls}, value {value!r})\n{cluster.dump()}"
        if deadline.expired():
            return polls
        time.sleep(min(0.2, deadline.remaining()))  # polling interval, not a wait for a result


def instance_state(cluster: Cluster, observer: str, observed: str) -> str | None:
    """How `observer` sees `observed` (instance state name), None if it does not answer."""
    try:
        return cluster[observer].supvisors.get_instance_info(observed)[0]["statename"]
    except (OSError, xmlrpc.client.Error):
        return None


def wait_instance_state(
    cluster: Cluster, observers: list[str], observed: str, state: str, timeout: float = 10
) -> None:
    for nick in observers:
        cluster.wait_until(
            lambda n=nick: instance_state(cluster, n, observed) == state,
            timeout=timeout,
            message=f"{nick} does not see {observed} {state}",
        )


def process_snapshot(instance: Any) -> dict[str, tuple[str, list[str]]]:
    return {
        f"{p['application_name']}:{p['process_name']}": (p["statename"], sorted(p["identifiers"]))
        for p in instance.supvisors.get_all_process_info()
    }


def log_lines(instance: Any, text: str) -> list[str]:
    return [line for line in instance.log_path.read_text().splitlines() if text in line]


def plugin_errors(instance: Any) -> list[str]:
    """CRIT and ERROR lines of the plugin (supervisord's own CRIT lines are about root, auth)."""
    return log_lines(instance, " CRIT supvisors:") + log_lines(instance, " ERRO supvisors:")


def write_rules(tmp_path: Path) -> str:
    path = tmp_path / "rules.xml"
    path.write_text(RULES)
    return str(path)


def fake_info(group: str, name: str, state: ProcessStates, now: float) -> LocalProcessInfo:
    return LocalProcessInfo(
        group, name, state, int(time.time()), 0, int(time.time()), 4242, "pid 4242", "", True,
        now, 0.0, now, "", 0, 10, name, 0, False, True, True,
    )  # fmt: skip


def tick_from(instance: Any, counter: int) -> list[bytes]:
    now = time.monotonic()
    return encode(
        TickMessage(
            instance.identifier, now, instance.nick, counter, time.time(), now,
            instance.http_port, instance.internal_port, (),
        )
    )  # fmt: skip


def process_from(identifier: str, group: str, name: str) -> list[bytes]:
    info = fake_info(group, name, ProcessStates.RUNNING, time.monotonic())
    return encode(ProcessMessage(identifier, info.now_monotonic, info))


@pytest.fixture
def publisher() -> Iterator[Callable[[int], zmq.Socket[bytes]]]:
    """Factory of PUB sockets bound on 127.0.0.1:<port>; all closed at teardown."""
    context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    sockets: list[zmq.Socket[bytes]] = []

    def bind(port: int) -> zmq.Socket[bytes]:
        sock = context.socket(zmq.PUB)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.SNDHWM, 100_000)
        sock.bind(f"tcp://127.0.0.1:{port}")
        sockets.append(sock)
        return sock

    yield bind
    for sock in sockets:
        sock.close(linger=0)
    context.term()


# ----- 1. hostile bus input (docs/design/bus.md)
def hostile_frames(console: Any) -> list[list[bytes]]:
    """Malformed input, each kind of docs/design/bus.md, claiming a few senders."""
    valid = json.loads(tick_from(console, 1)[1])

    def tick_with(**changes: object) -> list[bytes]:
        payload = {**valid, **changes}
        return [b"TICK", json.dumps(payload).encode()]

    missing = {key: value for key, value in valid.items() if key != "sequence_counter"}
    nan = json.dumps({**valid, "now_monotonic": float("nan")}).encode()  # json writes NaN
    frames: list[list[bytes]] = [
        [b"\x00\xff garbage"],
        [b"TICK"],
        [*tick_from(console, 1), b"third frame"],
        [b"TICK", b"{not json"],
        [b"TICK", b"\xff\xfe not utf-8"],
        [b"TICK", b"[1, 2, 3]"],
        [b"TICK", b"[" * 100_000],
        [b"NO_SUCH_TOPIC", json.dumps(valid).encode()],
        tick_with(v=2),
        [b"TICK", json.dumps(missing).encode()],
        tick_with(sequence_counter="1"),
        tick_with(identifier=17),
        tick_with(http_port=70_000),
        tick_with(stereotypes="not a list"),
        [b"TICK", nan],
        [b"PROCESS", json.dumps({**valid, "group": "managed"}).encode()],
        [b"TICK", b" " * (MAX_FRAME_BYTES + 1)],
        [b"STATE", json.dumps({"v": 1, "identifier": console.identifier}).encode()],
        tick_with(identifier="evil:1"),
    ]
    # many of the same: the WARN is rate-limited per sender
    frames += [[b"garbage"]] * 300 + [tick_with(v=3)] * 300 + [tick_with(identifier="evil:1")] * 300
    return frames


def spoofed_frames(console: Any, intruder: str = "evil:1") -> list[list[bytes]]:
    """Well-formed messages from senders that must not be listened to."""
    modes = StateModes(
        SupvisorsStates.OPERATION, False, False, intruder, False, False,
        ((intruder, InstanceStates.RUNNING),), "", (),
    )  # fmt: skip
    return [
        process_from(console.identifier, "managed", "worker"),
        process_from(console.identifier, "sleeper", "sleeper"),
        process_from(intruder, "managed", "worker"),
        process_from(intruder, "intruder", "intruder"),
        encode(StateMessage(intruder, time.monotonic(), modes)),
    ]


def send_all(sock: zmq.Socket[bytes], frames: list[list[bytes]]) -> None:
    for message in frames:
        sock.send_multipart(message)


def wait_heard(
    cluster: Cluster, sock: zmq.Socket[bytes], nicks: list[str], sender: Any, counter: int
) -> None:
    """Publish TICKs of `sender` with `counter` until every instance has recorded it.

    Messages of one connection arrive in order: everything published before is handled too.
    """

    def heard() -> bool:
        sock.send_multipart(tick_from(sender, counter))
        infos = [cluster[n].supvisors.get_instance_info(sender.nick)[0] for n in nicks]
        return all(info["remote_sequence_counter"] == counter for info in infos)

    cluster.wait_until(heard, timeout=10, interval=0.1, message=f"{nicks} never heard {counter}")


def test_hostile_bus_input_is_dropped(
    make_cluster: Any, tmp_path: Path, publisher: Callable[[int], zmq.Socket[bytes]]
) -> None:
    options = {**FAST, "synchro_timeout": 1, "rules_files": write_rules(tmp_path)}
    cluster = make_cluster(supvisors_options=options)
    sleeper = program_section("sleeper")
    managed = group_section("managed", ["worker"])
    cluster.add("server_1", programs=[sleeper, program_section("worker"), managed])
    cluster.add("server_2", programs=[sleeper, program_section("worker", autostart=False), managed])
    console = cluster.add("console_1")  # listed, never started: the test speaks in its name
    nicks = ["server_1", "server_2"]
    cluster.start(nicks)
    master = wait_operation(cluster, nicks)
    before = {nick: process_snapshot(cluster[nick]) for nick in nicks}
    assert before["server_1"]["managed:worker"] == ("RUNNING", [cluster["server_1"].identifier])
    pids = {nick: cluster[nick].pid for nick in nicks}

    sock = publisher(console.internal_port)
    # the peers' SUB sockets reconnect to this endpoint on their own
    wait_heard(cluster, sock, nicks, console, 1)
    # its handshake fails (no HTTP server): back to STOPPED
    wait_instance_state(cluster, nicks, "console_1", "STOPPED")

    send_all(sock, hostile_frames(console))
    wait_heard(cluster, sock, nicks, console, 2)
    # a frame over zmq's size limit cuts the link: the peers reconnect by themselves
    sock.send_multipart([b"TICK", b"x" * (3 * MAX_FRAME_BYTES)])
    wait_heard(cluster, sock, nicks, console, 3)
    wait_instance_state(cluster, nicks, "console_1", "STOPPED")

    # console_1 is STOPPED and evil:1 unknown: their well-formed messages are ignored
    send_all(sock, spoofed_frames(console))
    wait_heard(cluster, sock, nicks, console, 4)

    # console_1 CHECKING (its HTTP server accepts but never answers): still ignored
    with socket.create_server(("127.0.0.1", console.http_port)) as mute_http:
        wait_heard(cluster, sock, nicks, console, 5)
        wait_instance_state(cluster, nicks, "console_1", "CHECKING")
        send_all(sock, spoofed_frames(console))
        wait_heard(cluster, sock, nicks, console, 6)
        for nick in nicks:
            assert process_snapshot(cluster[nick]) == before[nick], nick
        mute_http.close()  # resets the pending handshakes
        wait_instance_state(cluster, nicks, "console_1", "STOPPED")

    for nick in nicks:
        state = safe_state(cluster[nick])
        assert state is not None, nick
        assert (state["fsm_statename"], state["master_identifier"]) == ("OPERATION", master)
        assert process_snapshot(cluster[nick]) == before[nick]
        assert cluster[nick].is_alive() and cluster[nick].pid == pids[nick]
        assert cluster[nick].supervisor.getState()["statename"] == "RUNNING"
        drops = log_lines(cluster[nick], DROPPED)
        # rate-limited: one per sender per minute ('' , console_1, evil:1)
        assert 1 <= len(drops) <= 3, drops
        assert all(" WARN " in line for line in drops), drops
        assert not plugin_errors(cluster[nick]), nick


# ----- 2. synchronization options (docs/design/state-machine.md#cluster-states, docs/api.md#cluster
# end_sync)
def synchronizing(cluster: Cluster, nicks: list[str]) -> bool:
    states = [cluster[nick].supvisors.get_supvisors_state() for nick in nicks]
    return all(s["fsm_statename"] == "SYNCHRONIZATION" and s["degraded_mode"] for s in states)


def test_strict_waits_for_every_listed_instance_until_timeout(make_cluster: Any) -> None:
    options = {**FAST, "synchro_options": "STRICT,TIMEOUT", "synchro_timeout": 4}
    cluster = make_cluster(supvisors_options=options)
    for nick in ("server_1", "server_2", "console_1"):  # console_1 is never started
        cluster.add(nick)
    nicks = ["server_1", "server_2"]
    cluster.start(nicks)
    answering = time.monotonic()  # both answer getState(): their plugins started before
    cluster.wait_until(lambda: synchronizing(cluster, nicks), timeout=2, message="not SYNC")
    assert hold(cluster, lambda: synchronizing(cluster, nicks), 2.0, "left SYNCHRONIZATION") > 3
    server_1 = cluster["server_1"].supvisors
    # without USER, end_sync is not applicable; stopping the cluster needs a Master
    assert fault_of(server_1.end_sync).faultCode == 104
    assert fault_of(server_1.end_sync, "server_2").faultCode == 104
    assert fault_of(server_1.restart).faultCode == 101
    assert fault_of(cluster["server_2"].supvisors.shutdown).faultCode == 101
    master = wait_operation(cluster, nicks, timeout=10)
    assert time.monotonic() - answering >= 3.0  # TIMEOUT, not STRICT, ended the sync
    assert master == cluster["server_1"].identifier
    for nick in nicks:
        state = cluster[nick].supvisors.get_supvisors_state()
        assert state["degraded_mode"], nick  # STRICT is still not met
        assert state["instance_states"][cluster["console_1"].identifier] == "STOPPED"
        assert cluster[nick].is_alive()


@pytest.mark.parametrize("chosen", ["", "server_2"])
def test_user_sync_ends_with_end_sync(make_cluster: Any, chosen: str) -> None:
    cluster = make_cluster(supvisors_options={**FAST, "synchro_options": "USER"})
    nicks = ["server_1", "server_2"]
    for nick in nicks:
        cluster.add(nick)
    cluster.start(nicks)

    def both_running() -> bool:
        return all(
            set(cluster[nick].supvisors.get_supvisors_state()["instance_states"].values())
            == {"RUNNING"}
            for nick in nicks
        )

    cluster.wait_until(both_running, timeout=10, message="instances never RUNNING")

    def in_sync() -> bool:
        states = [cluster[nick].supvisors.get_supvisors_state() for nick in nicks]
        return all(
            (s["fsm_statename"], s["master_identifier"]) == ("SYNCHRONIZATION", "") for s in states
        )

    hold(cluster, in_sync, 1.5, "USER sync ended without end_sync")
    server_1 = cluster["server_1"].supvisors
    assert fault_of(server_1.end_sync, "nobody").faultCode == 10  # BAD_NAME
    assert fault_of(server_1.end_sync, 3).faultCode == 2  # INCORRECT_PARAMETERS
    hold(cluster, in_sync, 0.3, "a refused end_sync ended the sync")
    assert server_1.end_sync(chosen) is True
    master = wait_operation(cluster, nicks, timeout=10)
    expected = "server_2" if chosen else "server_1"  # an election picks the smallest nick
    assert master == cluster[expected].identifier
    for nick in nicks:
        assert fault_of(cluster[nick].supvisors.end_sync).faultCode == 101
        assert fault_of(cluster[nick].supvisors.end_sync, "server_1").faultCode == 101


# ----- 3. cluster shutdown and restart (docs/design/state-machine.md#cluster-states,
# docs/api.md#cluster)
def start_three(make_cluster: Any, **options: Any) -> tuple[Cluster, list[str], str]:
    cluster = make_cluster(supvisors_options={**FAST, **options})
    nicks = ["server_1", "server_2", "server_3"]
    for nick in nicks:
        cluster.add(nick, programs=[program_section("sleeper")])
    cluster.start(nicks)
    return cluster, nicks, wait_operation(cluster, nicks)


def test_shutdown_from_a_non_master_stops_every_supervisord(make_cluster: Any) -> None:
    cluster, nicks, master = start_three(make_cluster)
    assert master == cluster["server_1"].identifier
    assert cluster["server_3"].supvisors.shutdown() is True  # forwarded to the Master
    deadline = Deadline(20)
    for nick in nicks:
        assert cluster.wait_exit(nick, timeout=deadline.remaining()) == 0, cluster.dump([nick])
    for nick in nicks:
        assert not cluster[nick].processes(), nick  # programs stopped with their supervisord
        assert not plugin_errors(cluster[nick]), nick


def test_restart_restarts_every_supervisord_in_place(make_cluster: Any) -> None:
    cluster, nicks, master = start_three(make_cluster)
    pids = {nick: cluster[nick].pid for nick in nicks}
    sleepers = {nick: cluster[nick].supervisor.getProcessInfo("sleeper")["pid"] for nick in nicks}
    assert cluster["server_2"].supvisors.restart() is True

    def restarted(nick: str) -> bool:
        # a new sleeper pid proves this supervisord went through its restart
        info = cluster[nick].supervisor.getProcessInfo("sleeper")
        return info["statename"] == "RUNNING" and info["pid"] != sleepers[nick]

    for nick in nicks:
        cluster.wait_until(lambda n=nick: restarted(n), timeout=20, message=f"{nick} not restarted")
    assert wait_operation(cluster, nicks) == master
    for nick in nicks:
        assert cluster[nick].is_alive() and cluster[nick].pid == pids[nick], nick
        assert not plugin_errors(cluster[nick]), nick
        assert not log_lines(cluster[nick], "did not stop in time"), nick


# ----- 4. bus port in use (docs/design/state-machine.md#execution-model)
def test_bus_port_in_use_leaves_supervisord_running_and_the_plugin_off(
    make_cluster: Any,
) -> None:
    cluster = make_cluster(supvisors_options=FAST)
    instance = cluster.add("server_1", programs=[program_section("sleeper")])
    with socket.create_server(("127.0.0.1", instance.internal_port)):  # listening, no reuse
        cluster.start()
        assert instance.supervisor.getState()["statename"] == "RUNNING"
        cluster.wait_until(
            lambda: instance.supervisor.getProcessInfo("sleeper")["statename"] == "RUNNING",
            message="sleeper not RUNNING",
        )
        port = str(instance.internal_port)
        cluster.wait_until(
            lambda: [line for line in log_lines(instance, " CRIT ") if port in line],
            message=f"no CRIT line naming port {port}",
        )

        def off() -> bool:
            return instance.supvisors.get_supvisors_state()["fsm_statename"] == "OFF"

        hold(cluster, off, 1.0, "the plugin left OFF without a bus")
        assert instance.supervisor.getProcessInfo("sleeper")["statename"] == "RUNNING"
        assert instance.is_alive()


# ----- 5. supervisord reload with peers (docs/architecture.md#the-supervisord-plugin-lifecycle: the
# plugin is rebuilt in the same process)
def identifiers_of(instance: Any, namespec: str) -> list[str] | None:
    try:
        return sorted(instance.supvisors.get_process_info(namespec)[0]["identifiers"])
    except (OSError, xmlrpc.client.Error):
        return None


@pytest.mark.parametrize("reloaded", ["server_1", "server_2"])  # the Master, then the other
def test_reload_rejoins_the_cluster(make_cluster: Any, reloaded: str) -> None:
    cluster = make_cluster(supvisors_options=FAST)
    nicks = ["server_1", "server_2"]
    manual = program_section("manual", autostart=False)
    for nick in nicks:
        cluster.add(nick, programs=[program_section("sleeper"), manual])
    cluster.start(nicks)
    master = wait_operation(cluster, nicks)
    instance = cluster[reloaded]
    [peer] = [nick for nick in nicks if nick != reloaded]
    instance.supervisor.startProcess("manual")
    cluster.wait_until(
        lambda: identifiers_of(cluster[peer], "manual") == [instance.identifier],
        message=f"{peer} does not see manual running on {reloaded}",
    )
    # the peer spots a reload by the tick counter going back (docs/design/bus.md: +1 per tick
    # from 0): let the counter grow beyond what the reloaded run reaches before it is heard
    cluster.wait_until(
        lambda: (
            cluster[peer].supvisors.get_instance_info(reloaded)[0]["remote_sequence_counter"] >= 15
        ),
        message=f"{peer} did not hear 15 ticks of {reloaded}",
    )
    pid, sleeper = instance.pid, instance.supervisor.getProcessInfo("sleeper")["pid"]
    assert instance.supervisor.restart() is True

    def back() -> bool:
        info = instance.supervisor.getProcessInfo("sleeper")
        return info["statename"] == "RUNNING" and info["pid"] != sleeper

    cluster.wait_until(back, timeout=15, message=f"{reloaded} did not come back")
    assert instance.pid == pid and instance.is_alive()
    both = sorted(cluster[n].identifier for n in nicks)

    def rejoined() -> bool:
        # 'manual' is not autostarted: the peer must forget the previous run, however fast
        return identifiers_of(cluster[peer], "manual") == [] and all(
            set(cluster[n].supvisors.get_supvisors_state()["instance_states"].values())
            == {"RUNNING"}
            and identifiers_of(cluster[n], "sleeper") == both
            for n in nicks
        )

    cluster.wait_until(rejoined, timeout=10, message=f"{reloaded} did not re-join")
    new_master = wait_operation(cluster, nicks)
    if reloaded != "server_1":
        assert new_master == master  # a reloaded Master is lost: a new one may be elected
    for nick in nicks:
        assert not plugin_errors(cluster[nick]), nick
        assert not log_lines(cluster[nick], "did not stop in time"), nick
        assert not log_lines(cluster[nick], "still in progress"), nick


# ----- 6. auto_fence (docs/design/state-machine.md#instance-states)
def test_auto_fence_isolates_a_frozen_instance_for_good(make_cluster: Any) -> None:
    cluster, nicks, master = start_three(make_cluster, auto_fence=True)
    assert master == cluster["server_1"].identifier
    others = ["server_1", "server_2"]
    cluster.suspend("server_3")
    wait_instance_state(cluster, others, "server_3", "ISOLATED", timeout=5)
    cluster.resume("server_3")
    # ISOLATED is final until the observer restarts: server_3's ticks are no longer heard
    cluster.wait_until(
        lambda: cluster["server_3"].supervisor.getState()["statename"] == "RUNNING",
        message="server_3 does not answer after SIGCONT",
    )

    def still_isolated() -> bool:
        return all(instance_state(cluster, nick, "server_3") == "ISOLATED" for nick in others)

    hold(cluster, still_isolated, 2.0, "server_3 was let back in")
    assert wait_operation(cluster, others) == master
    for nick in others:
        info = cluster[nick].supvisors.get_instance_info("server_3")[0]
        assert info["statename"] == "ISOLATED"
        [sleeper] = cluster[nick].supvisors.get_process_info("sleeper")
        assert cluster["server_3"].identifier not in sleeper["identifiers"]
        assert cluster[nick].supvisors.get_supvisors_state()["degraded_mode"]  # STRICT lost
    assert cluster["server_3"].is_alive()


# ----- 7. strategies differ (docs/design/state-machine.md#instance-states,
# docs/configuration.md#options "same")
def test_instances_with_different_strategies_isolate_each_other(make_cluster: Any) -> None:
    cluster = make_cluster(supvisors_options={**FAST, "synchro_timeout": 1})
    cluster.add("server_1", supvisors_options={"conciliation_strategy": "STOP"})
    cluster.add("server_2")
    nicks = ["server_1", "server_2"]
    cluster.start(nicks)
    wait_instance_state(cluster, ["server_1"], "server_2", "ISOLATED")
    wait_instance_state(cluster, ["server_2"], "server_1", "ISOLATED")
    for nick in nicks:
        [other] = [n for n in nicks if n != nick]
        cluster.wait_until(
            lambda n=nick: (s := safe_state(cluster[n])) and s["fsm_statename"] == "OPERATION",
            message=f"{nick} alone never reached OPERATION",
        )
        state = cluster[nick].supvisors.get_supvisors_state()
        assert state["master_identifier"] == cluster[nick].identifier  # each one on its own
        assert state["instance_states"][cluster[other].identifier] == "ISOLATED"
        # whoever checks first sees the strategies differ; the other may see that first
        assert log_lines(cluster[nick], f"{cluster[other].identifier} ISOLATED: "), nick
    assert any(log_lines(cluster[nick], "ISOLATED: its strategies") for nick in nicks)
