"""Supvisors 0.19.1's own `supvisorsflask` (its REST front end) against a cluster of ours.

Supvisors is installed by the test extra for its client side only, with `flask-restx` for its
Flask front end. `supvisorsflask -u URL` is started as a subprocess on 127.0.0.1, pointed at
instance `a`; it calls our XML-RPC with its own code. Every GET route of its API, read from its
own swagger document so that none is forgotten, must answer 200 with the JSON of the same
XML-RPC method of ours; a few POST actions must have their effect seen through our XML-RPC.

Two instances `a` and `b`: the managed application `grp` (program `prog`) and the unmanaged
group `free`.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Cluster, WaitAborted, reserve_ports
from tests.integration.cluster_helpers import ORACLE_PROGRAMS, ORACLE_RULES, pair_cluster

pytestmark = pytest.mark.integration
pytest.importorskip("flask_restx")
pytest.importorskip("supvisors.tools.supvisorsflask")

FLASK = "from supvisors.tools.supvisorsflask import main; main()"
RULES = ORACLE_RULES
PROGRAMS = ORACLE_PROGRAMS
# values that change between two reads (clocks, counters, supervisor's "uptime" description)
VOLATILE_KEYS = {"now", "now_monotonic", "uptime", "description", "loading"}
VOLATILE_PARTS = ("time", "sequence_counter")


class Flask:
    """The supvisorsflask subprocess: its port and a JSON-over-HTTP client."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        payload = b"" if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read().decode(errors="replace")
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from pair_cluster(tmp_path_factory.mktemp("flask"), "flask", RULES, PROGRAMS)


