"""The REST API on supervisord's own HTTP server (docs/rest.md): routes, JSON results equal to
XML-RPC's, error statuses, deferred actions, OpenAPI, credentials."""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.access_cluster import PASSWORD, USER, with_credentials
from tests.harness import Cluster, program_section
from tests.integration.rest_client import request, wait_operation

pytestmark = pytest.mark.integration
AUTH = (USER, PASSWORD)
QUERIES = [
    "/api/supvisors/api_version",
    "/api/supvisors/supvisors_state",
    "/api/supvisors/all_instances_state_modes",
    "/api/supvisors/instance_state_modes/a",
    "/api/supvisors/master_identifier",
    "/api/supvisors/strategies",
    "/api/supvisors/network_info/a",
    "/api/supvisors/all_instances_info",
    "/api/supvisors/instance_info/a",
    "/api/supvisors/all_applications_info",
    "/api/supvisors/application_info/sleepy",
    "/api/supvisors/application_rules/sleepy",
    "/api/supvisors/all_process_info",
    "/api/supvisors/process_info/sleepy:*",
    "/api/supvisors/all_local_process_info",
    "/api/supvisors/local_process_info/sleepy:sleepy",
    "/api/supvisors/all_inner_process_info/a",
    "/api/supvisors/inner_process_info/a/sleepy:sleepy",
    "/api/supvisors/process_rules/sleepy:sleepy",
    "/api/supvisors/conflicts",
    "/api/supvisors/collections",
    "/api/supervisor/getAPIVersion",
    "/api/supervisor/getState",
    "/api/supervisor/getAllProcessInfo",
    "/api/supervisor/getProcessInfo/sleepy:sleepy",
    "/api/supervisor/tailProcessStdoutLog/sleepy:sleepy/0/100",
    "/api/supervisor/readLog/0/100",
    "/api/system/listMethods",
    "/api/system/methodHelp/supvisors.get_api_version",
]


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    root = tmp_path_factory.mktemp("rest")
    cluster = Cluster(root / "cluster", supvisors_options={"tick_period": 0.5})
    try:
        cluster.add("a", programs=[program_section("sleepy")])
        with_credentials(cluster, "a", Path(root))
        cluster.start(wait=False)
        wait_operation(cluster, cluster["a"].http_port, AUTH)
        yield cluster["a"].http_port
    finally:
        cluster.close()


def xmlrpc_proxy(port: int) -> xmlrpc.client.ServerProxy:
    return xmlrpc.client.ServerProxy(f"http://{USER}:{PASSWORD}@127.0.0.1:{port}/RPC2")


@pytest.mark.parametrize("path", QUERIES)
def test_queries_answer_200_json(port: int, path: str) -> None:
    answer = request(port, "GET", path, AUTH)
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"] == "application/json"


def test_json_is_the_xmlrpc_result(port: int) -> None:
    with xmlrpc_proxy(port) as proxy:
        expected = proxy.supvisors.get_all_instances_info()
        rules = proxy.supvisors.get_process_rules("sleepy:sleepy")
    answer = request(port, "GET", "/api/supvisors/all_instances_info", AUTH).body
    volatile = {"loading", "remote_sequence_counter", "local_sequence_counter"}
    assert len(answer) == len(expected)
    for got, want in zip(answer, expected):  # noqa: B905 - lengths checked above
        assert {k: v for k, v in got.items() if "time" not in k and k not in volatile} == {
            k: v for k, v in want.items() if "time" not in k and k not in volatile
        }
    assert request(port, "GET", "/api/supvisors/process_rules/sleepy:sleepy", AUTH).body == rules


@pytest.mark.parametrize(
    "path", ["/api/supvisors/api_version", "/api/openapi.json", "/supvisors/", "/supvisors/events"]
)
def test_no_credentials_is_401(port: int, path: str) -> None:
    assert request(port, "GET", path).status == 401
    assert request(port, "GET", path, (USER, "wrong")).status == 401


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/supvisors/nothing", 404, 1),
        ("GET", "/api/supvisors/process_info/nope:nope", 404, 10),
        ("POST", "/api/supvisors/api_version", 405, 1),
        ("GET", "/api/supvisors/start_application/CONFIG/sleepy", 405, 1),
        ("POST", "/api/supervisor/startProcess/sleepy:sleepy?wait=maybe", 400, 2),
        ("GET", "/api/supervisor/readLog/x/100", 400, 2),
        ("POST", "/api/supvisors/start_application/NOPE/sleepy", 400, 2),
        ("POST", "/api/supvisors/end_sync", 409, 101),
        ("POST", "/api/supervisor/signalProcess/sleepy:sleepy/NOSIG", 400, 11),
    ],
)
def test_error_statuses(port: int, method: str, path: str, status: int, code: int) -> None:
    answer = request(port, method, path, AUTH)
    assert (answer.status, answer.body["code"]) == (status, code), answer.body
    assert answer.body["message"]


def test_405_names_the_allowed_method(port: int) -> None:
    assert request(port, "POST", "/api/supvisors/api_version", AUTH).headers["allow"] == "GET"


def test_waiting_actions_complete_like_deferred_xmlrpc(port: int) -> None:
    stop = "/api/supervisor/stopProcess/sleepy:sleepy"
    assert request(port, "POST", stop, AUTH).body is True  # wait=true by default
    answer = request(port, "POST", stop, AUTH)
    assert (answer.status, answer.body["code"]) == (409, 70)  # NOT_RUNNING
    start = "/api/supervisor/startProcess/sleepy:sleepy?wait=true"
    assert request(port, "POST", start, AUTH).body is True
    answer = request(port, "POST", start, AUTH)
    assert (answer.status, answer.body["code"]) == (409, 60)  # ALREADY_STARTED
    # the loop was never blocked: queries answered throughout
    assert request(port, "GET", "/api/supervisor/getState", AUTH).status == 200


def test_openapi_describes_every_route(port: int) -> None:
    document: dict[str, Any] = request(port, "GET", "/api/openapi.json", AUTH).body
    assert document["openapi"].startswith("3.")
    operations = [op for item in document["paths"].values() for op in item]
    assert len(operations) >= 85
    version = document["paths"]["/supvisors/api_version"]["get"]
    assert "version" in version["summary"].lower()
