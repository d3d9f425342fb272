"""HTTP credentials of calls to peers (peers.py); no socket: jobs raise what a call would."""

from __future__ import annotations

import base64
import socket
import xmlrpc.client

from supvisors_ext.net.peers import (
    Credentials,
    PeerCaller,
    PeerReply,
    PeerRequest,
    http_credentials,
    make_proxy,
)

INET = {"family": socket.AF_INET, "port": 61000}
UNIX = {"family": socket.AF_UNIX, "file": "/tmp/s.sock", "username": "u", "password": "p"}


def test_credentials_from_the_inet_http_server_only() -> None:
    configs = [UNIX, {**INET, "username": "admin", "password": "s3cret"}]
    assert http_credentials(configs) == (Credentials("admin", "s3cret"), "")
    assert http_credentials([UNIX, INET]) == (None, "")
    assert http_credentials([{**INET, "username": None, "password": None}]) == (None, "")
    assert http_credentials([]) == (None, "")


def test_a_sha_password_cannot_be_sent() -> None:
    configs = [{**INET, "username": "admin", "password": "{SHA}" + "0" * 40}]
    credentials, problem = http_credentials(configs)
    assert credentials is None
    assert "{SHA} digest" in problem and "docs/security.md" in problem


def test_credentials_are_percent_encoded_and_never_printed() -> None:
    credentials = Credentials("ad:min", "p@ss/w rd")
    assert credentials.url("http://127.0.0.1:61000/RPC2") == (
        "http://ad%3Amin:p%40ss%2Fw%20rd@127.0.0.1:61000/RPC2"
    )
    assert "p@ss" not in repr(credentials)
    # xmlrpc.client decodes them back into the Authorization header
    with make_proxy("http://127.0.0.1:1/RPC2", 1.0, credentials) as proxy:
        transport = proxy._ServerProxy__transport  # type: ignore[attr-defined]
        host = proxy._ServerProxy__host  # type: ignore[attr-defined]
        _, headers, _ = transport.get_host_info(host)
    [(name, value)] = headers
    assert name == "Authorization"
    assert base64.b64decode(value.split()[1]) == b"ad:min:p@ss/w rd"


def run_job(error: Exception, credentials: Credentials | None = None) -> PeerReply:
    replies: list[PeerReply] = []
    caller = PeerCaller("peer", "http://127.0.0.1:1/RPC2", replies.append, 1.0, credentials)

    def job(_proxy: xmlrpc.client.ServerProxy) -> object:
        raise error

    return caller._execute(PeerRequest(1, "handshake", job))


def test_http_401_is_flagged_and_the_password_is_not_in_the_error() -> None:
    url = "admin:s3cret@127.0.0.1:61000/RPC2"
    reply = run_job(xmlrpc.client.ProtocolError(url, 401, "Unauthorized", {}))
    assert reply.http_status == 401
    assert reply.error == (
        "HTTP 401 Unauthorized: the peer refused our [inet_http_server] username/password"
    )
    assert "s3cret" not in reply.error
    assert not reply.ok


def test_other_http_errors_keep_their_status() -> None:
    reply = run_job(xmlrpc.client.ProtocolError("u:p@h/RPC2", 500, "Internal Server Error", {}))
    assert (reply.http_status, reply.error) == (500, "HTTP 500 Internal Server Error")


def test_connection_errors_have_no_http_status() -> None:
    reply = run_job(ConnectionRefusedError(111, "Connection refused"))
    assert reply.http_status == 0 and "Connection refused" in reply.error


def test_a_socket_timeout_is_a_timed_out_reply_on_every_python() -> None:
    # socket.timeout is TimeoutError from Python 3.10 on, only an OSError on 3.9
    reply = run_job(socket.timeout("timed out"))
    assert reply.timed_out and reply.error.startswith("no answer within")
    assert not run_job(ConnectionRefusedError(111, "Connection refused")).timed_out