def _stop_session(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM then SIGKILL the process group of the flask server (its own session)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def flask(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # the lock file of the port stays held (no other test draws it); the server binds it
    block = reserve_ports(span=1)
    log_path = Path(tmp_path_factory.mktemp("flask_log")) / "supvisorsflask.out"
    argv = [sys.executable, "-c", FLASK, "-u", cluster["a"].url]
    process: subprocess.Popen[bytes] | None = None
    try:
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [*argv, "-h", "127.0.0.1", "-p", str(block.base)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Flask(block.base)

        def ready() -> bool:
            if process is None or process.poll() is not None:
                raise WaitAborted(f"supvisorsflask exited:\n{log_path.read_text()}")
            return server.call("GET", "/swagger.json")[0] == 200

        cluster.wait_until(ready, timeout=30, message="supvisorsflask never answered")
        yield server
    finally:
        if process is not None:
            _stop_session(process)
        block.release()


def _get_routes(flask: Flask) -> list[str]:
    status, swagger = flask.call("GET", "/swagger.json")
    assert status == 200
    return sorted(path for path, item in swagger["paths"].items() if "get" in item)


def _xmlrpc_call(path: str, cluster: Cluster) -> tuple[str, list[Any]]:
    """The XML-RPC method behind a GET route, and its arguments, as the route fills them."""
    namespace, route, *params = path.strip("/").split("/")
    method = f"get_{route}" if namespace == "supvisors" else route
    arguments = {
        "identifier": cluster["a"].identifier,
        "namespec": "grp:prog",
        "application_name": "grp",
        # system's methodHelp/methodSignature name a method; supervisor's routes a process
        "name": "supvisors.get_api_version" if namespace == "system" else "grp:prog",
        "offset": 0,
        "length": 100,
    }
    names = [re.fullmatch(r"\{(\w+)\}", param) for param in params]
    assert all(names), f"{path}: a route segment that is not a parameter"
    return f"{namespace}.{method}", [arguments[match.group(1)] for match in names if match]


def _url(path: str, args: list[Any]) -> str:
    """The path with its parameters replaced, in order."""
    values = iter(args)
    return re.sub(r"\{\w+\}", lambda _: str(next(values)), path)


def _stable(value: Any) -> Any:
    """The value without the keys that change between two reads."""
    if isinstance(value, dict):
        return {
            key: _stable(item)
            for key, item in value.items()
            if key not in VOLATILE_KEYS and not any(part in key for part in VOLATILE_PARTS)
        }
    if isinstance(value, list):
        return [_stable(item) for item in value]
    return value


def _ours(cluster: Cluster, method: str, args: list[Any]) -> Any:
    namespace, name = method.split(".")
    with cluster["a"].proxy() as proxy:
        return getattr(getattr(proxy, namespace), name)(*args)


def test_swagger_lists_every_get_route_of_the_sources(flask: Flask) -> None:
    """The swagger document, which drives the next test, misses no GET route of the sources."""
    spec = importlib.util.find_spec("supvisors.tools.apis")
    assert spec is not None and spec.origin is not None
    sources = Path(spec.origin).parent.glob("*_namespace.py")
    declared = sum(path.read_text().count("methods=('GET',)") for path in sources)
    assert len(_get_routes(flask)) == declared == 38


def test_every_get_route_answers_our_xmlrpc_result(cluster: Cluster, flask: Flask) -> None:
    """Each GET route: 200 and the JSON of our XML-RPC method (read before and after)."""
    failures = []
    for path in _get_routes(flask):
        method, args = _xmlrpc_call(path, cluster)
        before = _stable(_ours(cluster, method, args))
        status, body = flask.call("GET", _url(path, args))
        after = _stable(_ours(cluster, method, args))
        if status != 200 or _stable(body) not in (before, after):
            failures.append(
                f"{path} -> {method}{tuple(args)}: {status} {body!r}\n  ours {before!r}"
            )
    assert not failures, "\n".join(failures)


def _state(cluster: Cluster, getter: str, name: str) -> str:
    info = getattr(cluster["a"].supvisors, getter)(name)
    return str((info[0] if isinstance(info, list) else info)["statename"])


def test_change_log_level(cluster: Cluster, flask: Flask) -> None:
    """The new level is applied by ours: its log line is in supervisord's log (readLog)."""
    for level in ("debug", "info"):
        assert flask.call("POST", f"/supvisors/change_log_level/{level}") == (200, True)
        log = cluster["a"].supervisor.readLog(0, 0)
        assert f"log level set to {level}\n" in log


def test_stop_then_start_application(cluster: Cluster, flask: Flask) -> None:
    """wait=true (a JSON body, as its swagger page sends it): done when the answer comes."""
    answer = flask.call("POST", "/supvisors/stop_application/grp", {"wait": True})
    assert answer == (200, True)
    assert _state(cluster, "get_application_info", "grp") == "STOPPED"
    prediction = flask.call("POST", "/supvisors/test_start_application/CONFIG/grp")
    ours = cluster["a"].supvisors.test_start_application("CONFIG", "grp")
    assert prediction == (200, ours)
    assert _state(cluster, "get_application_info", "grp") == "STOPPED"  # a prediction only
    answer = flask.call("POST", "/supvisors/start_application/CONFIG/grp", {"wait": True})
    assert answer == (200, True)
    assert _state(cluster, "get_application_info", "grp") == "RUNNING"


def test_start_then_stop_process_with_default_wait(cluster: Cluster, flask: Flask) -> None:
    """No body: the route's default (wait=true) applies."""
    assert flask.call("POST", "/supvisors/start_process/CONFIG/free:free") == (200, True)
    assert _state(cluster, "get_process_info", "free:free") == "RUNNING"
    assert flask.call("POST", "/supvisors/stop_process/free:free") == (200, True)
    assert _state(cluster, "get_process_info", "free:free") == "STOPPED"


def test_start_args_and_restart_process(cluster: Cluster, flask: Flask) -> None:
    """extra_args reach our start: the process info of ours shows them."""
    body = {"extra_args": "-x 1", "wait": True}
    assert flask.call("POST", "/supvisors/start_args/free:free", body) == (200, True)
    assert cluster["a"].supvisors.get_process_info("free:free")[0]["extra_args"] == "-x 1"
    pid = cluster["a"].supervisor.getProcessInfo("free:free")["pid"]
    body = {"extra_args": "", "wait": True}
    assert flask.call("POST", "/supvisors/restart_process/CONFIG/free:free", body) == (200, True)
    assert _state(cluster, "get_process_info", "free:free") == "RUNNING"
    assert cluster["a"].supervisor.getProcessInfo("free:free")["pid"] != pid
    assert flask.call("POST", "/supvisors/stop_process/free:free") == (200, True)


def test_a_fault_of_ours_becomes_its_http_status(flask: Flask) -> None:
    """BAD_NAME (10) becomes 404 with our fault code and message, through its error handler."""
    status, body = flask.call("GET", "/supvisors/process_info/nope:nope")
    assert (status, body["code"]) == (404, 10), body
