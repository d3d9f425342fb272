"""Cluster-wide collections in the `supvisors` namespace (issue 7, docs/api.md#collections).

Three instances: `web_a` hosts the `front` (nginx) and `metrics` (exporter) groups, `web_b` the
`app` group (gunicorn x2); `console` hosts nothing but defines the `web-tier` collection and
drives it. Then `reread`/`update` remove the `metrics` group and add an `edge` group.
"""

from __future__ import annotations

import subprocess
import sys
import xmlrpc.client
from typing import Any

import pytest

from tests.harness import (
    COLLECTIONS_SECTION,
    Cluster,
    group_section,
    program_section,
    write_ini,
)
from tests.integration.cluster_helpers import FAST, wait_operation

pytestmark = pytest.mark.integration
NICKS = ["web_a", "web_b", "console"]
MEMBERS = ["front:nginx", "app:gunicorn_0", "app:gunicorn_1", "metrics:exporter"]
GUNICORN = program_section(
    "gunicorn", autostart=False, numprocs=2, process_name="%(program_name)s_%(process_num)d"
)


def write_collections(instance: Any, groups: str) -> None:
    write_ini(
        instance.conf_path.parent / "conf.d" / "collections.ini",
        f"[collection:web-tier]\nprograms = nginx,gunicorn\ngroups = {groups}\npriority = 10\n",
        "[collection:empty]\nprograms = not_configured_anywhere\n",
    )


def write_programs(instance: Any, *sections: str) -> None:
    write_ini(instance.conf_path.parent / "conf.d" / "programs.ini", *sections)


def namespecs(infos: list[dict[str, Any]]) -> list[str]:
    return [f"{info['application_name']}:{info['process_name']}" for info in infos]


def results_of(results: list[dict[str, Any]]) -> dict[str, int]:
    return {f"{r['group']}:{r['name']}": r["status"] for r in results}


def running_where(console: Any, name: str) -> set[str]:
    return {
        identifier
        for info in console.supvisors.get_collection_process_info(name)
        for identifier in info["identifiers"]
    }


@pytest.fixture
def web_cluster(make_cluster: Any) -> Cluster:
    cluster = make_cluster(supvisors_options=FAST)
    include = ("conf.d/*.ini",)
    web_a = cluster.add("web_a", include=include)
    web_b = cluster.add("web_b", include=include)
    console = cluster.add("console", include=include, extra=COLLECTIONS_SECTION)
    write_programs(
        web_a,
        program_section("nginx", autostart=False),
        program_section("exporter", autostart=False),
        group_section("front", ["nginx"]),
        group_section("metrics", ["exporter"]),
    )
    write_programs(web_b, GUNICORN, group_section("app", ["gunicorn"]))
    write_collections(console, "metrics")
    cluster.start()
    wait_operation(cluster, NICKS)
    return cluster


def start_and_stop_as_one(cluster: Cluster, members: list[str], where: dict[str, str]) -> None:
    """From the console: start the collection, check each member's host, stop it."""
    console = cluster["console"]
    rpc = console.supvisors
    infos = rpc.get_collection_process_info("web-tier")
    assert namespecs(infos) == members
    assert all(info["statename"] == "STOPPED" for info in infos)
    results = rpc.start_collection("web-tier")
    assert results_of(results) == dict.fromkeys(members, 80)
    assert [r["description"] for r in results] == ["OK"] * len(members)
    for namespec, nick in where.items():
        info = cluster[nick].supervisor.getProcessInfo(namespec)
        assert info["statename"] == "RUNNING", namespec
    cluster.wait_until(
        lambda: (
            running_where(console, "web-tier")
            == {cluster[nick].identifier for nick in set(where.values())}
        ),
        message="the console sees every member running",
    )
    assert rpc.start_collection("web-tier") == []  # every member runs: nothing to do
    signalled = rpc.signal_collection("web-tier", "CONT")
    assert results_of(signalled) == dict.fromkeys(members, 80)
    results = rpc.stop_collection("web-tier")
    assert results_of(results) == dict.fromkeys(members, 80)
    for namespec, nick in where.items():
        assert cluster[nick].supervisor.getProcessInfo(namespec)["statename"] == "STOPPED"
    assert rpc.stop_collection("web-tier") == []


def test_collection_spanning_groups_and_instances_starts_and_stops_as_one(
    web_cluster: Cluster,
) -> None:
    cluster = web_cluster
    rpc = cluster["console"].supvisors
    assert rpc.list_collections() == [
        {
            "name": "web-tier",
            "priority": 10,
            "program_names": ["nginx", "gunicorn"],
            "group_names": ["metrics"],
        },
        {
            "name": "empty",
            "priority": 999,
            "program_names": ["not_configured_anywhere"],
            "group_names": [],
        },
    ]
    assert cluster["web_a"].supvisors.list_collections() == []  # each instance its own files
    system = cluster["console"].rpc("system")
    assert system.methodSignature("supvisors.signal_collection") == ["array", "string", "string"]
    where = {
        "front:nginx": "web_a",
        "app:gunicorn_0": "web_b",
        "app:gunicorn_1": "web_b",
        "metrics:exporter": "web_a",
    }
    start_and_stop_as_one(cluster, MEMBERS, where)
    assert rpc.start_collection("empty") == []
    for call, args in [
        (rpc.start_collection, ("nope",)),
        (rpc.signal_collection, ("web-tier", "NOT_A_SIGNAL")),
        (rpc.get_collection_process_info, ("nope",)),
    ]:
        with pytest.raises(xmlrpc.client.Fault) as info:
            call(*args)
        assert info.value.faultCode in (10, 11)
    # without wait: accepted at once, the members come up anyway
    results = rpc.start_collection("web-tier", False)
    assert results_of(results) == dict.fromkeys(MEMBERS, 80)
    cluster.wait_until(
        lambda: all(
            i["statename"] == "RUNNING" for i in rpc.get_collection_process_info("web-tier")
        ),
        message="members running after a start without wait",
    )


