"""Where processes land: every starting strategy and distribution rule on real instances."""

from __future__ import annotations

import xmlrpc.client
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Cluster, group_section, program_section
from tests.integration.cluster_helpers import FAST, wait_operation

pytestmark = pytest.mark.integration

RULES = """<?xml version="1.0" encoding="UTF-8"?>
<root>
  <application name="spread">
    <programs>
      <program pattern="^worker_"><expected_loading>30</expected_loading></program>
      <program name="pinned"><identifiers>inst_c</identifiers></program>
    </programs>
  </application>
  <application name="ballast">
    <programs>
      <program name="weight">
        <identifiers>inst_b</identifiers>
        <expected_loading>50</expected_loading>
      </program>
    </programs>
  </application>
  <application name="together">
    <distribution>SINGLE_INSTANCE</distribution>
    <identifiers>inst_c,inst_b</identifiers>
    <programs>
      <program pattern="^t">
        <start_sequence>1</start_sequence>
        <expected_loading>5</expected_loading>
      </program>
    </programs>
  </application>
  <application name="onenode">
    <distribution>SINGLE_NODE</distribution>
    <programs>
      <program pattern="^n">
        <start_sequence>1</start_sequence>
        <expected_loading>5</expected_loading>
      </program>
    </programs>
  </application>
  <application pattern="^item_">
    <distribution>SINGLE_INSTANCE</distribution>
    <identifiers>#,inst_a,inst_b,inst_c</identifiers>
    <programs>
      <program pattern=""><start_sequence>1</start_sequence></program>
    </programs>
  </application>
  <application name="hashed">
    <programs>
      <program pattern="^h_">
        <identifiers>#,inst_c,inst_a</identifiers>
        <start_sequence>1</start_sequence>
      </program>
    </programs>
  </application>
</root>
"""

PROGRAMS = [
    program_section("worker", numprocs=6, process_name="worker_%(process_num)d", autostart=False),
    program_section("pinned", autostart=False),
    group_section("spread", ["worker", "pinned"]),
    program_section("weight", autostart=False),
    group_section("ballast", ["weight"]),
    program_section("t1", autostart=False),
    program_section("t2", autostart=False),
    group_section("together", ["t1", "t2"]),
    program_section("n1", autostart=False),
    program_section("n2", autostart=False),
    group_section("onenode", ["n1", "n2"]),
    program_section("item", autostart=False),
    group_section("item_1", ["item"]),
    group_section("item_2", ["item"]),
    program_section("h", numprocs=3, process_name="h_%(process_num)d", autostart=False),
    group_section("hashed", ["h"]),
]


@pytest.fixture
def trio(make_cluster: Any, tmp_path: Path) -> Cluster:
    rules = tmp_path / "rules.xml"
    rules.write_text(RULES)
    cluster = make_cluster()
    for nick in ("inst_a", "inst_b", "inst_c"):
        cluster.add(nick, programs=PROGRAMS, supvisors_options={"rules_files": str(rules), **FAST})
    cluster.start()
    wait_operation(cluster, ["inst_a", "inst_b", "inst_c"])
    return cluster


def host_of(cluster: Cluster, namespec: str) -> str:
    """The nick of the one instance where inst_a sees the process run (polled: the bus lags)."""

    def single_host() -> str | None:
        [info] = cluster["inst_a"].supvisors.get_process_info(namespec)
        return info["identifiers"][0] if len(info["identifiers"]) == 1 else None

    identifier = cluster.wait_until(single_host, timeout=5, message=f"{namespec} not seen running")
    return next(inst.nick for inst in cluster if inst.identifier == identifier)


def start(cluster: Cluster, via: str, strategy: str, namespec: str) -> str:
    assert cluster[via].supvisors.start_process(strategy, namespec) is True
    return host_of(cluster, namespec)


