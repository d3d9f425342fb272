"""`/api/openapi.json`: an OpenAPI 3 description built from the route table (docs/rest.md); pure.

Summaries come from the XML-RPC docstrings (their first line), so the description says what
`system.methodHelp` says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from supvisors_ext.web.routes import QUERY_DEFAULTS, ROUTES, Route

_SCHEMAS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer", "minimum": 0},
    "sint": {"type": "integer"},
    "float": {"type": "number"},
    "strategy": {"type": "string", "description": "a starting strategy name"},
    "conciliation": {"type": "string", "description": "a conciliation strategy name"},
    "loglevel": {"type": "string", "description": "a logger level name"},
}
_QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "wait": {"type": "boolean", "default": QUERY_DEFAULTS["wait"]},
    "extra_args": {"type": "string", "default": QUERY_DEFAULTS["extra_args"]},
}
_ERROR = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "code": {"type": "integer"}},
    "required": ["message", "code"],
}
_ERRORS = {
    "400": "bad parameter",
    "401": "missing or wrong credentials",
    "403": "dashboard_readonly: actions refused",
    "404": "unknown name or route",
    "405": "wrong HTTP method",
    "409": "refused in the current state (ALREADY_STARTED, NOT_RUNNING, BAD_SUPVISORS_STATE...)",
}

Describe = Callable[[str, str], str]  # (namespace, method) -> docstring or ""


def _operation(route: Route, describe: Describe) -> dict[str, Any]:
    doc = describe(route.namespace, route.method).strip()
    summary = doc.splitlines()[0] if doc else f"{route.namespace}.{route.method}"
    parameters: list[dict[str, Any]] = [
        {"name": s.text, "in": "path", "required": True, "schema": _SCHEMAS[s.kind]}
        for s in route.path_parameters
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": _QUERY_SCHEMAS[name]}
        for name in route.query_parameters
    ]
    responses: dict[str, Any] = {
        "200": {
            "description": f"the result of XML-RPC {route.namespace}.{route.method}",
            "content": {"application/json": {"schema": {}}},
        }
    }
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status, text in _ERRORS.items():
        responses[status] = {"description": text, "content": error_content}
    return {
        "operationId": f"{route.http_method.lower()}_{route.namespace}_{route.segments[1].text}"
        + "".join(f"_{s.text}" for s in route.path_parameters),
        "tags": [route.namespace],
        "summary": summary,
        "description": doc,
        "parameters": parameters,
        "responses": responses,
    }


def openapi_document(version: str, describe: Describe) -> dict[str, Any]:
    """The whole OpenAPI 3.0 document of the `/api` routes."""
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.http_method.lower()] = _operation(route, describe)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "supvisors_ext REST API",
            "version": version,
            "description": "The XML-RPC methods of supervisord and Supvisors as JSON over HTTP;"
            " same credentials as XML-RPC.",
        },
        "servers": [{"url": "/api"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        },
        "security": [{"basic": []}],
    }


def docstring_lookup(namespaces: Mapping[str, object]) -> Describe:
    """A `Describe` reading the docstrings of the namespace objects."""

    def describe(namespace: str, method: str) -> str:
        function = getattr(namespaces.get(namespace), method, None)
        return (getattr(function, "__doc__", None) or "") if function is not None else ""

    return describe
