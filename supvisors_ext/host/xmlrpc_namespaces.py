"""The XML-RPC namespaces a supervisord HTTP server serves, for in-process calls (docs/rest.md).

`supervisor/http.py` `make_http_servers` gives every server its own `supervisor_xmlrpc_handler`
whose `rpcinterface` (`supervisor/xmlrpc.py` `RootRPCInterface`) holds the namespaces by name
(`supervisor`, `system`, `supvisors`, ...). The REST layer calls those very objects, so a REST
call behaves exactly as the XML-RPC call on the same server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from supervisor.xmlrpc import supervisor_xmlrpc_handler


def namespaces_of(server: Any) -> Mapping[str, object]:
    """Namespace name -> object of the XML-RPC handler installed on `server` ({} if none)."""
    for handler in getattr(server, "handlers", ()):
        inner = getattr(handler, "handler", handler)  # supervisor_auth_handler wraps it
        if isinstance(inner, supervisor_xmlrpc_handler):
            return dict(vars(inner.rpcinterface))
    return {}


def server_of(raw_request: Any) -> Any:
    """The medusa server that received a request."""
    return raw_request.channel.server
