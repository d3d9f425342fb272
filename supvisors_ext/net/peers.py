"""Outgoing XML-RPC calls to peers: one worker thread and one ordered queue per peer.

The main thread never blocks on a peer (docs/architecture.md#thread-model): it queues a
`PeerRequest`, the worker
performs the calls with a timeout and puts a `PeerReply` in the inbox, which wakes the main loop.
Workers never touch the model or the logger.

When `[inet_http_server]` sets `username`/`password`, every call carries them (docs/security.md:
all instances share one pair). A peer answering HTTP 401 gives a reply with `http_status` 401,
which `PeerSync` reports; no error text ever contains the password.
"""

from __future__ import annotations

import http.client
import queue
import socket
import threading
import urllib.parse
import xmlrpc.client
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from supvisors_ext.compat import SLOTS
from supvisors_ext.faults import Fault
from supvisors_ext.host.thread_names import name_os_thread

CALL_TIMEOUT = 10.0  # docs/design/state-machine.md: a call taking longer marks the peer FAILED
UNAUTHORIZED = 401


@dataclass(frozen=True, **SLOTS)
class Credentials:
    """HTTP basic credentials for calls to peers (the local `[inet_http_server]` pair)."""

    username: str
    password: str = field(repr=False)

    def url(self, url: str) -> str:
        """`url` with the credentials, percent-encoded (xmlrpc.client decodes them)."""
        scheme, _, rest = url.partition("://")
        user = urllib.parse.quote(self.username, safe="")
        password = urllib.parse.quote(self.password, safe="")
        return f"{scheme}://{user}:{password}@{rest}"


def http_credentials(
    server_configs: Sequence[Mapping[str, object]],
) -> tuple[Credentials | None, str]:
    """The `[inet_http_server]` username/password (None if unset) and a problem to log, if any.

    supervisor accepts a `{SHA}<hex>` password, which can check a caller but cannot be sent.
    """
    for config in server_configs:
        if config.get("family") != socket.AF_INET:
            continue
        username, password = config.get("username"), config.get("password")
        if not isinstance(username, str) or not username:
            return None, ""
        text = password if isinstance(password, str) else ""
        if text.startswith("{SHA}"):
            return None, (
                "[inet_http_server] password is a {SHA} digest: it cannot be sent to peers, so"
                " their calls will be refused (use a plain password, see docs/security.md)"
            )
        return Credentials(username, text), ""
    return None, ""