def test_starting_strategies_choose_as_specified(trio: Cluster) -> None:
    # program identifiers restrict the candidates
    assert start(trio, "inst_a", "CONFIG", "ballast:weight") == "inst_b"  # b: 50
    assert start(trio, "inst_a", "LESS_LOADED", "spread:pinned") == "inst_c"
    # MOST_LOADED: the fullest instance that still has room (b: 50 + 30 <= 100)
    assert start(trio, "inst_a", "MOST_LOADED", "spread:worker_0") == "inst_b"  # b: 80
    # b is full for 30 more: among a and c (0 each) the earlier one
    assert start(trio, "inst_c", "MOST_LOADED", "spread:worker_1") == "inst_a"  # a: 30
    assert start(trio, "inst_a", "LESS_LOADED", "spread:worker_2") == "inst_c"  # c: 30
    assert start(trio, "inst_c", "LOCAL", "spread:worker_3") == "inst_c"  # c: 60
    assert start(trio, "inst_b", "CONFIG", "spread:worker_4") == "inst_a"  # a: 60
    # every instance shares this machine: node loads tie, then the instance load decides
    assert start(trio, "inst_b", "LESS_LOADED_NODE", "spread:worker_5") == "inst_a"  # a: 90
    loads = {
        i["nick_identifier"]: i["loading"]
        for i in trio["inst_b"].supvisors.get_all_instances_info()
    }
    assert loads == {"inst_a": 90, "inst_b": 80, "inst_c": 60}
    # LOCAL on a full instance is refused, with the reason shown
    trio["inst_b"].supvisors.stop_process("spread:worker_5")
    with pytest.raises(xmlrpc.client.Fault) as info:
        trio["inst_b"].supvisors.start_process("LOCAL", "spread:worker_5")
    assert info.value.faultCode == 40
    assert "No resource available" in info.value.faultString


def test_distribution_rules(trio: Cluster) -> None:
    rpc = trio["inst_b"].supvisors
    # SINGLE_INSTANCE: the whole application on the first allowed instance
    assert rpc.start_application("CONFIG", "together") is True
    assert {host_of(trio, "together:t1"), host_of(trio, "together:t2")} == {"inst_c"}
    # SINGLE_NODE: every process on the instances of one node
    assert rpc.start_application("LESS_LOADED", "onenode") is True
    hosts = {host_of(trio, "onenode:n1"), host_of(trio, "onenode:n2")}
    assert hosts <= {"inst_a", "inst_b", "inst_c"}
    # application-level '#': item_N may only run on R[N-1]
    assert rpc.start_application("LESS_LOADED", "item_2") is True
    assert host_of(trio, "item_2:item") == "inst_b"
    assert rpc.start_application("LESS_LOADED", "item_1") is True
    assert host_of(trio, "item_1:item") == "inst_a"
    # program-level '#': processes in index order, one per instance of R, wrapping around
    assert rpc.start_application("CONFIG", "hashed") is True
    hosts = [host_of(trio, f"hashed:h_{index}") for index in range(3)]
    assert hosts == ["inst_c", "inst_a", "inst_c"]
    # stopping an application from anywhere stops it wherever it runs
    assert trio["inst_a"].supvisors.stop_application("together") is True
    trio.wait_until(
        lambda: (
            (t1 := rpc.get_process_info("together:t1")[0])["identifiers"] == []
            and t1["statename"] == "STOPPED"
        ),
        timeout=5,
    )


def test_rules_show_the_resolved_hash_assignment(trio: Cluster) -> None:
    rpc = trio["inst_a"].supvisors
    ids = {instance.nick: instance.identifier for instance in trio}
    item_2 = rpc.get_application_rules("item_2")
    assert item_2["identifiers"] == [ids["inst_b"]]
    assert item_2["written_identifiers"] == ["#", "inst_a", "inst_b", "inst_c"]
    # program-level '#' before any start: the assignment a start would make, not kept
    hashed = rpc.get_process_rules("hashed:*")
    assert [rules["identifiers"] for rules in hashed] == [
        [ids["inst_c"]],
        [ids["inst_a"]],
        [ids["inst_c"]],
    ]
    assert {tuple(rules["written_identifiers"]) for rules in hashed} == {("#", "inst_c", "inst_a")}
    assert rpc.get_process_rules("spread:pinned")[0]["identifiers"] == ["inst_c"]
