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