class TimeoutTransport(xmlrpc.client.Transport):
    """A transport whose connections time out instead of hanging on a frozen peer."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


def make_proxy(
    url: str, timeout: float = CALL_TIMEOUT, credentials: Credentials | None = None
) -> xmlrpc.client.ServerProxy:
    if credentials is not None:
        url = credentials.url(url)
    return xmlrpc.client.ServerProxy(url, transport=TimeoutTransport(timeout), allow_none=False)


# a job run on the worker thread with a proxy; returns any value (immutable preferred)
PeerJob = Callable[[xmlrpc.client.ServerProxy], object]


@dataclass(frozen=True, **SLOTS)
class PeerRequest:
    token: int
    what: str  # for logs: e.g. "handshake", "supervisor.stopProcess(app:x)"
    job: PeerJob


@dataclass(frozen=True, **SLOTS)
class PeerReply:
    """The outcome of a request, made on the worker thread and handled on the main thread."""

    identifier: str
    token: int
    what: str
    value: object = None
    fault: Fault | None = None  # the peer answered with a fault
    error: str = ""  # the call itself failed (connection, timeout, protocol)
    http_status: int = 0  # the HTTP error status when the call failed with one (401...)
    timed_out: bool = False  # no answer within the call timeout (the peer is then FAILED)

    @property
    def ok(self) -> bool:
        return self.fault is None and not self.error


def call(method: str, *args: object) -> PeerJob:
    """A job calling one `namespace.method(*args)` on the peer."""

    def job(proxy: xmlrpc.client.ServerProxy) -> object:
        namespace, name = method.split(".")
        return getattr(getattr(proxy, namespace), name)(*args)

    return job


@dataclass(**SLOTS)
class PeerCaller:
    """Worker thread serving one peer's queue in order."""

    identifier: str
    url: str
    put_reply: Callable[[PeerReply], None]
    timeout: float = CALL_TIMEOUT
    credentials: Credentials | None = None
    _queue: queue.Queue[PeerRequest | None] = field(default_factory=queue.Queue)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"supvisors-peer-{self.identifier}", daemon=False
        )
        self._thread.start()

    def submit(self, request: PeerRequest) -> None:
        """Main thread: queue a request; its reply comes through the inbox."""
        self._queue.put(request)

    def request_stop(self) -> None:
        self._queue.put(None)

    def stop(self, timeout: float) -> bool:
        """Ask the worker to end after its current call; True when it has."""
        self.request_stop()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        name_os_thread()
        while True:
            request = self._queue.get()
            if request is None:
                return
            self.put_reply(self._execute(request))

    def _execute(self, request: PeerRequest) -> PeerReply:
        proxy = make_proxy(self.url, self.timeout, self.credentials)
        reply = PeerReply(self.identifier, request.token, request.what)
        try:
            with proxy:
                value = request.job(proxy)
            return PeerReply(self.identifier, request.token, request.what, value=value)
        except xmlrpc.client.Fault as exc:
            fault = Fault(int(exc.faultCode), str(exc.faultString))
            return PeerReply(reply.identifier, reply.token, reply.what, fault=fault)
        except xmlrpc.client.ProtocolError as exc:
            # never str(exc): its URL holds the credentials
            error = f"HTTP {exc.errcode} {exc.errmsg}"
            if exc.errcode == UNAUTHORIZED:
                error += ": the peer refused our [inet_http_server] username/password"
            return PeerReply(
                reply.identifier, reply.token, reply.what, error=error, http_status=exc.errcode
            )
        except (TimeoutError, socket.timeout) as exc:
            # socket.timeout is TimeoutError from 3.10 on, only an OSError before
            return PeerReply(
                reply.identifier, reply.token, reply.what, error=_describe(exc), timed_out=True
            )
        except (OSError, xmlrpc.client.Error, http.client.HTTPException) as exc:
            return PeerReply(reply.identifier, reply.token, reply.what, error=_describe(exc))
        except Exception as exc:  # noqa: BLE001 - a worker must always report back
            return PeerReply(reply.identifier, reply.token, reply.what, error=repr(exc))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"no answer within {CALL_TIMEOUT:g} s"
    return f"{type(exc).__name__}: {exc}"


class PeerCallers:
    """The set of per-peer workers (main thread owns it)."""

    def __init__(
        self, put_reply: Callable[[PeerReply], None], credentials: Credentials | None = None
    ) -> None:
        self.put_reply = put_reply
        self.credentials = credentials
        self.callers: dict[str, PeerCaller] = {}
        self._token = 0

    def add(self, identifier: str, url: str) -> None:
        if identifier not in self.callers:
            caller = PeerCaller(identifier, url, self.put_reply, credentials=self.credentials)
            caller.start()
            self.callers[identifier] = caller

    def submit(self, identifier: str, what: str, job: PeerJob) -> int:
        """Queue a job for a peer; return its token (0 if the peer is unknown)."""
        caller = self.callers.get(identifier)
        if caller is None:
            return 0
        self._token += 1
        caller.submit(PeerRequest(self._token, what, job))
        return self._token

    def stop(self, timeout: float = 2.0) -> list[str]:
        """Stop every worker; return the identifiers whose worker did not end in time."""
        for caller in self.callers.values():
            caller.request_stop()  # all at once, so the joins below overlap
        stuck = [
            identifier for identifier, caller in self.callers.items() if not caller.stop(timeout)
        ]
        self.callers.clear()
        return stuck
