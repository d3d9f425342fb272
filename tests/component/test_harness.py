"""Tests of the real-process harness against stock supervisord (no plugin sections)."""

from __future__ import annotations

import os
import signal
import socket
from functools import partial
from pathlib import Path

import psutil
import pytest

from tests.harness import (
    Cluster,
    add_scenario2,
    exit_command,
    group_section,
    program_section,
    wait_until,
)
from tests.harness.fixtures import ClusterFactory
from tests.harness.ports import try_reserve
from tests.harness.sessions import is_gone, session_processes

# socket.timeout became an alias of TimeoutError in Python 3.10
RPC_TIMEOUT = (TimeoutError, socket.timeout)
PROGRAMS = [
    program_section("sleeper_a"),
    program_section("sleeper_b"),
    program_section("quitter", exit_command(3), autorestart=False, exitcodes=[3]),
]


def running_state(cluster: Cluster, nick: str) -> bool:
    """All programs of ``nick`` in their final state: sleepers RUNNING, quitter EXITED."""
    infos = cluster[nick].supervisor.getAllProcessInfo()
    states = {info["name"]: info["statename"] for info in infos}
    return states == {"sleeper_a": "RUNNING", "sleeper_b": "RUNNING", "quitter": "EXITED"}


def program_pids(cluster: Cluster, nick: str) -> list[int]:
    """Pids of the running programs of ``nick``."""
    infos = cluster[nick].supervisor.getAllProcessInfo()
    return [info["pid"] for info in infos if info["statename"] == "RUNNING"]


@pytest.fixture
def trio(make_cluster: ClusterFactory) -> Cluster:
    """Three running stock supervisord instances with two sleepers and one quitter each."""
    cluster = make_cluster(plugin=False)
    for nick in ("alpha", "beta", "gamma"):
        cluster.add(nick, programs=PROGRAMS)
    cluster.start()
    for nick in cluster.instances:
        cluster.wait_until(partial(running_state, cluster, nick), message=nick)
    return cluster


def test_start_three_instances(trio: Cluster) -> None:
    ports = sorted(port for inst in trio for port in (inst.http_port, inst.internal_port))
    assert len(set(ports)) == 6
    for inst in trio:
        assert inst.internal_port == inst.http_port + 1
        assert inst.identifier == f"127.0.0.1:{inst.http_port}"
        assert inst.supervisor.getState() == {"statecode": 1, "statename": "RUNNING"}
        assert inst.supervisor.getIdentification() == inst.nick
        with inst.proxy() as proxy:
            assert proxy.supervisor.getPID() == inst.pid
        conf = inst.conf_path.read_text()
        assert "supvisors" not in conf
        assert "[unix_http_server]" not in conf
        assert inst.log_path.is_file()


def test_programs_share_session_not_group(trio: Cluster) -> None:
    """The premise of ``kill``: programs have their own process group, in our session."""
    inst = trio["alpha"]
    for pid in program_pids(trio, "alpha"):
        assert os.getsid(pid) == inst.pid
        assert os.getpgid(pid) == pid != inst.pid
    assert {proc.pid for proc in inst.processes()} == {inst.pid, *program_pids(trio, "alpha")}


def test_sigkill_kills_the_whole_instance_only(trio: Cluster) -> None:
    victims = trio["beta"].processes()
    others = [proc for nick in ("alpha", "gamma") for proc in trio[nick].processes()]
    assert len(victims) == 3 and len(others) == 6
    trio.kill("beta")
    assert all(is_gone(proc) for proc in victims)
    assert trio["beta"].returncode() == -signal.SIGKILL
    assert not trio["beta"].processes()
    assert not any(is_gone(proc) for proc in others)
    with pytest.raises(ConnectionRefusedError):
        trio["beta"].supervisor.getState()
    for nick in ("alpha", "gamma"):
        assert running_state(trio, nick)


def test_suspend_and_resume(trio: Cluster) -> None:
    pids_before = program_pids(trio, "gamma")
    trio.suspend("gamma")
    statuses = {proc.status() for proc in trio["gamma"].processes()}
    assert statuses == {psutil.STATUS_STOPPED}
    with pytest.raises(RPC_TIMEOUT):
        trio["gamma"].rpc("supervisor", timeout=0.3).getState()
    assert running_state(trio, "alpha")
    trio.resume("gamma")
    assert trio["gamma"].supervisor.getState()["statename"] == "RUNNING"
    trio.wait_until(lambda: program_pids(trio, "gamma") == pids_before, message="same pids")


def test_stop_and_restart_same_ports(trio: Cluster) -> None:
    old_pid, port = trio["alpha"].pid, trio["alpha"].http_port
    old_programs = trio["alpha"].processes()
    assert trio.stop("alpha") == 0
    assert all(is_gone(proc) for proc in old_programs)
    trio.restart("alpha")
    assert trio["alpha"].pid != old_pid and trio["alpha"].http_port == port
    trio.wait_until(lambda: running_state(trio, "alpha"), message="alpha programs")
    assert trio["alpha"].sids == [old_pid, trio["alpha"].pid]


