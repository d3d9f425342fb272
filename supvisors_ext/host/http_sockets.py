"""TCP_NODELAY on supervisord's listening HTTP sockets (docs/architecture.md, "Keep-alive").

supervisord's HTTP server writes a response in several small sends. With Nagle's algorithm on,
the last small segment waits for the ACK of the previous one, and a keep-alive client (Python's
`xmlrpc.client`, our own peer workers) delays that ACK by about 40 ms: every call after the
first on a connection then takes ~44 ms instead of ~1 ms. Linux copies TCP_NODELAY from a
listening socket to the sockets it accepts, so setting it once on the listeners fixes every
later connection without touching supervisor's code. Main thread only.
"""

from __future__ import annotations

import socket
from typing import Any

INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)


def enable_nodelay(options: Any) -> int:
    """Set TCP_NODELAY on every inet listening socket of supervisord; return how many."""
    count = 0
    for _config, server in getattr(options, "httpservers", ()):
        listener = getattr(server, "socket", None)
        if listener is None or listener.family not in INET_FAMILIES:
            continue  # a unix socket has no Nagle
        try:
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            continue  # a closed or odd socket: keep supervisor's default
        count += 1
    return count
