"""Supvisors 0.19.1 parity on real supervisord: methods, predictions, disabled programs."""

from __future__ import annotations

import json
import xmlrpc.client
from pathlib import Path
from typing import Any

import pytest

from supvisors_ext import __version__
from tests.harness import Cluster, group_section, program_section
from tests.integration.cluster_helpers import FAST, wait_operation
from tests.supvisors_reference import ACCIDENTAL, STATISTICS, SUPVISORS_METHODS

pytestmark = pytest.mark.integration

RULES = """<?xml version="1.0" encoding="UTF-8"?>
<root>
  <application name="pool">
    <programs>
      <program pattern="^w_"><expected_loading>60</expected_loading></program>
    </programs>
  </application>
  <application name="fo">
    <programs>
      <program name="f">
        <running_failure_strategy>RESTART_PROCESS</running_failure_strategy>
      </program>
    </programs>
  </application>
  <application name="staged">
    <programs>
      <program name="first"><start_sequence>1</start_sequence></program>
      <program name="second"><start_sequence>2</start_sequence></program>
    </programs>
  </application>
</root>
"""

PROGRAMS = [
    program_section("w", numprocs=3, process_name="w_%(process_num)d", autostart=False),
    group_section("pool", ["w"]),
    program_section("first", autostart=False),
    program_section("second", autostart=False),
    group_section("staged", ["first", "second"]),
    program_section("f", autostart=False),
    group_section("fo", ["f"]),
]
NICKS = ("inst_a", "inst_b", "inst_c")


@pytest.fixture
def trio(make_cluster: Any, tmp_path: Path) -> Cluster:
    rules = tmp_path / "rules.xml"
    rules.write_text(RULES)
    cluster = make_cluster()
    options = {"rules_files": str(rules), "stereotypes": "trio", **FAST}
    for nick in NICKS:
        cluster.add(nick, programs=PROGRAMS, supvisors_options=options)
    cluster.start()
    wait_operation(cluster, NICKS)
    return cluster


def running_anywhere(cluster: Cluster) -> list[str]:
    return [
        f"{info['application_name']}:{info['process_name']}"
        for info in cluster["inst_a"].supvisors.get_all_process_info()
        if info["identifiers"]
    ]


def test_methods_of_supvisors_are_all_listed(trio: Cluster) -> None:
    listed = set(trio["inst_a"].rpc("system").listMethods())
    ours = {name.split(".", 1)[1] for name in listed if name.startswith("supvisors.")}
    missing = set(SUPVISORS_METHODS) - ours - ACCIDENTAL - STATISTICS
    assert missing == set()


def test_versions_core_and_network_info(trio: Cluster) -> None:
    rpc = trio["inst_b"].supvisors
    assert rpc.get_api_version() == "0.19.1"
    assert rpc.get_supvisors_state()["supvisors_ext_version"] == __version__
    assert rpc.get_core_identifiers() == []
    [network] = rpc.get_network_info("inst_c")
    assert network["identifier"] == trio["inst_c"].identifier
    everyone = rpc.get_network_info("trio")
    assert sorted(item["identifier"] for item in everyone) == sorted(i.identifier for i in trio)
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.get_network_info("nobody")
    assert info.value.faultCode == 10  # BAD_NAME


def test_start_predictions_start_nothing(trio: Cluster) -> None:
    rpc = trio["inst_a"].supvisors
    prediction = rpc.test_start_application("CONFIG", "staged")
    assert [(p["process_name"], p["state"]) for p in prediction] == [
        ("first", "RUNNING"),
        ("second", "RUNNING"),
    ]
    assert all(len(p["running_identifiers"]) == 1 for p in prediction)
    # three processes of load 60: the pending loads spread them over the three instances
    spread = rpc.test_start_process("LESS_LOADED", "pool:*")
    hosts = [p["running_identifiers"] for p in spread]
    assert sorted(h[0] for h in hosts) == sorted(i.identifier for i in trio)
    # a fourth of load 60 would not fit: its prediction says why
    assert running_anywhere(trio) == []
    assert rpc.get_application_info("staged")["statename"] == "STOPPED"
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.test_start_application("CONFIG", "nothing")
    assert info.value.faultCode == 10


def test_start_any_process_picks_a_stopped_match(trio: Cluster) -> None:
    rpc = trio["inst_b"].supvisors
    assert rpc.start_process("CONFIG", "pool:w_0") is True
    chosen = rpc.start_any_process("CONFIG", "^pool:w_")
    assert chosen in ("pool:w_1", "pool:w_2")
    trio.wait_until(lambda: sorted(running_anywhere(trio)) == sorted(["pool:w_0", chosen]))
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.start_any_process("CONFIG", "^nothing")
    assert info.value.faultCode == 30  # FAILED
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.start_any_process("CONFIG", "(")
    assert info.value.faultCode == 2  # INCORRECT_PARAMETERS


def test_inner_process_info(trio: Cluster) -> None:
    rpc = trio["inst_a"].supvisors
    held = rpc.get_inner_process_info("trio", "pool:w_1")
    assert sorted(item["identifier"] for item in held) == sorted(i.identifier for i in trio)
    assert {item["name"] for item in held} == {"w_1"}
    everything = rpc.get_all_inner_process_info("inst_c")
    assert len(everything) == 6 and {i["identifier"] for i in everything} == {
        trio["inst_c"].identifier
    }