def test_stop_a_suspended_instance(trio: Cluster) -> None:
    trio.suspend("beta")
    assert trio.stop("beta") == 0
    assert not trio["beta"].processes()


def test_teardown_leaves_no_process(tmp_path: Path) -> None:
    with Cluster(tmp_path, plugin=False) as cluster:
        cluster.add("one", programs=PROGRAMS)
        cluster.add("two", programs=[group_section("grp", ["sleeper_a"]), *PROGRAMS])
        cluster.start()
        for nick in ("one", "two"):
            cluster.wait_until(partial(running_state, cluster, nick), message=nick)
        cluster.suspend("two")  # even frozen instances are cleaned up
        procs = [proc for inst in cluster for proc in inst.processes()]
        sids = [sid for inst in cluster for sid in inst.sids]
        ports = [inst.http_port for inst in cluster]
        assert len(procs) == 6  # 2 x (supervisord + 2 sleepers)
    assert all(is_gone(proc) for proc in procs)
    assert not [proc for sid in sids for proc in session_processes(sid)]
    for port in ports:  # the port locks are released
        block = try_reserve(port, 2)
        assert block is not None
        block.release()


def test_start_failure_is_reported_at_once(make_cluster: ClusterFactory) -> None:
    cluster = make_cluster(plugin=False)
    bogus = "[rpcinterface:bogus]\nsupervisor.rpcinterface_factory = no_such_module:make\n"
    cluster.add("broken", extra=bogus)
    with pytest.raises(AssertionError) as info:
        cluster.start(timeout=60)  # fails when supervisord exits, long before 60 s
    text = str(info.value)
    assert "supervisord broken exited with 2" in text
    assert "no_such_module:make cannot be resolved" in text


def test_plugin_config_rendering(make_cluster: ClusterFactory) -> None:
    cluster = make_cluster(supvisors_options={"tick_period": 0.5, "auto_fence": True})
    a = cluster.add("a", supvisors_options={"stereotypes": ["x", "y"]})
    b = cluster.add("b", internal_port=cluster["a"].http_port + 1000)
    cluster.add("plain", plugin=False, listed=False)
    cluster.write_configs()
    expected_list = f"<a>127.0.0.1:{a.http_port},<b>127.0.0.1:{b.http_port}:{b.internal_port}"
    assert cluster.supvisors_list() == expected_list
    conf_a = a.conf_path.read_text()
    assert "[rpcinterface:supvisors]\nsupervisor.rpcinterface_factory = supvisors_ext." in conf_a
    for line in (f"supvisors_list = {expected_list}", "tick_period = 0.5", "auto_fence = true"):
        assert line in conf_a.splitlines()
    assert "stereotypes = x,y" in conf_a
    assert "internal_port" not in conf_a
    assert f"internal_port = {b.internal_port}" in b.conf_path.read_text()
    assert "supvisors" not in cluster["plain"].conf_path.read_text()


def test_scenario2_layout(make_cluster: ClusterFactory, tmp_path: Path) -> None:
    cluster = make_cluster(supvisors_options={"rules_files": "etc/rules.xml"})
    listing = add_scenario2(cluster, etc_dir=tmp_path / "etc")
    items = listing.split(",")
    nicks = [item[1 : item.index(">")] for item in items]
    assert nicks == ["server_1", "server_2", "server_3", "console_1", "console_2", "console_3"]
    https = sorted(inst.http_port for inst in cluster)
    assert all(high - low >= 2 for low, high in zip(https, https[1:]))
    cluster.write_configs()
    conf = cluster["console_2"].conf_path.read_text().splitlines()
    assert "core_identifiers = server_1,server_2,server_3" in conf
    assert "rules_files = etc/rules.xml" in conf
    assert f"files = {tmp_path}/etc/common/*.ini {tmp_path}/etc/console/*.ini" in conf
    assert "identifier = console_2" in conf


def test_wait_until_returns_value_or_explains() -> None:
    calls = iter([0, None, "ready"])
    assert wait_until(lambda: next(calls), timeout=5, interval=0.001) == "ready"

    def failing() -> int:
        raise OSError("refused")

    with pytest.raises(AssertionError) as info:
        wait_until(failing, timeout=0.05, message="server up", describe=lambda: "LOG TAIL")
    assert "server up" in str(info.value)
    assert "OSError: refused" in str(info.value)
    assert "LOG TAIL" in str(info.value)


def test_rpc_calls_do_not_hang_on_a_silent_server(make_cluster: ClusterFactory) -> None:
    cluster = make_cluster(plugin=False)
    inst = cluster.add("never_started")
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", inst.http_port))
        listener.listen()
        with pytest.raises(RPC_TIMEOUT):
            inst.rpc("supervisor", timeout=0.2).getState()
    with pytest.raises(ConnectionRefusedError):  # nothing listens any more
        inst.supervisor.getState()
