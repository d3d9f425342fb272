"""Several real instances form one cluster over the bus (issue 3)."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from tests.harness import SERVERS
from tests.integration.cluster_helpers import (
    FAST,
    process_state_on,
    safe_state,
    start_scenario2,
    wait_operation,
)

pytestmark = pytest.mark.integration


def test_six_instances_agree_and_share_process_states(make_cluster: Any, tmp_path: Path) -> None:
    cluster = make_cluster()
    nicks = start_scenario2(cluster, tmp_path)
    master = wait_operation(cluster, nicks)
    # core instances are preferred, then the smallest nick
    assert master == cluster["server_1"].identifier
    console = cluster["console_2"]
    state = console.supvisors.get_supvisors_state()
    assert set(state["instance_states"].values()) == {"RUNNING"}
    assert len(state["instance_states"]) == 6
    # each instance sees the processes of every other one
    [bus] = console.supvisors.get_process_info("common_data_bus")
    assert sorted(bus["identifiers"]) == sorted(cluster[n].identifier for n in nicks)
    infos = {p["application_name"] for p in console.supvisors.get_all_process_info()}
    assert {"scen2_srv_01", "scen2_hci_01", "common_data_bus"} <= infos
    # a plain supervisor stop on one instance is seen everywhere
    cluster["server_3"].supervisor.stopProcess("common_data_bus")
    server_3 = cluster["server_3"].identifier
    for nick in nicks:
        cluster.wait_until(
            lambda n=nick: (
                server_3
                not in cluster[n].supvisors.get_process_info("common_data_bus")[0]["identifiers"]
            ),
            timeout=5,
            message=f"{nick} still sees common_data_bus running on server_3",
        )
    info = {i["identifier"]: i for i in console.supvisors.get_all_instances_info()}
    assert info[cluster["server_1"].identifier]["statename"] == "RUNNING"
    assert info[server_3]["remote_sequence_counter"] > 0
    modes = console.supvisors.get_all_instances_state_modes()
    assert {m["fsm_statename"] for m in modes} == {"OPERATION"}
    assert {m["master_identifier"] for m in modes} == {master}
    [network] = console.supvisors.get_network_info("server_2")
    assert network["identifier"] == cluster["server_2"].identifier
    assert network["http_port"] == cluster["server_2"].http_port


def test_failure_detection_master_loss_and_rejoin(make_cluster: Any, tmp_path: Path) -> None:
    cluster = make_cluster()
    # two consoles are never started: CORE ends the synchronization (after synchro_timeout)
    nicks = start_scenario2(
        cluster, tmp_path, {"synchro_timeout": 2}, nicks=[*SERVERS, "console_1"]
    )
    master = wait_operation(cluster, nicks)
    assert master == cluster["server_1"].identifier
    # a non-Master instance dies with all its programs
    cluster.kill("server_2", signal.SIGKILL)
    survivors = ["server_1", "server_3", "console_1"]
    server_2 = cluster["server_2"].identifier
    for nick in survivors:
        cluster.wait_until(
            lambda n=nick: (
                cluster[n].supvisors.get_instance_info("server_2")[0]["statename"] == "STOPPED"
            ),
            timeout=5,
            message=f"{nick} did not declare server_2 lost",
        )
    state = process_state_on(cluster["console_1"], "scen2_srv_01:scen2_internal_data_bus")
    assert state is not None
    [bus] = cluster["server_1"].supvisors.get_process_info("common_data_bus")
    assert server_2 not in bus["identifiers"]
    # the Master dies: a new one is elected and everybody agrees
    cluster.kill("server_1", signal.SIGKILL)
    survivors = ["server_3", "console_1"]
    new_master = wait_operation(cluster, survivors, not_master=master)
    assert new_master == cluster["server_3"].identifier
    # the killed instances come back and re-join
    cluster.restart("server_1")
    cluster.restart("server_2")
    for nick in nicks:
        cluster.wait_until(
            lambda n=nick: (
                cluster["console_1"].supvisors.get_instance_info(n)[0]["statename"] == "RUNNING"
            ),
            timeout=10,
            message=f"{nick} did not re-join",
        )
    assert wait_operation(cluster, nicks) == new_master  # the running Master is kept
    state = safe_state(cluster["server_1"])
    assert state is not None and state["master_identifier"] == new_master


def test_instance_with_rules_error_is_not_elected(make_cluster: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<root><application name='x'></root>")
    good = tmp_path / "good.xml"
    good.write_text("<root/>")
    cluster = make_cluster()
    for nick, rules in (("server_1", broken), ("server_2", good)):
        cluster.add(nick, supvisors_options={"rules_files": str(rules), **FAST})
    cluster.start()
    # server_1 has the smaller nick, but its rules failed to load
    assert wait_operation(cluster, ["server_1", "server_2"]) == cluster["server_2"].identifier
