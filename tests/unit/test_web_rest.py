"""REST dispatch over fake namespaces: routes, conversions, error statuses, deferred calls."""

from __future__ import annotations

from typing import Any

import pytest
from supervisor.http import NOT_DONE_YET
from supervisor.xmlrpc import RPCError

from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.web.openapi import docstring_lookup, openapi_document
from supvisors_ext.web.rest import JsonReply, RestApi, status_of_fault
from supvisors_ext.web.routes import ROUTES, parse_table

FLASK_ROUTES = 56 + 26 + 3  # supvisorsflask 0.19.1: supvisors, supervisor and system routes


class FakeSupvisors:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def get_api_version(self) -> str:
        """Return the version.

        @return string version
        """
        return "0.2.0"

    def get_process_info(self, namespec: str) -> list[dict[str, Any]]:
        if namespec != "app:prog":
            raise fault(Faults.BAD_NAME, f"no process named {namespec!r}")
        return [{"application_name": "app", "process_name": "prog"}]

    def start_application(self, strategy: str, name: str, wait: bool = True) -> Any:
        self.calls.append(("start_application", (strategy, name, wait)))
        if name == "started":
            raise fault(Faults.ALREADY_STARTED, name)
        if not wait:
            return True
        steps = iter([NOT_DONE_YET, NOT_DONE_YET, True])

        def onwait() -> Any:
            return next(steps)

        onwait.delay = 0.01  # type: ignore[attr-defined]
        return onwait

    def start_process(self, strategy: str, namespec: str, extra: str, wait: bool) -> bool:
        self.calls.append(("start_process", (strategy, namespec, extra, wait)))
        return True

    def update_numprocs(self, program: str, numprocs: int, wait: bool, lazy: bool = False) -> bool:
        self.calls.append(("update_numprocs", (program, numprocs, wait, lazy)))
        return True

    def end_sync(self, master: str = "") -> bool:
        raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "not in SYNCHRONIZATION")


@pytest.fixture
def supvisors() -> FakeSupvisors:
    return FakeSupvisors()


def handle(api: RestApi, ns: Any, method: str, path: str, **query: str) -> Any:
    return api.handle(method, path, {k: [v] for k, v in query.items()}, {"supvisors": ns})


def test_the_table_has_every_supvisorsflask_route_and_more() -> None:
    assert len(ROUTES) >= FLASK_ROUTES
    keys = {(route.http_method, route.path) for route in ROUTES}
    assert len(keys) == len(ROUTES)
    assert ("GET", "/supervisor/readLog/{offset}/{length}") in keys
    assert ("POST", "/supvisors/start_application/{strategy}/{application_name}") in keys


def test_a_bad_table_line_is_named() -> None:
    with pytest.raises(ValueError, match="line 1: unknown argument 'nope'"):
        parse_table("GET /a/<str:x> ns.m nope")
    with pytest.raises(ValueError, match="bad path parameter"):
        parse_table("GET /a/<weird:x> ns.m x")


def test_query_answers_the_method_result(supvisors: FakeSupvisors) -> None:
    api = RestApi()
    assert handle(api, supvisors, "GET", "/api/supvisors/api_version") == JsonReply(200, "0.2.0")
    reply = handle(api, supvisors, "GET", "/api/supvisors/process_info/app:prog")
    assert reply.status == 200 and reply.body[0]["process_name"] == "prog"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/supvisors/process_info/app:nope", 404, Faults.BAD_NAME),
        ("GET", "/api/supvisors/nothing", 404, Faults.UNKNOWN_METHOD),
        ("GET", "/api/supvisors/strategies", 404, Faults.UNKNOWN_METHOD),  # not provided
        ("POST", "/api/supvisors/api_version", 405, Faults.UNKNOWN_METHOD),
        ("POST", "/api/supvisors/start_application/LOCAL/started", 409, Faults.ALREADY_STARTED),
        ("POST", "/api/supvisors/end_sync", 409, SupvisorsFaults.BAD_SUPVISORS_STATE),
        ("POST", "/api/supvisors/update_numprocs/prog/minus", 400, Faults.INCORRECT_PARAMETERS),
        ("POST", "/api/supvisors/update_numprocs/prog/-1", 400, Faults.INCORRECT_PARAMETERS),
    ],
)
def test_errors(supvisors: FakeSupvisors, method: str, path: str, status: int, code: int) -> None:
    reply = handle(RestApi(), supvisors, method, path)
    assert isinstance(reply, JsonReply)
    assert (reply.status, reply.body["code"]) == (status, code)
    assert reply.body["message"]


