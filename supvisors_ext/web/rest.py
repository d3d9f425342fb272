"""REST dispatch (docs/rest.md): a request's method, path and query -> the same XML-RPC call.

Main thread. The namespaces are the very objects supervisord's XML-RPC handler serves, called
in-process: a query answers at once; a waiting action returns supervisor's deferred callback,
which the HTTP layer steps like a deferred XML-RPC response, so nothing blocks the loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from supvisors_ext.faults import Fault, Faults, SupvisorsFaults
from supvisors_ext.host.xmlrpc import NOT_DONE_YET, RPCError
from supvisors_ext.web.routes import CONSTANTS, QUERY_DEFAULTS, ROUTES, Route, Segment

API_PREFIX = "/api"
_NOT_FOUND = frozenset(
    {Faults.UNKNOWN_METHOD, Faults.SIGNATURE_UNSUPPORTED, Faults.BAD_NAME, Faults.NO_FILE}
)
_BAD_REQUEST = frozenset(
    {Faults.INCORRECT_PARAMETERS, Faults.BAD_ARGUMENTS, Faults.BAD_SIGNAL, Faults.SUCCESS}
)
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class JsonReply:
    """An HTTP status and the value to send as JSON."""

    status: int
    body: Any
    allow: str = ""  # the Allow header of a 405


Deferred = Callable[[], Any]  # returns NOT_DONE_YET until it returns a JsonReply


def status_of_fault(code: int) -> int:
    """The HTTP status of an XML-RPC fault code: always 4xx, bad input is never a 5xx."""
    if code in _NOT_FOUND:
        return 404
    if code in _BAD_REQUEST:
        return 400
    # ALREADY_STARTED, NOT_RUNNING, BAD_SUPVISORS_STATE, SPAWN_ERROR...: the request conflicts
    # with the state of the cluster or of its configuration
    return 409


def error(status: int, code: int, message: str) -> JsonReply:
    return JsonReply(status, {"message": message, "code": int(code)})


def fault_reply(exc: RPCError | Fault) -> JsonReply:
    return error(status_of_fault(exc.code), exc.code, str(exc.text))


class BadParameter(ValueError):
    """A path or query parameter that does not convert."""


def convert_path(segment: Segment, text: str) -> object:
    """A path parameter's value: kinds as supvisorsflask's converters."""
    try:
        if segment.kind == "int":
            value = int(text)
            if value < 0:
                raise ValueError(text)
            return value
        if segment.kind == "sint":
            return int(text)
        if segment.kind == "float":
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
    except ValueError:
        raise BadParameter(
            f"path parameter {segment.text}: {text!r} is not a {segment.kind}"
        ) from None
    return text  # str and enumeration names: the XML-RPC method checks them itself


def convert_query(name: str, values: list[str]) -> object:
    if name == "wait":
        text = values[-1].strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise BadParameter(f"query parameter wait: {values[-1]!r} is not a boolean")
    return values[-1]


class RestApi:
    """The `/api` routes over a mapping of namespace name -> namespace object."""

    def __init__(self, readonly: bool = False) -> None:
        self.readonly = readonly
        self._by_length: dict[int, list[Route]] = {}
        for route in ROUTES:
            self._by_length.setdefault(len(route.segments), []).append(route)

    def handle(
        self,
        http_method: str,
        path: str,
        query: Mapping[str, list[str]],
        namespaces: Mapping[str, object],
    ) -> JsonReply | Deferred:
        """Main thread: the reply, or a deferred callback stepping to it.

        `path` is already percent-decoded; `query` maps each name to its values.
        """
        if not path.startswith(API_PREFIX + "/"):
            return error(404, Faults.UNKNOWN_METHOD, f"no REST route {path!r}")
        parts = path[len(API_PREFIX) + 1 :].split("/")
        matches = [(r, v) for r in self._by_length.get(len(parts), []) if (v := _match(r, parts))]
        chosen = [(r, v) for r, v in matches if r.http_method == http_method]
        if not matches:
            return error(404, Faults.UNKNOWN_METHOD, f"no REST route {path!r}")
        if not chosen:
            allow = ", ".join(sorted({r.http_method for r, _ in matches}))
            message = f"{http_method} is not allowed on {path!r} (allowed: {allow})"
            return JsonReply(405, {"message": message, "code": int(Faults.UNKNOWN_METHOD)}, allow)
        route, values = chosen[0]
        if self.readonly and route.http_method == "POST":
            message = "dashboard_readonly: this instance accepts no action through HTTP"
            return error(403, SupvisorsFaults.NOT_APPLICABLE, message)
        try:
            arguments = self._arguments(route, values, query)
        except BadParameter as exc:
            return error(400, Faults.INCORRECT_PARAMETERS, str(exc))
        return call(namespaces, route.namespace, route.method, arguments)

    def _arguments(
        self, route: Route, texts: dict[str, str], query: Mapping[str, list[str]]
    ) -> list[object]:
        by_name = {s.text: s for s in route.path_parameters}
        arguments: list[object] = []
        for argument in route.arguments:
            if argument in CONSTANTS:
                arguments.append(CONSTANTS[argument])
            elif argument.startswith("?"):
                name = argument[1:]
                given = query.get(name)
                arguments.append(QUERY_DEFAULTS[name] if not given else convert_query(name, given))
            else:
                arguments.append(convert_path(by_name[argument], texts[argument]))
        return arguments


def call(
    namespaces: Mapping[str, object], namespace: str, method: str, arguments: list[object]
) -> JsonReply | Deferred:
    """Call `namespace.method(*arguments)` in-process; faults become JSON errors."""
    function = getattr(namespaces.get(namespace), method, None)
    if function is None:
        message = f"{namespace}.{method} is not provided by this instance"
        return error(404, Faults.UNKNOWN_METHOD, message)
    try:
        value = function(*arguments)
    except (RPCError, Fault) as exc:
        return fault_reply(exc)
    except TypeError as exc:  # supervisor's own methods: a wrong argument list
        return error(400, Faults.INCORRECT_PARAMETERS, str(exc))
    if callable(value):
        return deferred_json(value)
    return JsonReply(200, value)


def deferred_json(callback: Callable[[], Any]) -> Deferred:
    """Wrap a supervisor deferred callback so that it steps to a JsonReply."""

    def step() -> Any:
        try:
            value = callback()
        except (RPCError, Fault) as exc:
            return fault_reply(exc)
        if value is NOT_DONE_YET:
            return NOT_DONE_YET
        return JsonReply(200, value)

    step.delay = float(getattr(callback, "delay", 0.05))  # type: ignore[attr-defined]
    return step


def _match(route: Route, parts: list[str]) -> dict[str, str] | None:
    values: dict[str, str] = {}
    for segment, part in zip(route.segments, parts):  # noqa: B905 - same length by lookup
        if segment.is_parameter:
            if not part:
                return None
            values[segment.text] = part
        elif segment.text != part:
            return None
    return values or {"": ""}
