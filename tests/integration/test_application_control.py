"""Starting and stopping applications from any instance on a Scenario 2 cluster (issue 4)."""

from __future__ import annotations

import threading
import xmlrpc.client
from pathlib import Path
from typing import Any

import pytest

from tests.harness import CONSOLES, SERVERS, Cluster
from tests.integration.cluster_helpers import start_scenario2, wait_operation

pytestmark = pytest.mark.integration
SRV = ("scen2_srv_01", "scen2_srv_02", "scen2_srv_03")


def where(instance: Any, application: str) -> set[str]:
    """The instances where any process of the application runs."""
    return {
        identifier
        for info in instance.supvisors.get_process_info(f"{application}:*")
        for identifier in info["identifiers"]
    }


def app_info(instance: Any, application: str) -> dict[str, Any]:
    return instance.supvisors.get_application_info(application)


def wait_ready(cluster: Cluster, nicks: list[str], timeout: float = 30) -> None:
    """OPERATION everywhere and no job in progress anywhere."""
    wait_operation(cluster, nicks, timeout)

    def idle() -> bool:
        states = [cluster[nick].supvisors.get_supvisors_state() for nick in nicks]
        return all(not s["starting_jobs"] and not s["stopping_jobs"] for s in states)

    cluster.wait_until(idle, timeout=timeout, message="jobs still in progress")


def assert_stage_order(instance: Any, application: str) -> None:
    """Req 4: each stage starts after the previous one is RUNNING (or has exited, wait_exit)."""
    rules = {r["process_name"]: r for r in instance.supvisors.get_process_rules(f"{application}:*")}
    infos = {
        name: instance.supvisors.get_local_process_info(f"{application}:{name}") for name in rules
    }
    bus = infos["scen2_internal_data_bus"]
    check = infos["scen2_check_internal_data_bus"]
    assert check["start_monotonic"] >= bus["start_monotonic"] + bus["startsecs"]
    for name, rule in rules.items():
        if rule["start_sequence"] == 3 and not rule["wait_exit"]:
            assert infos[name]["start_monotonic"] >= check["stop_monotonic"], name


@pytest.fixture
def scenario(make_cluster: Any, tmp_path: Path) -> Cluster:
    cluster = make_cluster()
    nicks = start_scenario2(cluster, tmp_path)
    wait_ready(cluster, nicks)
    return cluster


def test_servers_start_automatically_balanced_and_in_order(scenario: Cluster) -> None:
    cluster = scenario
    console = cluster["console_1"]
    hosts = [where(console, name) for name in SRV]
    assert all(len(host) == 1 for host in hosts), hosts
    servers = {cluster[nick].identifier for nick in SERVERS}
    assert set().union(*hosts) == servers  # one per server (Req 2, 10, 13)
    for name in SRV:
        assert app_info(console, name)["statename"] == "RUNNING"
        assert not app_info(console, name)["major_failure"]
    for nick in SERVERS:
        [info] = console.supvisors.get_instance_info(nick)
        assert info["loading"] == 42
    for nick in SERVERS:
        hosted = [name for name in SRV if cluster[nick].identifier in where(console, name)]
        assert_stage_order(cluster[nick], hosted[0])
    hci = [
        a for a in console.supvisors.get_all_applications_info() if "hci" in a["application_name"]
    ]
    assert {(a["statename"], a["major_failure"], a["minor_failure"]) for a in hci} == {
        ("STOPPED", False, False)
    }


def test_local_start_and_stop_from_anywhere(scenario: Cluster) -> None:
    cluster = scenario
    assert cluster["console_3"].supvisors.start_application("LOCAL", "scen2_hci_02") is True
    # other instances learn it over the bus: poll, the call returned when console_3 knew
    console_3 = cluster["console_3"].identifier
    cluster.wait_until(lambda: where(cluster["server_1"], "scen2_hci_02") == {console_3}, 5)
    cluster.wait_until(
        lambda: app_info(cluster["server_2"], "scen2_hci_02")["statename"] == "RUNNING", 5
    )
    assert_stage_order(cluster["console_3"], "scen2_hci_02")
    # a second start from anywhere is refused (Req 23)
    with pytest.raises(xmlrpc.client.Fault) as info:
        cluster["console_1"].supvisors.start_application("LOCAL", "scen2_hci_02")
    assert info.value.faultCode == 60
    assert cluster["server_1"].supvisors.stop_application("scen2_hci_02") is True
    cluster.wait_until(lambda: where(cluster["console_1"], "scen2_hci_02") == set(), 5)
    assert app_info(cluster["console_1"], "scen2_hci_02")["statename"] == "STOPPED"
    # LOCAL on a server: no console can take it there
    with pytest.raises(xmlrpc.client.Fault) as info:
        cluster["server_1"].supvisors.start_application("LOCAL", "scen2_hci_03")
    assert info.value.faultCode == 40
    # its processes are shown FATAL "No resource available" everywhere (Req 21)
    cluster.wait_until(
        lambda: (
            (s := app_info(cluster["console_2"], "scen2_hci_03"))
            and (s["statename"], s["major_failure"], s["minor_failure"]) == ("STOPPED", True, True)
        ),
        timeout=5,
    )


