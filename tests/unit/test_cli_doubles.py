"""Hand-written doubles of a supervisord serving the `supvisors` namespace, for CLI tests.

No test here: the module only holds the doubles (its name keeps it among the CLI test files).
`FakeOptions` is supervisorctl's `ClientOptions` whose server proxy is a `FakeServer`.
"""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import pytest
from supervisor import rpcinterface
from supervisor.options import ClientOptions

from supvisors_ext.cli.shell import main

S1, S2, C1 = "127.0.0.1:61000", "127.0.0.1:61002", "127.0.0.1:61004"
NICKS = {S1: "server_1", S2: "server_2", C1: "console_1"}


def fault(code: int, text: str) -> xmlrpc.client.Fault:
    return xmlrpc.client.Fault(code, text)


def app(name: str, state: str, major: bool = False, minor: bool = False, managed: bool = True):
    codes = {"STOPPED": 0, "STARTING": 1, "RUNNING": 2, "STOPPING": 3}
    return {
        "application_name": name,
        "managed": managed,
        "now_monotonic": 1.0,
        "statecode": codes[state],
        "statename": state,
        "major_failure": major,
        "minor_failure": minor,
    }


def proc(group: str, name: str, state: str, ids: list[str], expected: bool = True):
    return {
        "application_name": group,
        "process_name": name,
        "statename": state,
        "statecode": 0,
        "expected_exit": expected,
        "identifiers": ids,
        "extra_args": "",
        "now_monotonic": 1.0,
        "last_event_mtime": 1.0,
    }


