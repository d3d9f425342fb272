"""`/supvisors/...`: the dashboard's static files, its settings, log tails and copy actions.

Main thread. supervisord only serves files shipped in the package and small JSON documents;
the browser renders (docs/web.md). Calls to another instance go through `RemoteCalls`, and
their replies are deferred, so the loop never waits for a peer.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supvisors_ext.config import WebOptions
from supvisors_ext.faults import Fault, Faults, SupvisorsFaults
from supvisors_ext.host.xmlrpc import RPCError
from supvisors_ext.web.remote import Pending, RemoteCalls
from supvisors_ext.web.rest import JsonReply, error, fault_reply, status_of_fault

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/supvisors"
_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".json": "application/json",
}
STREAMS = ("stdout", "stderr")

# an HTTP answer: status, content type, body
Answer = tuple[int, str, bytes]


def json_answer(reply: JsonReply) -> Answer:
    return reply.status, "application/json", json.dumps(reply.body).encode()


@dataclass(frozen=True)
class Peer:
    """Where to reach an instance's XML-RPC."""

    identifier: str
    url: str


class Dashboard:
    """Answers for the dashboard paths; each method returns an Answer or a deferred poll."""

    def __init__(
        self,
        options: WebOptions,
        local_identifier: str,
        peer_of: Callable[[str], Peer | None],
        remote: RemoteCalls,
        settings: Callable[[], dict[str, Any]],
    ) -> None:
        self.options = options
        self.local_identifier = local_identifier
        self.peer_of = peer_of
        self.remote = remote
        self.settings = settings  # extra values of dashboard.json (e.g. statistics periods)

    # ----- files
    def static(self, relative: str) -> Answer:
        """A file of the package's static folder; nothing outside it is ever served."""
        target = (STATIC_DIR / (relative or "index.html")).resolve()
        if STATIC_DIR.resolve() not in target.parents or not target.is_file():
            return json_answer(error(404, Faults.NO_FILE, f"no dashboard file {relative!r}"))
        return 200, _content_type(target), target.read_bytes()

    def theme_file(self, name: str) -> Answer:
        """The configured `software_icon` (`icon`) or the n-th of `css_files` (`css/<n>`)."""
        path: str | None = None
        if name == "icon":
            path = self.options.software_icon
        elif name.startswith("css/") and name[4:].isdigit():
            index = int(name[4:])
            path = self.options.css_files[index] if index < len(self.options.css_files) else None
        if path is None or not Path(path).is_file():
            return json_answer(error(404, Faults.NO_FILE, f"no theme file {name!r}"))
        return 200, _content_type(Path(path)), Path(path).read_bytes()

    def config_document(self) -> Answer:
        options = self.options
        document = {
            "software_name": options.software_name,
            "software_icon": "theme/icon" if options.software_icon else "",
            "css_files": [f"theme/css/{n}" for n in range(len(options.css_files))],
            "tail_limit": options.tail_limit,
            "tailf_limit": options.tailf_limit,
            "readonly": options.dashboard_readonly,
            "identifier": self.local_identifier,
        }
        document.update(self.settings())
        return json_answer(JsonReply(200, document))

    # ----- log tail
    def tail(self, query: Mapping[str, list[str]], namespaces: Mapping[str, object]) -> Any:
        """`tail?namespec=&identifier=&stream=stdout&offset=`: supervisor's tail of that log."""
        namespec, identifier = _one(query, "namespec"), _one(query, "identifier")
        stream = _one(query, "stream") or "stdout"
        offset_text = _one(query, "offset") or "0"
        if not namespec or stream not in STREAMS or not offset_text.lstrip("-").isdigit():
            message = "tail needs namespec, stream (stdout or stderr) and an integer offset"
            return json_answer(error(400, Faults.INCORRECT_PARAMETERS, message))
        offset = max(0, int(offset_text))
        method = f"tailProcess{stream.capitalize()}Log"
        arguments = (namespec, offset, self.options.tail_limit)
        return self.call_on(
            identifier or self.local_identifier, method, arguments, namespaces, _tail_body
        )

    # ----- statistics of any instance (each instance compiles its own)
    def host_statistics(
        self, query: Mapping[str, list[str]], namespaces: Mapping[str, object]
    ) -> Any:
        """`stats?identifier=&period=`: `get_host_statistics` asked of that instance."""
        identifier, period_text = _one(query, "identifier"), _one(query, "period") or "0"
        try:
            period = float(period_text)
        except ValueError:
            message = f"stats: period {period_text!r} is not a number"
            return json_answer(error(400, Faults.INCORRECT_PARAMETERS, message))
        target = identifier or self.local_identifier
        arguments = (target, period)
        return self.call_on(
            target, "get_host_statistics", arguments, namespaces, lambda v: v, "supvisors"
        )

    # ----- copies of a conflict
    def stop_copies(
        self, identifiers: list[str], namespec: str, namespaces: Mapping[str, object]
    ) -> Any:
        """Stop `namespec` on each of `identifiers` (no wait); one deferred answer for all."""
        polls = [
            self.call_on(identifier, "stopProcess", (namespec, False), namespaces, lambda v: v)
            for identifier in identifiers
        ]
        results: list[Answer | None] = [p if isinstance(p, tuple) else None for p in polls]

        def poll() -> Answer | None:
            for index, item in enumerate(polls):
                if results[index] is None and callable(item):
                    results[index] = item()
            if any(result is None for result in results):
                return None
            failed = [r for r in results if r is not None and r[0] != 200]
            if failed:
                return failed[0]
            return json_answer(JsonReply(200, {"stopped": identifiers}))

        return poll

    # ----- in-process or remote supervisor call
    def call_on(
        self,
        identifier: str,
        method: str,
        arguments: tuple[Any, ...],
        namespaces: Mapping[str, object],
        shape: Callable[[Any], Any],
        namespace: str = "supervisor",
    ) -> Any:
        """`<namespace>.<method>(*arguments)` on an instance: an Answer, or a deferred poll."""
        if identifier == self.local_identifier:
            try:
                value = getattr(namespaces[namespace], method)(*arguments)
            except (RPCError, Fault) as exc:
                return json_answer(fault_reply(exc))
            if callable(value):  # never for wait=False calls; kept for safety
                return json_answer(error(409, SupvisorsFaults.NOT_APPLICABLE, "unexpected wait"))
            return json_answer(JsonReply(200, shape(value)))
        peer = self.peer_of(identifier)
        if peer is None:
            return json_answer(error(404, Faults.BAD_NAME, f"no instance {identifier!r}"))
        pending = self.remote.submit(
            peer.url, lambda proxy: getattr(getattr(proxy, namespace), method)(*arguments)
        )
        if pending is None:
            return json_answer(
                error(429, Faults.FAILED, "too many calls to other instances pending")
            )
        return lambda: _outcome(pending, shape)


def _outcome(pending: Pending, shape: Callable[[Any], Any]) -> Answer | None:
    if not pending.done:
        return None
    if pending.fault is not None:
        fault = pending.fault
        return json_answer(
            error(status_of_fault(fault.faultCode), fault.faultCode, fault.faultString)
        )
    if pending.error:
        return json_answer(
            error(502, Faults.FAILED, f"{pending.url.split('@')[-1]}: {pending.error}")
        )
    return json_answer(JsonReply(200, shape(pending.value)))


def _tail_body(value: Any) -> dict[str, Any]:
    text, offset, overflow = value
    return {"text": text, "offset": offset, "overflow": bool(overflow)}


def _one(query: Mapping[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return values[-1]


def _content_type(path: Path) -> str:
    kind = (
        _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("json") else kind
