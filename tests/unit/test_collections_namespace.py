"""The local `collections` namespace, the service and the reloadConfig wrapper, on supervisor's
own test doubles (`supervisor/tests/base.py`); deferred results are stepped by hand (issue 7)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from supervisor import events
from supervisor.http import NOT_DONE_YET
from supervisor.process import ProcessStates
from supervisor.tests.base import (
    DummyOptions,
    DummyPConfig,
    DummyPGroupConfig,
    DummyProcess,
    DummyProcessGroup,
    DummySupervisor,
)
from supervisor.xmlrpc import Faults, RPCError

from supvisors_ext.host.collection_events import (
    CollectionAddedEvent,
    CollectionEvent,
    CollectionRemovedEvent,
)
from supvisors_ext.host.collection_service import CollectionService, make_reload_config
from supvisors_ext.host.local_supervisor import LocalSupervisor
from supvisors_ext.rpc.local_collections import CollectionsNamespace

CONF = """
[supervisord]
[include]
files = conf.d/*.ini
[collection:web-tier]
programs = nginx,gunicorn
groups = metrics
priority = 100
"""
PROGRAMS = """
[program:nginx]
command = /bin/cat
[program:gunicorn]
command = /bin/cat
numprocs = 2
process_name = %(program_name)s_%(process_num)d
[program:worker]
command = /bin/cat
[program:exporter]
command = /bin/cat
[group:front]
programs = nginx
[group:app]
programs = gunicorn,worker
[group:metrics]
programs = exporter
"""


class Supervisord(DummySupervisor):
    """supervisor's double plus the `reap` that startProcess calls."""

    def reap(self) -> None:
        self.reaped = True


def make_group(options: Any, name: str, states: dict[str, int]) -> DummyProcessGroup:
    configs = [DummyPConfig(options, process, "/bin/cat", startsecs=0) for process in states]
    group = DummyProcessGroup(DummyPGroupConfig(options, name, pconfigs=configs))
    group.processes = {config.name: DummyProcess(config, states[config.name]) for config in configs}
    for process in group.processes.values():
        process.group = group
    return group


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Any, CollectionService, list[CollectionEvent]]:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "programs.ini").write_text(PROGRAMS)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(CONF)
    options = DummyOptions()
    options.configfile = str(conf)
    stopped, running = ProcessStates.STOPPED, ProcessStates.RUNNING
    groups = {
        "front": make_group(options, "front", {"nginx": stopped}),
        "app": make_group(
            options, "app", {"gunicorn_0": running, "gunicorn_1": stopped, "worker": stopped}
        ),
        "metrics": make_group(options, "metrics", {"exporter": stopped}),
    }
    supervisord = Supervisord(options, process_groups=groups)
    service = CollectionService(supervisord)
    service.load()
    received: list[CollectionEvent] = []
    events.subscribe(CollectionEvent, received.append)
    yield supervisord, service, received
    events.unsubscribe(CollectionEvent, received.append)
    service.on_stopping(None)


def namespace(supervisord: Any, service: CollectionService, context: Any = None):
    local = LocalSupervisor(supervisord)
    return CollectionsNamespace(local, service, lambda: context, supervisord.options.logger)


def run(value: object, limit: int = 10) -> object:
    """Step a deferred result like supervisord's DeferredXMLRPCResponse."""
    for _ in range(limit):
        if not callable(value):
            return value
        value = value()
        if value is NOT_DONE_YET:
            value = run.last  # type: ignore[attr-defined]
        run.last = value  # type: ignore[attr-defined]
    raise AssertionError("the deferred result never completed")


def step(callback: Any, limit: int = 10) -> object:
    for _ in range(limit):
        value = callback()
        if value is not NOT_DONE_YET:
            return value
    raise AssertionError("the deferred result never completed")


def statuses(results: Any) -> list[tuple[str, int]]:
    return [(f"{r['group']}:{r['name']}", r["status"]) for r in results]


def test_members_use_program_names_from_the_files(setup: Any) -> None:
    supervisord, service, _ = setup
    members = service.local_members(service.get("web-tier"))
    names = [f"{group.config.name}:{process.config.name}" for group, process in members]
    assert names == ["front:nginx", "app:gunicorn_0", "app:gunicorn_1", "metrics:exporter"]


def test_start_acts_only_on_members_not_running(setup: Any) -> None:
    supervisord, service, _ = setup
    rpc = namespace(supervisord, service)
    results = rpc.startCollection("web-tier", False)
    assert statuses(results) == [
        ("front:nginx", 80),
        ("app:gunicorn_1", 80),
        ("metrics:exporter", 80),
    ]
    assert supervisord.process_groups["app"].processes["worker"].state == ProcessStates.STOPPED
    assert rpc.startCollection("web-tier", False) == []


def test_stop_with_wait_is_a_deferred_result(setup: Any) -> None:
    supervisord, service, _ = setup
    process = supervisord.process_groups["app"].processes["gunicorn_0"]
    process.stop = lambda: setattr(process, "state", ProcessStates.STOPPING)  # takes time
    rpc = namespace(supervisord, service)
    deferred = rpc.stopCollection("web-tier", True)
    assert callable(deferred) and deferred.delay > 0
    assert deferred() is NOT_DONE_YET
    process.state = ProcessStates.STOPPED
    assert statuses(step(deferred)) == [("app:gunicorn_0", 80)]


def test_signal_reports_bad_signal_per_member(setup: Any) -> None:
    supervisord, service, _ = setup
    rpc = namespace(supervisord, service)
    assert statuses(rpc.signalCollection("web-tier", "NOPE")) == [("app:gunicorn_0", 11)]
    assert statuses(rpc.signalCollection("web-tier", "HUP")) == [("app:gunicorn_0", 80)]


def test_unknown_collection_and_bad_arguments(setup: Any) -> None:
    supervisord, service, _ = setup
    rpc = namespace(supervisord, service)
    with pytest.raises(RPCError) as info:
        rpc.startCollection("nope")
    assert info.value.code == Faults.BAD_NAME
    with pytest.raises(RPCError) as info:
        rpc.startCollection()  # type: ignore[call-arg]
    assert info.value.code == Faults.INCORRECT_PARAMETERS
    supervisord.options.mood = -1  # shutting down
    with pytest.raises(RPCError) as info:
        rpc.stopCollection("web-tier")
    assert info.value.code == Faults.SHUTDOWN_STATE


def test_a_member_running_on_another_instance_is_not_started_here(setup: Any) -> None:
    supervisord, service, _ = setup
    view = SimpleNamespace(running_identifiers=("10.0.0.2:9001",))
    record = SimpleNamespace(view=lambda: view)
    application = SimpleNamespace(managed=True, processes={"nginx": record})
    instance = SimpleNamespace(id=SimpleNamespace(nick="web_b"))
    context = SimpleNamespace(
        applications={"front": application},
        local_identifier="10.0.0.1:9001",
        instances={"10.0.0.2:9001": instance},
    )
    rpc = namespace(supervisord, service, context)
    results = rpc.startCollection("web-tier", False)
    assert results[0] == {
        "name": "nginx",
        "group": "front",
        "status": Faults.ALREADY_STARTED,
        "description": "running on web_b",
    }
    assert supervisord.process_groups["front"].processes["nginx"].state == ProcessStates.STOPPED


def test_list_and_process_info(setup: Any) -> None:
    supervisord, service, _ = setup
    rpc = namespace(supervisord, service)
    assert rpc.listCollections() == [
        {
            "name": "web-tier",
            "priority": 100,
            "program_names": ["nginx", "gunicorn"],
            "group_names": ["metrics"],
        }
    ]


class FakeSupervisorNamespace:
    """Stands for supervisor's namespace: the wrapper calls the class's own reloadConfig."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def _update(self, text: str) -> None:
        self.update_text = text

    def reloadConfig(self) -> list[list[list[str]]]:  # noqa: N802
        if self.fail:
            raise RPCError(Faults.CANT_REREAD, "bad program")
        return [[["added_group"], [], []]]


def test_reload_config_rereads_collections_and_emits_events(setup: Any, tmp_path: Path) -> None:
    supervisord, service, received = setup
    hooks: list[str] = []
    service.reread_hooks.append(lambda: hooks.append("called"))
    fake = FakeSupervisorNamespace()
    reload = make_reload_config(service).__get__(fake)
    conf = tmp_path / "supervisord.conf"
    conf.write_text(
        CONF.replace("priority = 100", "priority = 5") + "[collection:workers]\nprograms = worker\n"
    )
    assert reload() == [[["added_group"], [], []], [["workers"], ["web-tier"], []]]
    assert fake.update_text == "reloadConfig"
    assert [(type(e), e.name) for e in received] == [
        (CollectionRemovedEvent, "web-tier"),
        (CollectionAddedEvent, "web-tier"),
        (CollectionAddedEvent, "workers"),
    ]
    assert received[0].payload() == "collectionname:web-tier\n"
    assert hooks == ["called"]
    # a bad section: CANT_REREAD, nothing changes
    conf.write_text(CONF + "[collection:bad]\npriority = 1\n")
    with pytest.raises(RPCError) as info:
        reload()
    assert info.value.code == Faults.CANT_REREAD
    assert f"{conf}: [collection:bad]: at least one of programs" in info.value.text
    assert [d.name for d in service.ordered()] == ["web-tier", "workers"]
    # supervisor's own reread fails: collections unchanged too
    conf.write_text(CONF)
    failing = make_reload_config(service).__get__(FakeSupervisorNamespace(fail=True))
    with pytest.raises(RPCError):
        failing()
    assert [d.name for d in service.ordered()] == ["web-tier", "workers"]
    assert len(received) == 3


def test_running_event_announces_collections_in_order(setup: Any, tmp_path: Path) -> None:
    supervisord, service, received = setup
    (tmp_path / "supervisord.conf").write_text(
        CONF + "[collection:first]\ngroups = app\npriority = 1\n"
    )
    service.reread()
    received.clear()
    service.on_running(None)
    assert [e.name for e in received] == ["first", "web-tier"]
    assert service.is_current()
    service.on_stopping(None)
    assert not service.is_current()


def test_reload_config_is_wrapped_on_the_namespace_instance_only(setup: Any) -> None:
    """The one intrusion, pinned to supervisor 4 (`supervisor/http.py` handler layout)."""
    from importlib.metadata import version

    from supervisor.http import supervisor_auth_handler
    from supervisor.rpcinterface import SupervisorNamespaceRPCInterface
    from supervisor.xmlrpc import supervisor_xmlrpc_handler

    supervisord, service, received = setup
    assert version("supervisor").split(".")[0] == "4"
    plain = SupervisorNamespaceRPCInterface(supervisord)
    behind_auth = SupervisorNamespaceRPCInterface(supervisord)
    handlers = [
        supervisor_xmlrpc_handler(supervisord, [("supervisor", plain)]),
        supervisor_auth_handler(
            {"user": "pass"}, supervisor_xmlrpc_handler(supervisord, [("supervisor", behind_auth)])
        ),
    ]
    supervisord.options.httpservers = [({}, SimpleNamespace(handlers=handlers))]
    service.on_running(None)
    assert "reloadConfig" in vars(plain) and "reloadConfig" in vars(behind_auth)
    assert "reloadConfig" in vars(SupervisorNamespaceRPCInterface)  # the class is untouched
    assert SupervisorNamespaceRPCInterface.reloadConfig.__module__ == "supervisor.rpcinterface"
    assert [e.name for e in received] == ["web-tier"]
    service.on_stopping(None)
    assert "reloadConfig" not in vars(plain) and "reloadConfig" not in vars(behind_auth)