class FakeSupvisors:
    """The `supvisors` namespace: canned answers, and a journal of the control calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.applications = [
            app("common_data_bus", "STOPPED", managed=False),
            app("scen2_hci_01", "STOPPED"),
            app("scen2_hci_02", "RUNNING"),
            app("scen2_hci_03", "STOPPED", True, True),
            app("scen2_srv_01", "RUNNING"),
        ]
        self.processes = [
            proc("scen2_srv_01", "scen2_check_internal_data_bus", "EXITED", []),
            proc("scen2_srv_01", "scen2_internal_data_bus", "RUNNING", [S1]),
            proc("scen2_hci_01", "scen2_hmi", "STOPPED", []),
        ]
        self.collections = [
            {"name": "late", "priority": 20, "program_names": ["b"], "group_names": []},
            {"name": "buses", "priority": 10, "program_names": ["x", "y"], "group_names": ["g"]},
        ]
        self.collections.sort(key=lambda c: (c["priority"], c["name"]))
        self.failing: dict[str, xmlrpc.client.Fault] = {}

    # ----- status
    def get_api_version(self) -> str:
        return "0.19.1"

    def get_all_instances_info(self) -> list[dict[str, Any]]:
        return [self._instance(identifier) for identifier in sorted(NICKS)]

    def _instance(self, identifier: str) -> dict[str, Any]:
        return {
            "identifier": identifier,
            "nick_identifier": NICKS[identifier],
            "statename": "RUNNING",
            "loading": 42 if identifier != C1 else 0,
            "process_failure": identifier == C1,
            "remote_sequence_counter": 17,
            "node_name": "127.0.0.1",
            "port": int(identifier.rpartition(":")[2]),
        }

    def get_instance_info(self, identifier: str) -> list[dict[str, Any]]:
        found = [i for i in NICKS if identifier in (i, NICKS[i])]
        if not found:
            raise fault(10, f"BAD_NAME: no instance named {identifier!r}")
        return [self._instance(i) for i in found]

    def _state_modes(self, identifier: str, jobs: object) -> dict[str, Any]:
        return {
            "identifier": identifier,
            "nick_identifier": NICKS[identifier],
            "fsm_statename": "OPERATION",
            "degraded_mode": False,
            "discovery_mode": False,
            "master_identifier": S1,
            "starting_jobs": jobs,
            "stopping_jobs": [] if isinstance(jobs, list) else False,
        }

    def get_supvisors_state(self) -> dict[str, Any]:
        return {**self._state_modes(S2, [C1]), "supvisors_ext_version": "0.2.0"}

    def get_core_identifiers(self) -> list[dict[str, str]]:
        return [{"identifier": i, "nick_identifier": NICKS[i]} for i in (S1, S2)]

    def test_start_application(self, strategy: str, name: str) -> list[dict[str, Any]]:
        self.calls.append(("test_start_application", strategy, name))
        if self._application(name)["statename"] != "STOPPED":
            raise fault(60, f"ALREADY_STARTED: {name}")
        return [self._prediction(name, "scen2_hmi", "RUNNING", [C1], "")]

    def test_start_process(self, strategy: str, namespec: str) -> list[dict[str, Any]]:
        self.calls.append(("test_start_process", strategy, namespec))
        return [
            self._prediction(p["application_name"], p["process_name"], "FATAL", [], "no place")
            for p in self.get_process_info(namespec)
        ]

    @staticmethod
    def _prediction(group: str, name: str, state: str, ids: list[str], reason: str):
        return {
            "application_name": group,
            "process_name": name,
            "state": state,
            "running_identifiers": ids,
            "forced_reason": reason,
        }

    def start_any_process(self, strategy: str, regex: str, extra: str, wait: bool) -> str:
        self._control("start_any_process", strategy, regex, extra, wait)
        return "scen2_hci_01:scen2_hmi"

    def get_statistics_status(self) -> dict[str, Any]:
        return {"host_stats": True, "process_stats": False, "collecting_period": 5.0}

    def get_all_instances_state_modes(self) -> list[dict[str, Any]]:
        return [self._state_modes(i, False) for i in sorted(NICKS)]

    def get_instance_state_modes(self, identifier: str) -> list[dict[str, Any]]:
        return [
            self._state_modes(i["identifier"], True) for i in self.get_instance_info(identifier)
        ]

    def get_master_identifier(self) -> dict[str, str]:
        return {"identifier": S1, "nick_identifier": "server_1"}

    def get_strategies(self) -> dict[str, Any]:
        return {
            "auto-fencing": False,
            "conciliation": "USER",
            "starting": "CONFIG",
            "supvisors_failure": "CONTINUE",
        }

    def get_all_applications_info(self) -> list[dict[str, Any]]:
        return list(self.applications)

    def get_application_rules(self, name: str) -> dict[str, Any]:
        info = self._application(name)
        if not info["managed"]:
            return {"application_name": name, "managed": False}
        return {
            "application_name": name,
            "managed": True,
            "distribution": "SINGLE_INSTANCE",
            "identifiers": [S1, S2],
            "start_sequence": 1,
            "stop_sequence": 0,
            "starting_strategy": "LESS_LOADED",
            "starting_failure_strategy": "STOP",
            "running_failure_strategy": "CONTINUE",
            "status_formula": "",
        }

    def _application(self, name: str) -> dict[str, Any]:
        for info in self.applications:
            if info["application_name"] == name:
                return info
        raise fault(10, f"BAD_NAME: no application named {name!r}")

    def get_all_process_info(self) -> list[dict[str, Any]]:
        return list(self.processes)

    def get_process_info(self, namespec: str) -> list[dict[str, Any]]:
        group, _, name = namespec.partition(":")
        found = [
            p
            for p in self.processes
            if p["application_name"] == group and name in ("*", p["process_name"])
        ]
        if not found:
            raise fault(10, f"BAD_NAME: no process named {namespec!r}")
        return found

    def get_process_rules(self, namespec: str) -> list[dict[str, Any]]:
        return [
            {
                "application_name": p["application_name"],
                "process_name": p["process_name"],
                "identifiers": ["*"],
                "start_sequence": 1,
                "stop_sequence": 2,
                "required": True,
                "wait_exit": False,
                "expected_loading": 10,
                "running_failure_strategy": "RESTART_APPLICATION",
            }
            for p in self.get_process_info(namespec)
        ]

    def get_all_local_process_info(self) -> list[dict[str, Any]]:
        return [
            {"group": "scen2_srv_01", "name": "bus", "statename": "RUNNING", "pid": 1234,
             "extra_args": "-x 1"},
            {"group": "scen2_srv_01", "name": "check", "statename": "EXITED", "pid": 0,
             "extra_args": ""},
        ]  # fmt: skip

    def get_local_process_info(self, namespec: str) -> dict[str, Any]:
        for info in self.get_all_local_process_info():
            if f"{info['group']}:{info['name']}" == namespec:
                return info
        raise fault(10, f"BAD_NAME: no local process named {namespec!r}")

    def get_conflicts(self) -> list[dict[str, Any]]:
        return [p for p in self.processes if len(p["identifiers"]) > 1]

    # ----- control: recorded; a name in `failing` raises its fault
    def _control(self, method: str, *args: Any) -> bool:
        self.calls.append((method, *args))
        for arg in args:
            if isinstance(arg, str) and arg in self.failing:
                raise self.failing[arg]
        return True

    def __getattr__(self, method: str) -> Any:
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args: self._control(method, *args)

    def conciliate(self, strategy: str) -> bool:
        self._control("conciliate", strategy)
        return strategy != "USER"

    # ----- collections
    def list_collections(self) -> list[dict[str, Any]]:
        return list(self.collections)

    def _collection(self, name: str) -> None:
        if name not in {c["name"] for c in self.collections}:
            raise fault(10, f"BAD_NAME: no collection named {name!r}")

    def get_collection_process_info(self, name: str) -> list[dict[str, Any]]:
        self._collection(name)
        return list(self.processes[:2]) if name == "buses" else []

    def start_collection(self, name: str, wait: bool) -> list[dict[str, Any]]:
        self._collection(name)
        self.calls.append(("start_collection", name, wait))
        if name == "late":
            return []
        return [
            {"name": "x", "group": "x", "status": 80, "description": "OK"},
            {"name": "y", "group": "g", "status": 40, "description": "ABNORMAL_TERMINATION: y"},
        ]

    def signal_collection(self, name: str, signal: str) -> list[dict[str, Any]]:
        self._collection(name)
        self._control("signal_collection", name, signal)
        if name == "late":
            return []
        return [
            {"name": "x", "group": "x", "status": 80, "description": "OK"},
            {"name": "y", "group": "g", "status": 80, "description": "OK"},
        ]

    def stop_collection(self, name: str, wait: bool) -> list[dict[str, Any]]:
        self._collection(name)
        self.calls.append(("stop_collection", name, wait))
        return [] if name == "buses" else [{"name": "b", "group": "b", "status": 80}]


class FakeSupervisor:
    def getVersion(self) -> str:  # noqa: N802 - supervisor's name
        return rpcinterface.API_VERSION


class FakeServer:
    """A ServerProxy: two namespaces, and `proxy("close")()` as xmlrpc.client's."""

    closed = 0

    def __init__(self, supvisors: Any) -> None:
        self.supervisor = FakeSupervisor()
        self.supvisors = supvisors

    def __call__(self, attr: str) -> Any:
        assert attr == "close"

        def close() -> None:
            FakeServer.closed += 1

        return close


class FakeOptions(ClientOptions):  # type: ignore[misc]
    """supervisorctl's options, serving the fake instead of connecting."""

    def __init__(self, supvisors: FakeSupvisors) -> None:
        super().__init__()
        self.fake = supvisors

    def getServerProxy(self) -> FakeServer:  # noqa: N802 - supervisor's name
        return FakeServer(self.fake)


class Runner:
    """`run(*argv) -> (status, stdout, stderr)` against a fresh FakeSupvisors."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.fake = FakeSupvisors()

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main(["-s", "http://127.0.0.1:9", *argv], options=FakeOptions(self.fake))
        captured = self.capsys.readouterr()
        return status, captured.out, captured.err