def test_collection_follows_reread_and_update_on_every_instance(web_cluster: Cluster) -> None:
    cluster = web_cluster
    console = cluster["console"]
    # web_a loses the metrics group; web_b gains an edge group (another exporter)
    write_programs(
        cluster["web_a"],
        program_section("nginx", autostart=False),
        group_section("front", ["nginx"]),
    )
    write_programs(
        cluster["web_b"],
        GUNICORN,
        program_section("exporter", autostart=False),
        group_section("app", ["gunicorn"]),
        group_section("edge", ["exporter"]),
    )
    assert cluster["web_a"].supervisor.reloadConfig()[0] == [[], [], ["metrics"]]
    cluster["web_a"].supervisor.removeProcessGroup("metrics")
    assert cluster["web_b"].supervisor.reloadConfig()[0] == [["edge"], [], []]
    cluster["web_b"].supervisor.addProcessGroup("edge")
    # the console's definition changes too: the collection now names the edge group
    write_collections(console, "edge")
    result = console.supervisor.reloadConfig()
    assert result == [[[], [], []], [[], ["web-tier"], []]]
    members = ["front:nginx", "app:gunicorn_0", "app:gunicorn_1", "edge:exporter"]
    cluster.wait_until(
        lambda: namespecs(console.supvisors.get_collection_process_info("web-tier")) == members,
        message="the console sees the new membership",
    )
    where = {
        "front:nginx": "web_a",
        "app:gunicorn_0": "web_b",
        "app:gunicorn_1": "web_b",
        "edge:exporter": "web_b",
    }
    start_and_stop_as_one(cluster, members, where)


def supvisorsctl(instance: Any, *args: str) -> tuple[int, str, str]:
    """Run the real `supvisorsctl -s URL ...` (one-shot) against an instance."""
    command = [sys.executable, "-m", "supvisors_ext.supvisorsctl", "-s", instance.url, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


def test_collection_cli_commands_end_to_end(web_cluster: Cluster) -> None:
    console = web_cluster["console"]
    code, out, _ = supvisorsctl(console, "collection", "status")
    assert code == 0
    assert out.splitlines() == [
        "web-tier\t\tprograms=nginx, gunicorn groups=metrics",
        "empty\t\tprograms=not_configured_anywhere",
    ]
    code, out, err = supvisorsctl(console, "collection", "start", "empty", "nope", "web-tier")
    assert code == 1  # the unknown name; the others are still processed
    assert "nope: ERROR (no such collection)" in out + err
    started = [f"{namespec}: started" for namespec in MEMBERS]
    lines = [line for line in out.splitlines() if line.endswith(": started")]
    assert lines == started
    assert "empty: nothing to start" in out
    assert out.index("front:nginx: started") < out.index("empty: nothing to start")  # priority
    code, out, _ = supvisorsctl(console, "collection", "status", "web-tier")
    assert code == 0
    assert out.splitlines()[0] == "Collection: web-tier"
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [(row[0], row[1], row[2]) for row in rows] == [
        (namespec.split(":")[0], namespec.split(":")[1], "RUNNING") for namespec in MEMBERS
    ]
    code, out, _ = supvisorsctl(console, "collection", "stop", "web-tier")
    assert code == 0
    assert out.splitlines() == [f"{namespec}: stopped" for namespec in MEMBERS]
    code, out, _ = supvisorsctl(console, "collection", "stop", "web-tier")
    assert (code, out.strip()) == (0, "web-tier: nothing to stop")
    code, _, err = supvisorsctl(console, "collection", "start")
    assert code == 2
    assert "Error: collection start requires a collection name" in err


def test_local_start_collection_does_not_duplicate_a_managed_member(
    make_cluster: Any, tmp_path: Any
) -> None:
    rules = tmp_path / "rules.xml"
    rules.write_text('<root><application name="front"/></root>\n')
    cluster = make_cluster(supvisors_options={**FAST, "rules_files": str(rules)})
    extra = COLLECTIONS_SECTION + "[collection:web]\ngroups = front\n"
    for nick in ("web_a", "web_b"):
        instance = cluster.add(nick, include=("conf.d/*.ini",), extra=extra)
        write_programs(
            instance,
            program_section("nginx", autostart=False),
            program_section("static", autostart=False),
            group_section("front", ["nginx", "static"]),
        )
    cluster.start()
    wait_operation(cluster, ["web_a", "web_b"])
    web_a, web_b = cluster["web_a"], cluster["web_b"]
    assert web_a.supvisors.get_application_info("front")["managed"]
    assert web_a.supvisors.start_process("CONFIG", "front:nginx") is True
    cluster.wait_until(
        lambda: (
            web_b.supvisors.get_process_info("front:nginx")[0]["identifiers"] == [web_a.identifier]
        ),
        message="web_b sees nginx running on web_a",
    )
    results = web_b.rpc("collections").startCollection("web")
    assert results == [
        {"name": "nginx", "group": "front", "status": 60, "description": "running on web_a"},
        {"name": "static", "group": "front", "status": 80, "description": "OK"},
    ]
    assert web_b.supervisor.getProcessInfo("front:nginx")["statename"] == "STOPPED"
    assert web_b.supervisor.getProcessInfo("front:static")["statename"] == "RUNNING"
