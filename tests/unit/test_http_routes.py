"""`host/http_routes.py` over stand-ins of medusa's request and channel (no socket)."""

from __future__ import annotations

from typing import Any

from supervisor.http import NOT_DONE_YET

from supvisors_ext.host.http_routes import HttpRouter, Request, Stream


class Logger:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def warn(self, text: str) -> None:
        self.lines.append(text)

    error = info = warn


class Socket:
    def __init__(self) -> None:
        self.open = True

    def fileno(self) -> int:
        return 5 if self.open else -1


class Channel:
    def __init__(self) -> None:
        self.socket = Socket()
        self.delay = 1.0
        self.pushed: list[Any] = []
        self.closing = False
        self.current_request: Any = object()

    def push_with_producer(self, producer: Any) -> None:
        self.pushed.append(producer)

    def close_when_done(self) -> None:
        self.closing = True


class Raw:
    def __init__(self, uri: str, command: str = "GET") -> None:
        self.uri = uri
        self.command = command
        self.channel = Channel()
        self.headers: dict[str, Any] = {}
        self.reply_code = 200
        self.body: list[bytes] = []
        self.done_called = False
        self.errors: list[int] = []

    def split_uri(self) -> tuple[str, str, str, str]:
        path, _, query = self.uri.partition("?")
        return path, "", f"?{query}" if query else "", ""

    def __setitem__(self, key: str, value: Any) -> None:
        self.headers[key] = value

    def get_header(self, name: str) -> str:
        return ""

    def push(self, data: bytes) -> None:
        self.body.append(data)

    def done(self) -> None:
        self.done_called = True

    def error(self, code: int) -> None:
        self.errors.append(code)

    def build_reply_header(self) -> bytes:
        return b"HTTP/1.1 200 OK\r\n\r\n"


def test_routes_longest_prefix_and_404_json() -> None:
    router = HttpRouter(Logger())  # type: ignore[arg-type]
    seen: list[str] = []
    router.add("/supvisors/", lambda request: seen.append("short"))
    router.add("/supvisors/events", lambda request: seen.append(request.query["topics"][0]))
    assert router.match(Raw("/supvisors/events?topics=process"))
    assert not router.match(Raw("/RPC2"))
    router.handle_request(Raw("/supvisors/events?topics=process"))
    router.handle_request(Raw("/supvisors/other"))
    assert seen == ["process", "short"]


def test_a_handler_exception_is_a_500_not_a_crash() -> None:
    logger = Logger()
    router = HttpRouter(logger)  # type: ignore[arg-type]

    def broken(request: Request) -> None:
        raise RuntimeError("bug")

    router.add("/x", broken)
    raw = Raw("/x")
    router.handle_request(raw)
    assert raw.errors == [500] and "internal error" in logger.lines[0]


def test_reply_json() -> None:
    raw = Raw("/x")
    Request(raw, b"", Logger()).reply_json(404, {"message": "no"})  # type: ignore[arg-type]
    assert raw.reply_code == 404 and raw.headers["Content-Type"] == "application/json"
    assert raw.body == [b'{"message":"no"}'] and raw.done_called


def test_stream_is_bounded_and_drops_a_slow_client() -> None:
    logger = Logger()
    raw = Raw("/supvisors/events")
    stream = Request(raw, b"", logger).stream("text/event-stream", limit=10)  # type: ignore[arg-type]
    assert isinstance(stream, Stream) and raw.channel.pushed[-1] is stream
    assert stream.more() is NOT_DONE_YET
    assert stream.push(b"12345") and raw.channel.delay == 0
    assert stream.more() == b"12345"
    assert stream.push(b"123456") and not stream.push(b"123456")  # 12 bytes > 10
    assert stream.closed and stream.dropped and raw.channel.closing
    assert stream.more() == b"" and len(logger.lines) == 1
    assert not stream.push(b"x")  # dropped: nothing queued any more


def test_a_vanished_peer_closes_the_stream() -> None:
    raw = Raw("/supvisors/events")
    stream = Request(raw, b"", Logger()).stream("text/event-stream")  # type: ignore[arg-type]
    raw.channel.socket.open = False
    assert stream.closed and not stream.push(b"data")


def test_deferred_reply_polls_until_ready() -> None:
    raw = Raw("/api/x")
    answers = [None, (200, "application/json", b"{}")]
    Request(raw, b"", Logger()).defer(lambda: answers.pop(0))  # type: ignore[arg-type]
    producer = raw.channel.pushed[-1]
    assert producer.more() is NOT_DONE_YET
    raw.outgoing = []  # medusa's request keeps its outgoing producers here
    assert producer.more() == b""
    assert raw.reply_code == 200 and raw.channel.current_request is None