def test_concurrent_starts_run_exactly_one_copy(scenario: Cluster) -> None:
    cluster = scenario
    results: list[object] = []
    lock = threading.Lock()

    def attempt(nick: str) -> None:
        try:
            outcome: object = cluster[nick].supvisors.start_application("LOCAL", "scen2_hci_01")
        except xmlrpc.client.Fault as fault:
            outcome = fault.faultCode
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(CONSOLES[index % 3],)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 20
    assert results.count(True) == 1, results
    assert set(results) - {True} <= {60}, results
    hosts = where(cluster["server_1"], "scen2_hci_01")
    assert len(hosts) == 1
    running = [
        nick
        for nick in CONSOLES
        if any(
            p["statename"] == "RUNNING"
            for p in cluster[nick].supervisor.getAllProcessInfo()
            if p["group"] == "scen2_hci_01"
        )
    ]
    assert len(running) == 1, running


def test_capacity_refuses_the_extra_start(make_cluster: Any, tmp_path: Path) -> None:
    cluster = make_cluster()
    nicks = ["server_1", *CONSOLES]
    options = {"synchro_options": "CORE,TIMEOUT", "core_identifiers": "server_1"}
    options["synchro_timeout"] = 3
    start_scenario2(cluster, tmp_path, options, nicks=nicks)
    wait_ready(cluster, nicks)
    console = cluster["console_1"]
    running = [name for name in SRV if app_info(console, name)["statename"] == "RUNNING"]
    assert len(running) == 2
    [third] = [name for name in SRV if name not in running]
    assert app_info(console, third)["statename"] == "STOPPED"
    assert app_info(console, third)["major_failure"] is True
    assert console.supvisors.get_instance_info("server_1")[0]["loading"] == 84
    with pytest.raises(xmlrpc.client.Fault) as info:
        console.supvisors.start_application("CONFIG", third)
    assert info.value.faultCode == 40
    assert console.supvisors.get_instance_info("server_1")[0]["loading"] == 84
    assert where(console, third) == set()


def pids(instance: Any, group: str) -> dict[str, int]:
    return {
        p["name"]: p["pid"] for p in instance.supervisor.getAllProcessInfo() if p["group"] == group
    }


def test_restart_and_process_level_control(scenario: Cluster) -> None:
    cluster = scenario
    rpc = cluster["console_1"].supvisors
    [host] = where(rpc_owner := cluster["console_1"], "scen2_srv_01")
    server = next(inst for inst in cluster if inst.identifier == host)
    before = pids(server, "scen2_srv_01")
    # restart_application: stopped then started again (new pids, stage order kept)
    assert rpc.restart_application("LESS_LOADED", "scen2_srv_01") is True
    [new_host] = where(rpc_owner, "scen2_srv_01")
    new_server = next(inst for inst in cluster if inst.identifier == new_host)
    after = pids(new_server, "scen2_srv_01")
    bus = "scen2_internal_data_bus"
    assert after[bus] and after[bus] != before[bus]
    assert_stage_order(new_server, "scen2_srv_01")
    # stop_process / start_process / restart_process on one process
    namespec = "scen2_srv_01:scen2_data_processing"
    assert rpc.stop_process(namespec) is True
    cluster.wait_until(lambda: where(rpc_owner, "scen2_srv_01") == {new_host}, 5)
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.stop_process(namespec)
    assert info.value.faultCode == 70  # NOT_RUNNING
    assert rpc.start_process("CONFIG", namespec) is True
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.start_process("CONFIG", namespec)
    assert info.value.faultCode == 60
    first = new_server.supvisors.get_local_process_info(namespec)["pid"]
    assert rpc.restart_process("CONFIG", namespec, "--verbose") is True
    local = new_server.supvisors.get_local_process_info(namespec)
    assert local["pid"] != first and local["extra_args"] == "--verbose"
    # start_args: a start on the instance addressed, with extra arguments
    assert new_server.supvisors.stop_process(namespec) is True
    assert new_server.supvisors.start_args(namespec, "-x 1") is True
    assert new_server.supvisors.get_local_process_info(namespec)["extra_args"] == "-x 1"
    # bad arguments are faults
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.start_process("FASTEST", namespec)
    assert info.value.faultCode == 2
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.start_application("CONFIG", "common_data_bus")
    assert info.value.faultCode == 102  # NOT_MANAGED


def test_restart_sequence_repairs_what_failed(scenario: Cluster) -> None:
    cluster = scenario
    rpc = cluster["server_2"].supvisors
    # nothing failed and everything runs: nothing to queue
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.restart_sequence()
    assert info.value.faultCode == 40
    # a required process stopped by hand is a failure that restart_sequence repairs in place
    [host] = where(cluster["server_1"], "scen2_srv_02")
    server = next(inst for inst in cluster if inst.identifier == host)
    server.supervisor.stopProcess("scen2_srv_02:scen2_data_processing")
    cluster.wait_until(lambda: app_info(cluster["server_2"], "scen2_srv_02")["major_failure"], 5)
    assert rpc.restart_sequence() is True
    cluster.wait_until(
        lambda: not app_info(cluster["server_1"], "scen2_srv_02")["major_failure"], 10
    )
    assert where(cluster["server_1"], "scen2_srv_02") == {host}
