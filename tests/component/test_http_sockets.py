"""TCP_NODELAY on supervisord's listeners reaches the connections they accept (keep-alive fix)."""

from __future__ import annotations

import socket
from types import SimpleNamespace

from supvisors_ext.host.http_sockets import enable_nodelay


def nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_accepted_connections_inherit_nodelay(tmp_path):
    listener = socket.socket()
    unix_listener = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        unix_listener.bind(str(tmp_path / "sock"))
        options = SimpleNamespace(
            httpservers=[
                ({}, SimpleNamespace(socket=listener)),
                ({}, SimpleNamespace(socket=unix_listener)),  # skipped: no Nagle on unix sockets
                ({}, SimpleNamespace()),  # a server without a socket is skipped too
            ]
        )
        assert enable_nodelay(options) == 1
        with socket.create_connection(listener.getsockname(), timeout=5):
            accepted, _ = listener.accept()
            with accepted:
                assert nodelay(accepted) != 0
    finally:
        listener.close()
        unix_listener.close()


def test_no_http_servers_is_harmless():
    assert enable_nodelay(SimpleNamespace()) == 0
