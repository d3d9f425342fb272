"""A tiny JSON-over-HTTP client for the REST tests (docs/rest.md): status, headers, body."""

from __future__ import annotations

import base64
import http.client
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any  # decoded JSON, or the raw text when it is not JSON


def request(
    port: int, method: str, path: str, auth: tuple[str, str] | None = None, timeout: float = 30
) -> Answer:
    headers = {"Content-Length": "0"} if method == "POST" else {}
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        raw = response.read().decode(errors="replace")
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()


def wait_operation(
    cluster: Any, port: int, auth: tuple[str, str] | None, timeout: float = 60
) -> None:
    """Poll `supvisors_state` through REST until OPERATION."""

    def ready() -> bool:
        try:
            answer = request(port, "GET", "/api/supvisors/supvisors_state", auth, timeout=2)
        except OSError:
            return False
        return answer.status == 200 and answer.body["fsm_statename"] == "OPERATION"

    cluster.wait_until(ready, timeout=timeout, message="never in OPERATION (REST)")