def test_disabled_program_never_runs(make_cluster: Any, tmp_path: Path) -> None:
    disabilities = tmp_path / "state" / "disabilities.json"
    cluster = make_cluster()
    options = {"disabilities_file": str(disabilities), **FAST}
    cluster.add("solo", programs=[program_section("dis")], supvisors_options=options)
    cluster.start()
    wait_operation(cluster, ["solo"])
    solo = cluster["solo"]
    cluster.wait_until(lambda: solo.supervisor.getProcessInfo("dis")["statename"] == "RUNNING")

    assert solo.supvisors.disable("dis") is True
    assert solo.supervisor.getProcessInfo("dis")["statename"] == "STOPPED"
    assert solo.supvisors.get_local_process_info("dis:dis")["disabled"] is True
    assert json.loads(disabilities.read_text()) == {"dis": True}
    with pytest.raises(xmlrpc.client.Fault) as info:
        solo.supervisor.startProcess("dis")
    assert info.value.faultCode == 103
    assert solo.supervisor.startAllProcesses(False)[0]["status"] == 103
    with pytest.raises(xmlrpc.client.Fault):
        solo.supvisors.start_process("CONFIG", "dis:dis")
    with pytest.raises(xmlrpc.client.Fault) as info:
        solo.supvisors.start_args("dis:dis")
    assert info.value.faultCode == 103

    # a restart reads the file before supervisord's first autostart pass
    cluster.restart("solo")
    wait_operation(cluster, ["solo"])
    info_after = solo.supervisor.getProcessInfo("dis")
    assert (info_after["statename"], info_after["start"]) == ("STOPPED", 0)
    assert solo.supvisors.get_local_process_info("dis:dis")["disabled"] is True

    # enabled again: autostart applies as for a process never started
    assert solo.supvisors.enable("dis") is True
    cluster.wait_until(lambda: solo.supervisor.getProcessInfo("dis")["statename"] == "RUNNING")
    assert json.loads(disabilities.read_text()) == {"dis": False}
    with pytest.raises(xmlrpc.client.Fault) as info:
        solo.supvisors.disable("nothing")
    assert info.value.faultCode == 10


def pool_names(instance: Any) -> list[str]:
    """The pool processes this instance's supervisord has."""
    return sorted(
        info["name"] for info in instance.supervisor.getAllProcessInfo() if info["group"] == "pool"
    )


def pool_views(cluster: Cluster) -> dict[str, list[str]]:
    """Per instance: the pool processes its Supvisors view holds, with their instance count."""
    return {
        instance.nick: sorted(
            f"{info['process_name']}@{len(info_on(instance, info['process_name']))}"
            for info in instance.supvisors.get_process_info("pool:*")
        )
        for instance in cluster
    }


def info_on(instance: Any, name: str) -> list[Any]:
    return instance.supvisors.get_inner_process_info("trio", f"pool:{name}")


def test_update_numprocs_up_then_down_across_three_instances(trio: Cluster) -> None:
    rpc = trio["inst_c"].supvisors
    assert rpc.update_numprocs("w", 5) is True
    names = ["w_0", "w_1", "w_2", "w_3", "w_4"]
    trio.wait_until(lambda: all(pool_names(instance) == names for instance in trio))
    expected = {nick: [f"{name}@3" for name in names] for nick in NICKS}
    trio.wait_until(lambda: pool_views(trio) == expected, message="views never converged")
    # a new process is started like any other
    assert rpc.start_process("CONFIG", "pool:w_4") is True
    trio.wait_until(lambda: running_anywhere(trio) == ["pool:w_4"])

    # down: the running one is stopped, then every copy in excess is removed everywhere
    assert trio["inst_a"].supvisors.update_numprocs("w", 2) is True
    trio.wait_until(lambda: all(pool_names(instance) == ["w_0", "w_1"] for instance in trio))
    expected = {nick: ["w_0@3", "w_1@3"] for nick in NICKS}
    trio.wait_until(lambda: pool_views(trio) == expected, message="views never converged")
    assert running_anywhere(trio) == []

    # lazy: a running process in excess stays until it stops, then leaves
    assert rpc.start_process("CONFIG", "pool:w_1") is True
    assert rpc.update_numprocs("w", 1, True, True) is True
    trio.wait_until(lambda: pool_names(trio["inst_b"]) == ["w_0"])
    assert running_anywhere(trio) == ["pool:w_1"]
    assert rpc.stop_process("pool:w_1") is True
    trio.wait_until(lambda: all(pool_names(instance) == ["w_0"] for instance in trio))

    for bad, code in (((0,), 2), (("w", 0), 2), (("nothing", 2), 10), (("first", 2), 104)):
        with pytest.raises(xmlrpc.client.Fault) as info:
            rpc.update_numprocs(*bad)
        assert info.value.faultCode == code


def test_failover_restart_reuses_the_extra_args(trio: Cluster) -> None:
    rpc = trio["inst_c"].supvisors
    assert rpc.start_process("CONFIG", "fo:f", "-x 7") is True
    [info] = rpc.get_process_info("fo:f")
    assert info["identifiers"] == [trio["inst_a"].identifier]
    assert info["extra_args"] == "-x 7"
    trio.kill("inst_a")

    lost = trio["inst_a"].identifier

    def restarted() -> dict[str, Any] | None:
        [now] = rpc.get_process_info("fo:f")
        moved = now["identifiers"] and lost not in now["identifiers"]
        return now if now["statename"] == "RUNNING" and moved else None

    info = trio.wait_until(restarted, timeout=20, message="fo:f never failed over")
    assert info["extra_args"] == "-x 7"