def test_405_names_the_allowed_method(supvisors: FakeSupvisors) -> None:
    assert handle(RestApi(), supvisors, "POST", "/api/supvisors/api_version").allow == "GET"


def test_bad_wait_is_400(supvisors: FakeSupvisors) -> None:
    reply = handle(
        RestApi(), supvisors, "POST", "/api/supvisors/start_application/LOCAL/x", wait="maybe"
    )
    assert reply.status == 400 and "wait" in reply.body["message"]


def test_readonly_refuses_every_post(supvisors: FakeSupvisors) -> None:
    reply = handle(RestApi(readonly=True), supvisors, "POST", "/api/supvisors/end_sync")
    assert reply.status == 403
    assert (
        handle(RestApi(readonly=True), supvisors, "GET", "/api/supvisors/api_version").status == 200
    )


def test_arguments_query_and_constants(supvisors: FakeSupvisors) -> None:
    api = RestApi()
    handle(api, supvisors, "POST", "/api/supvisors/start_process/CONFIG/app:prog", extra_args="-x")
    handle(api, supvisors, "POST", "/api/supvisors/lazy_update_numprocs/prog/3", wait="false")
    handle(api, supvisors, "POST", "/api/supvisors/start_application/LOCAL/app", wait="0")
    assert supvisors.calls == [
        ("start_process", ("CONFIG", "app:prog", "-x", True)),
        ("update_numprocs", ("prog", 3, False, True)),
        ("start_application", ("LOCAL", "app", False)),
    ]


def test_waiting_action_is_a_deferred_stepped_to_its_result(supvisors: FakeSupvisors) -> None:
    step = handle(RestApi(), supvisors, "POST", "/api/supvisors/start_application/LOCAL/app")
    assert callable(step) and step.delay == 0.01
    assert step() is NOT_DONE_YET
    assert step() is NOT_DONE_YET
    assert step() == JsonReply(200, True)


def test_deferred_fault_becomes_an_error() -> None:
    class Waiting:
        def stop_process(self, namespec: str, wait: bool) -> Any:
            def onwait() -> Any:
                raise fault(Faults.NOT_RUNNING, namespec)

            return onwait

    step = handle(RestApi(), Waiting(), "POST", "/api/supvisors/stop_process/a:b")
    assert step().status == 409


def test_no_fault_is_a_5xx() -> None:
    codes = [int(c) for c in vars(Faults).values() if isinstance(c, int)] + list(SupvisorsFaults)
    assert all(400 <= status_of_fault(code) < 500 for code in codes)


def test_openapi_has_every_route_with_docstring_summaries(supvisors: FakeSupvisors) -> None:
    document = openapi_document("0.2.0", docstring_lookup({"supvisors": supvisors}))
    assert document["openapi"].startswith("3.")
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) == len(ROUTES)
    assert len({op["operationId"] for op in operations}) == len(operations)
    version = document["paths"]["/supvisors/api_version"]["get"]
    assert version["summary"] == "Return the version."
    start = document["paths"]["/supvisors/start_application/{strategy}/{application_name}"]
    names = [p["name"] for p in start["post"]["parameters"]]
    assert names == ["strategy", "application_name", "wait"]


def test_rpc_error_text_is_the_message() -> None:
    reply = handle(RestApi(), FakeSupvisors(), "POST", "/api/supvisors/start_application/L/started")
    assert reply.body["message"] == fault(Faults.ALREADY_STARTED, "started").text
    assert RPCError(Faults.ALREADY_STARTED, "started").text == reply.body["message"]
