"""`[collection:x]` on one supervisord without `[rpcinterface:supvisors]` (issue 7).

The `collections` namespace behaves like the proposal: local members, supervisor's own
start/stop/signal per member, collection events for event listeners, reread diffs.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import xmlrpc.client
from pathlib import Path
from typing import Any

import pytest

from tests.harness import (
    COLLECTIONS_SECTION,
    Cluster,
    group_section,
    program_section,
    write_ini,
)

pytestmark = pytest.mark.integration

#: an event listener writing each event's header name and payload to a file, one line each
LISTENER_CODE = """
import signal
import subprocess
import sys
out = open(sys.argv[1], 'a', buffering=1)
while True:
    sys.stdout.write('READY\\n'); sys.stdout.flush()
    header = dict(t.split(':', 1) for t in sys.stdin.readline().split())
    payload = sys.stdin.read(int(header['len']))
    out.write(header['eventname'] + ' ' + payload.strip() + '\\n')
    sys.stdout.write('RESULT 2\\nOK'); sys.stdout.flush()
"""

WEB = """
[collection:web-tier]
programs = nginx,gunicorn,exporter
priority = 100

[collection:monitoring]
groups = metrics
programs = exporter
"""


def listener_section(events_file: Path) -> str:
    """A real [eventlistener:x] subscribed to COLLECTION, its script next to `events_file`."""
    script = events_file.with_name("listener.py")
    script.write_text(LISTENER_CODE)
    command = f"{sys.executable} {script} {events_file}"
    return (
        f"[eventlistener:collection_listener]\ncommand = {command}\n"
        "events = COLLECTION\nautostart = true\nstartsecs = 0\n"
    )


def web_programs(folder: Path) -> Path:
    """Three groups: front (nginx), app (gunicorn x2 + worker), metrics (exporter)."""
    return write_ini(
        folder / "conf.d" / "web.ini",
        program_section("nginx", autostart=False),
        program_section(
            "gunicorn", autostart=False, numprocs=2, process_name="%(program_name)s_%(process_num)d"
        ),
        program_section("worker", autostart=False),
        program_section("exporter", autostart=False),
        group_section("front", ["nginx"]),
        group_section("app", ["gunicorn", "worker"]),
        group_section("metrics", ["exporter"]),
    )


def read_events(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def local_states(instance: Any) -> dict[str, str]:
    return {
        f"{info['group']}:{info['name']}": info["statename"]
        for info in instance.supervisor.getAllProcessInfo()
    }


@pytest.fixture
def local(make_cluster: Any, tmp_path: Path) -> tuple[Cluster, Any, Path]:
    cluster = make_cluster(plugin=False)
    events_file = tmp_path / "events.txt"
    instance = cluster.add(
        "alone",
        include=("conf.d/*.ini",),
        extra=COLLECTIONS_SECTION + WEB + listener_section(events_file),
    )
    web_programs(instance.conf_path.parent)
    cluster.start()
    return cluster, instance, events_file


def test_local_collections_follow_the_proposal(local: tuple[Cluster, Any, Path]) -> None:
    cluster, instance, events_file = local
    rpc = instance.rpc("collections")
    system = instance.rpc("system")
    methods = system.listMethods()
    for name in (
        "listCollections",
        "getCollectionProcessInfo",
        "startCollection",
        "stopCollection",
        "signalCollection",
    ):
        assert f"collections.{name}" in methods
    assert system.methodSignature("collections.startCollection") == ["array", "string", "boolean"]
    assert "supvisors.list_collections" not in methods  # no [rpcinterface:supvisors] here
    assert rpc.listCollections() == [
        {
            "name": "web-tier",
            "priority": 100,
            "program_names": ["nginx", "gunicorn", "exporter"],
            "group_names": [],
        },
        {
            "name": "monitoring",
            "priority": 999,
            "program_names": ["exporter"],
            "group_names": ["metrics"],
        },
    ]
    members = ["front:nginx", "app:gunicorn_0", "app:gunicorn_1", "metrics:exporter"]
    infos = rpc.getCollectionProcessInfo("web-tier")
    assert [f"{i['group']}:{i['name']}" for i in infos] == members
    results = rpc.startCollection("web-tier")
    assert [(f"{r['group']}:{r['name']}", r["status"]) for r in results] == [
        (name, 80) for name in members
    ]
    states = local_states(instance)
    assert all(states[name] == "RUNNING" for name in members)
    assert states["app:worker"] == "STOPPED"
    assert rpc.startCollection("web-tier") == []  # nothing to do
    [signalled] = rpc.signalCollection("monitoring", "BOGUS")
    assert signalled["status"] == 11  # BAD_SIGNAL per member, as in the proposal
    assert [r["status"] for r in rpc.signalCollection("monitoring", "CONT")] == [80]
    results = rpc.stopCollection("web-tier")
    assert [r["status"] for r in results] == [80] * 4
    assert all(local_states(instance)[name] == "STOPPED" for name in members)
    with pytest.raises(xmlrpc.client.Fault) as info:
        rpc.startCollection("nope")
    assert info.value.faultCode == 10
    cluster.wait_until(
        lambda: (
            read_events(events_file)
            == [
                "COLLECTION_ADDED collectionname:web-tier",
                "COLLECTION_ADDED collectionname:monitoring",
            ]
        ),
        message="initial COLLECTION_ADDED events",
    )


def test_reread_and_update_diff_collections_and_notify_listeners(
    local: tuple[Cluster, Any, Path],
) -> None:
    cluster, instance, events_file = local
    rpc = instance.rpc("collections")
    initial = [
        "COLLECTION_ADDED collectionname:web-tier",
        "COLLECTION_ADDED collectionname:monitoring",
    ]
    cluster.wait_until(lambda: read_events(events_file) == initial, message="initial events")
    folder = instance.conf_path.parent
    # metrics group removed, a new group `edge` holding a second exporter added,
    # monitoring removed, web-tier changed, workers added (in an included file)
    write_ini(
        folder / "conf.d" / "web.ini",
        program_section("nginx", autostart=False),
        program_section(
            "gunicorn", autostart=False, numprocs=2, process_name="%(program_name)s_%(process_num)d"
        ),
        program_section("worker", autostart=False),
        program_section("exporter", autostart=False, process_name="exporter_edge"),
        group_section("front", ["nginx"]),
        group_section("app", ["gunicorn", "worker"]),
        group_section("edge", ["exporter"]),
    )
    write_ini(
        folder / "conf.d" / "collections.ini",
        "[collection:web-tier]\nprograms = nginx,gunicorn,exporter\npriority = 50\n",
        "[collection:workers]\nprograms = worker\ngroups = %(ENV_WORKER_GROUP)s\n",
    )
    conf = instance.conf_path.read_text()
    instance.conf_path.write_text(conf.replace("[collection:monitoring]", "[collection:x-gone]"))
    # the main file still defines web-tier (priority 100): the included file overrides it
    with pytest.raises(xmlrpc.client.Fault) as info:
        instance.supervisor.reloadConfig()  # ENV_WORKER_GROUP is not set: refused
    assert info.value.faultCode == 92
    assert "[collection:workers]" in info.value.faultString
    assert [c["name"] for c in rpc.listCollections()] == ["web-tier", "monitoring"]
    write_ini(
        folder / "conf.d" / "collections.ini",
        "[collection:web-tier]\nprograms = nginx,gunicorn,exporter\npriority = 50\n",
        "[collection:workers]\nprograms = worker\ngroups = %(here)s\n",
    )
    instance.conf_path.write_text(
        conf.replace("[collection:monitoring]\ngroups = metrics\nprograms = exporter\n", "")
    )
    result = instance.supervisor.reloadConfig()
    assert result[0] == [["edge"], [], ["metrics"]]
    assert result[1] == [["workers"], ["web-tier"], ["monitoring"]]
    workers = rpc.listCollections()[1]
    assert workers["group_names"] == [str(folder / "conf.d")]  # %(here)s of the included file
    # `update`, as supervisorctl does it
    instance.supervisor.removeProcessGroup("metrics")
    instance.supervisor.addProcessGroup("edge")
    infos = rpc.getCollectionProcessInfo("web-tier")
    assert [f"{i['group']}:{i['name']}" for i in infos] == [
        "front:nginx",
        "app:gunicorn_0",
        "app:gunicorn_1",
        "edge:exporter_edge",  # matched by its program name
    ]
    assert [r["status"] for r in rpc.startCollection("web-tier", False)] == [80] * 4
    cluster.wait_until(
        lambda: all(
            state == "RUNNING"
            for name, state in local_states(instance).items()
            if name != "app:worker" and name != "collection_listener:collection_listener"
        ),
        message="web-tier running after update",
    )
    expected = initial + [
        "COLLECTION_REMOVED collectionname:monitoring",
        "COLLECTION_REMOVED collectionname:web-tier",
        "COLLECTION_ADDED collectionname:web-tier",
        "COLLECTION_ADDED collectionname:workers",
    ]
    cluster.wait_until(lambda: read_events(events_file) == expected, message="reread events")


BAD_SECTIONS = [
    ("[collection:empty]\npriority = 3\n", "[collection:empty]: at least one of programs"),
    ("[collection:bad]\nprograms = a\npriority = high\n", "[collection:bad]: priority: 'high'"),
    ("[collection:a/b]\nprograms = a\n", "[collection:a/b]: invalid collection name"),
    ("[collection:]\nprograms = a\n", "[collection:]: the collection name is empty"),
]


@pytest.mark.parametrize(("section", "message"), BAD_SECTIONS)
def test_bad_collection_section_refuses_to_start_with_status_2(
    make_cluster: Any, section: str, message: str
) -> None:
    cluster = make_cluster(plugin=False)
    instance = cluster.add(
        "alone",
        programs=[program_section("witness")],
        extra=COLLECTIONS_SECTION + section,
    )
    cluster.start(wait=False)
    assert cluster.wait_exit("alone", timeout=15) == 2
    output = instance.output_path.read_text()
    assert f"Error: {instance.conf_path}: {message}" in output
    assert "spawned: 'witness'" not in instance.log_path.read_text()


def test_stock_supervisorctl_update_also_applies_collections(
    local: tuple[Cluster, Any, Path],
) -> None:
    cluster, instance, events_file = local
    folder = instance.conf_path.parent
    write_ini(
        folder / "conf.d" / "more.ini",
        program_section("extra", autostart=False),
        "[collection:extras]\nprograms = extra\npriority = 1\n",
    )
    command = [sys.executable, "-m", "supervisor.supervisorctl", "-s", instance.url, "update"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "extra: added process group" in done.stdout
    rpc = instance.rpc("collections")
    assert [c["name"] for c in rpc.listCollections()] == ["extras", "web-tier", "monitoring"]
    [info] = rpc.getCollectionProcessInfo("extras")
    assert (info["group"], info["name"]) == ("extra", "extra")
    cluster.wait_until(
        lambda: read_events(events_file)[-1:] == ["COLLECTION_ADDED collectionname:extras"],
        message="COLLECTION_ADDED after update",
    )


def test_supervisord_restart_announces_collections_again_and_keeps_the_reread(
    local: tuple[Cluster, Any, Path],
) -> None:
    cluster, instance, events_file = local
    initial = [
        "COLLECTION_ADDED collectionname:web-tier",
        "COLLECTION_ADDED collectionname:monitoring",
    ]
    cluster.wait_until(lambda: read_events(events_file) == initial, message="initial events")
    cluster.signal("alone", signal.SIGHUP)  # supervisord restarts in the same process
    cluster.wait_until(
        lambda: read_events(events_file) == initial * 2,
        timeout=20,
        message="COLLECTION_ADDED events after the restart",
    )
    cluster.wait_http(instance)
    result = instance.supervisor.reloadConfig()  # wrapped again on the new namespace
    assert result == [[[], [], []], [[], [], []]]
