"""`/supvisors/events` on supervisord's own HTTP server: auth, snapshot, live changes."""

from __future__ import annotations

import base64
import http.client
import json
import time
import xmlrpc.client
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Cluster, program_section

pytestmark = pytest.mark.integration

FAST = {"tick_period": 0.2}


class SseReader:
    """A tiny SSE client on http.client (the stream is close-delimited)."""

    def __init__(self, port: int, path: str, auth: str = "") -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}
        self.conn.request("GET", path, headers=headers if auth else {})
        self.response = self.conn.getresponse()

    def next_event(self) -> tuple[str, Any]:
        topic, data = "", ""
        while True:
            line = self.response.readline().decode()
            if not line:
                raise EOFError("stream closed")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                topic = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif not line and topic:
                return topic, json.loads(data)

    def until(self, predicate: Any, timeout: float = 10.0) -> tuple[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            topic, payload = self.next_event()
            if predicate(topic, payload):
                return topic, payload
        raise AssertionError("no matching event before the deadline")

    def close(self) -> None:
        self.response.close()
        self.conn.close()


def with_credentials(cluster: Cluster, nick: str, root: Path) -> None:
    include = root / f"{nick}-http.ini"
    include.write_text("[inet_http_server]\nusername = admin\npassword = s3cret\n")
    cluster.reconfigure(nick, include=(*cluster[nick].spec.include, str(include)))


def test_event_stream_needs_credentials_and_follows_a_stop(
    make_cluster: Any, tmp_path: Path
) -> None:
    cluster: Cluster = make_cluster(supvisors_options=FAST)
    cluster.add("a", programs=[program_section("sleepy")])
    with_credentials(cluster, "a", tmp_path)
    cluster.start(wait=False)
    instance = cluster["a"]
    port = instance.http_port

    def answers() -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/supvisors/events")
            status = conn.getresponse().status
            conn.close()
            return status == 401
        except OSError:
            return False

    cluster.wait_until(answers, timeout=15, message="no 401 without credentials")
    proxy = xmlrpc.client.ServerProxy(f"http://admin:s3cret@127.0.0.1:{port}")
    reader = SseReader(port, "/supvisors/events?topics=process,supvisors", "admin:s3cret")
    try:
        assert reader.response.status == 200
        assert reader.response.getheader("Content-Type") == "text/event-stream"
        reader.until(lambda t, p: t == "process" and p["process_name"] == "sleepy")
        bad = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        token = base64.b64encode(b"admin:s3cret").decode()
        bad.request(
            "GET", "/supvisors/events?topics=nope", headers={"Authorization": f"Basic {token}"}
        )
        answer = bad.getresponse()
        assert answer.status == 400 and b"nope" in answer.read()
        bad.close()
        cluster.wait_until(
            lambda: proxy.supervisor.getProcessInfo("sleepy:sleepy")["statename"] == "RUNNING",
            timeout=15,
            message="sleepy never RUNNING",
        )
        proxy.supervisor.stopProcess("sleepy:sleepy")
        reader.until(lambda t, p: t == "process" and p["statename"] == "STOPPED")
    finally:
        proxy("close")()
        reader.close()
