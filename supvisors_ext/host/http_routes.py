"""Our HTTP routes on supervisord's own HTTP servers (docs/events.md, docs/metrics.md).

supervisord builds its servers in `supervisor/http.py` `make_http_servers` and keeps them in
`supervisord.options.httpservers` as `(config, server)` pairs. `HttpRouter.install` puts ONE
handler object on every server, wrapped in supervisor's own `supervisor_auth_handler` when the
server has a username: same port, same credentials, same 401 as XML-RPC. Supervisor's handlers
and views are left untouched; ours is consulted first and only claims its own prefixes.

Routing API (main thread only, like everything touching supervisord)::

    router = HttpRouter(logger)
    router.add("/supvisors/events", handler)   # longest matching prefix wins
    router.install(supervisord.options)         # at SupervisorRunningEvent (servers exist then)
    router.uninstall()                           # at SupervisorStoppingEvent

    def handler(request: Request) -> None:       # must answer exactly once, never block
        request.reply_json(200, {"a": 1})         # or request.reply(status, body, content_type)
        stream = request.stream("text/event-stream")   # or a streaming response...
        stream.push(b"data: ...\\n\\n")           # ...fed later, from the main thread
        request.defer(poll, delay=0.05)          # or a deferred answer: poll() returns None
                                                 # until it returns (status, content_type, body)

`Request` exposes `method`, `path`, `query` (dict of lists), `header(name)`, `body` (bytes, POST
and PUT bodies are collected before the handler runs) and `auth_user`. A handler exception is
logged and answered 500; it never reaches supervisord.

Streams never block the loop: `Stream.push` appends to a per-client queue bounded in bytes; a
client that does not read fast enough overflows it and is dropped (its queue freed, its
connection closed once what is buffered is flushed, one log line). `Stream.closed` tells a
publisher to forget it. The body is close-delimited
(`Connection: close`, no chunking). Data reaches the socket at the next loop pass: `push` clears the
channel's deferred-poll delay so supervisord's poller asks for writability at once.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, unquote

from supervisor.http import NOT_DONE_YET, supervisor_auth_handler
from supervisor.medusa import producers

from supvisors_ext.host.log import PluginLogger

Handler = Callable[["Request"], None]
DeferredPoll = Callable[[], "tuple[int, str, bytes] | None"]

STREAM_LIMIT = 1 << 20  # bytes queued per streaming client before it is dropped
STREAM_POLL_DELAY = 1.0  # seconds between idle polls of a stream producer by supervisord


class Request:
    """One HTTP request as a route handler sees it (a thin face over medusa's request)."""

    def __init__(self, raw: Any, body: bytes, logger: PluginLogger) -> None:
        self.raw = raw
        self.body = body
        self.logger = logger
        path, _params, query, _fragment = raw.split_uri()
        self.method: str = raw.command.upper()
        self.path: str = unquote(path)
        self.query: dict[str, list[str]] = parse_qs((query or "").lstrip("?"))
        auth = getattr(raw, "auth_info", None)
        self.auth_user: str = auth[0] if auth else ""

    def header(self, name: str) -> str:
        return self.raw.get_header(name) or ""

    def reply(self, status: int, body: bytes, content_type: str) -> None:
        raw = self.raw
        raw.reply_code = status
        raw["Content-Type"] = content_type
        raw["Content-Length"] = len(body)
        raw.push(body)
        raw.done()

    def reply_json(self, status: int, value: object) -> None:
        body = json.dumps(value, separators=(",", ":")).encode()
        self.reply(status, body, "application/json")

    def stream(self, content_type: str, limit: int = STREAM_LIMIT) -> Stream:
        """Start an open-ended response (chunked in HTTP/1.1) fed through `Stream.push`."""
        raw = self.raw
        raw["Content-Type"] = content_type
        raw["Cache-Control"] = "no-cache"
        raw["X-Accel-Buffering"] = "no"  # reverse proxies: do not buffer the stream
        # close-delimited body, no chunking: supervisor's `done()` would glob a stream of an
        # HTTP/1.0 client into 64 KiB pieces, so the header and the stream are pushed here
        raw["Connection"] = "close"
        stream = Stream(raw, limit, self.logger)
        channel = raw.channel
        channel.push_with_producer(producers.simple_producer(raw.build_reply_header()))
        channel.push_with_producer(stream)
        channel.current_request = None
        return stream

    def defer(self, poll: DeferredPoll, delay: float = 0.05) -> None:
        """Answer later: supervisord calls `poll` every `delay` s until it returns a reply."""
        self.raw.channel.push_with_producer(DeferredReply(self.raw, poll, delay, self.logger))


class Stream:
    """medusa producer of a streaming response, fed on the main thread (bounded queue)."""

    def __init__(self, raw: Any, limit: int, logger: PluginLogger) -> None:
        self.raw = raw
        self.limit = limit
        self.logger = logger
        self.delay = STREAM_POLL_DELAY
        self.queue: deque[bytes] = deque()
        self.queued = 0
        self.ended = False
        self.dropped = False

    @property
    def closed(self) -> bool:
        """Ended by us, dropped, or the peer went away."""
        if self.ended:
            return True
        sock = getattr(self.raw.channel, "socket", None)
        return sock is None or sock.fileno() < 0

    def push(self, data: bytes) -> bool:
        """Queue data for the client; False (and the client dropped) when over the limit."""
        if self.closed:
            return False
        if self.queued + len(data) > self.limit:
            self.drop(f"more than {self.limit} bytes pending")
            return False
        self.queue.append(data)
        self.queued += len(data)
        self.raw.channel.delay = 0  # poll the socket for writing at the next loop pass
        return True

    def drop(self, reason: str) -> None:
        self.queue.clear()
        self.queued = 0
        if not self.dropped:
            self.dropped = True
            self.logger.warn(f"HTTP stream {self.raw.uri} dropped: {reason}")
        self.end()

    def end(self) -> None:
        """Finish the response; the connection closes once its buffer is flushed."""
        if not self.ended:
            self.ended = True
            self.raw.channel.delay = 0
            try:
                self.raw.channel.close_when_done()
            except Exception:  # noqa: BLE001 - a vanished channel has nothing to flush
                pass

    def more(self) -> bytes | type[NOT_DONE_YET]:
        if self.queue:
            data = b"".join(self.queue)
            self.queue.clear()
            self.queued = 0
            return data
        return b"" if self.ended else NOT_DONE_YET


class DeferredReply:
    """medusa producer polling `poll` until it gives the reply (like supervisor's deferred
    XML-RPC responses, `supervisor/xmlrpc.py` `DeferredXMLRPCResponse`)."""

    def __init__(self, raw: Any, poll: DeferredPoll, delay: float, logger: PluginLogger) -> None:
        self.raw = raw
        self.poll = poll
        self.delay = delay
        self.logger = logger
        self.finished = False

    def more(self) -> bytes | type[NOT_DONE_YET]:
        if self.finished:
            return b""
        try:
            result = self.poll()
        except Exception as exc:  # noqa: BLE001 - never into supervisord
            self.logger.error(f"HTTP {self.raw.uri}: deferred reply failed: {exc!r}")
            result = (500, "application/json", b'{"message":"internal error","code":500}')
        if result is None:
            return NOT_DONE_YET
        self.finished = True
        status, content_type, body = result
        raw = self.raw
        raw.reply_code = status
        raw["Content-Type"] = content_type
        raw["Content-Length"] = len(body)
        raw.push(body)
        header = producers.simple_producer(raw.build_reply_header())
        raw.outgoing.insert(0, header)
        # globbed into one piece, as `supervisor/xmlrpc.py` `DeferredXMLRPCResponse` does: this
        # push re-enters the channel's refill_buffer, whose outer pass then pops the producer
        # at the head of the queue; unglobbed, only the header would have been sent by then
        whole = producers.globbing_producer(producers.composite_producer(raw.outgoing))
        raw.channel.push_with_producer(whole)
        raw.channel.current_request = None
        return b""


class BodyCollector:
    """Gathers a POST/PUT body announced by Content-Length, then runs the route."""

    def __init__(self, raw: Any, on_body: Callable[[bytes], None]) -> None:
        self.raw = raw
        self.on_body = on_body
        self.data: list[bytes] = []
        raw.channel.set_terminator(int(raw.get_header("content-length")))

    def collect_incoming_data(self, data: bytes) -> None:
        self.data.append(data)

    def found_terminator(self) -> None:
        self.raw.channel.set_terminator(b"\r\n\r\n")
        self.on_body(b"".join(self.data))


class HttpRouter:
    """medusa handler dispatching our path prefixes to route handlers (main thread)."""

    IDENT = "supvisors_ext HTTP routes"

    def __init__(self, logger: PluginLogger) -> None:
        self.logger = logger
        self.routes: dict[str, Handler] = {}
        self.installed: list[tuple[Any, Any]] = []  # (server, installed handler)

    def add(self, prefix: str, handler: Handler) -> None:
        self.routes[prefix] = handler

    def route_for(self, path: str) -> Handler | None:
        best = ""
        for prefix in self.routes:
            if path.startswith(prefix) and len(prefix) > len(best):
                best = prefix
        return self.routes.get(best) if best else None

    # ----- medusa handler protocol
    def match(self, raw: Any) -> bool:
        path = raw.split_uri()[0]
        return self.route_for(unquote(path)) is not None

    def handle_request(self, raw: Any) -> None:
        if raw.command.upper() in ("POST", "PUT"):
            length = (raw.get_header("content-length") or "0").strip()
            if not length.isdigit():
                raw.error(400)
                return
            if int(length) == 0:
                # no body: asynchat would wait forever for a 0-byte terminator
                self.dispatch(raw, b"")
                return
            raw.collector = BodyCollector(raw, lambda body: self.dispatch(raw, body))
            return
        self.dispatch(raw, b"")

    def dispatch(self, raw: Any, body: bytes) -> None:
        try:
            request = Request(raw, body, self.logger)
            handler = self.route_for(request.path)
            if handler is None:
                request.reply_json(404, {"message": f"no route for {request.path}", "code": 404})
                return
            handler(request)
        except Exception as exc:  # noqa: BLE001 - an exception never escapes into supervisord
            self.logger.error(f"HTTP {raw.command} {raw.uri}: internal error {exc!r}")
            try:
                raw.error(500)
            except Exception:  # noqa: BLE001 - the reply may already be under way
                pass

    # ----- installation on supervisord's servers
    def install(self, options: Any) -> int:
        """Put this router first on every supervisord HTTP server; return how many."""
        for config, server in getattr(options, "httpservers", ()):
            handler: Any = self
            username = config.get("username")
            if username:
                users = {username: config.get("password")}
                handler = supervisor_auth_handler(users, self)
            server.install_handler(handler)
            self.installed.append((server, handler))
        return len(self.installed)

    def uninstall(self) -> None:
        for server, handler in self.installed:
            if handler in server.handlers:
                server.remove_handler(handler)
        self.installed.clear()
