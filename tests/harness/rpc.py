"""XML-RPC clients that never hang: a socket timeout on every call, one connection per call."""

from __future__ import annotations

import http.client
import xmlrpc.client
from collections.abc import Callable
from typing import Any

DEFAULT_RPC_TIMEOUT = 10.0


class TimeoutTransport(xmlrpc.client.Transport):
    """HTTP transport with a socket timeout and ``Connection: close``.

    Closing after each call means a proxy never reuses a socket to a supervisord that was
    killed or restarted meanwhile, and never leaves an open socket behind (a ResourceWarning,
    hence an error under ``filterwarnings = error``).
    """

    def __init__(self, timeout: float = DEFAULT_RPC_TIMEOUT) -> None:
        super().__init__(headers=[("Connection", "close")])
        self.timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


def make_proxy(url: str, timeout: float = DEFAULT_RPC_TIMEOUT) -> xmlrpc.client.ServerProxy:
    """Return a fresh ServerProxy on ``url`` (``http://host:port``); use it in a ``with``."""
    return xmlrpc.client.ServerProxy(url + "/RPC2", transport=TimeoutTransport(timeout))


class RpcNamespace:
    """``ns.method(*args)`` opens a fresh proxy, calls ``<name>.method`` and closes it."""

    def __init__(self, factory: Callable[[], xmlrpc.client.ServerProxy], name: str) -> None:
        self._factory = factory
        self._name = name

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)
        full_name = f"{self._name}.{method}"

        def call(*args: Any) -> Any:
            with self._factory() as proxy:
                return getattr(proxy, full_name)(*args)

        call.__name__ = full_name
        return call

    def __repr__(self) -> str:
        return f"RpcNamespace({self._name!r})"
