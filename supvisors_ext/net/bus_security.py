"""ZeroMQ CURVE on the internal bus (docs/security.md); bus thread only, except `AuthRefused`.

Roles: every PUB is a CURVE *server* (it holds its instance's secret key and asks a ZAP handler
whether each subscriber's public key is trusted); every SUB is a CURVE *client* that sets the
expected public key of the peer before connecting to it, so a publisher that does not hold the
listed peer's secret key fails the handshake and can send nothing.

The ZAP handler is a REP socket bound to `inproc://zeromq.zap.01` of the bus's own context and
polled by the bus thread itself, instead of pyzmq's `ThreadAuthenticator`: that one adds a
thread running an asyncio loop and logs through Python's `logging` (not supervisord's log),
while docs/architecture.md#thread-model wants the bus thread to own its sockets and to say
everything through the inbox. Each `Bus` has its own context, hence its own ZAP endpoint.

`BusGuard` gathers these duties for the bus thread (`bus_thread.BusWorker`), and does nothing
on a plain bus, so the worker has a single code path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import zmq
from zmq.utils import z85

from supvisors_ext.keys import BusKeys

ZAP_ADDRESS = "inproc://zeromq.zap.01"  # fixed by the ZAP RFC (27/ZAP)
ZAP_DOMAIN = b"supvisors"
_ZAP_VERSION = b"1.0"
REFUSAL_PERIOD = 60.0  # seconds: at most one AuthRefused per address and cause per period


@dataclass(frozen=True, slots=True)
class AuthRefused:
    """Inbox item: a bus peer failed CURVE authentication; logged as a WARN on the main thread."""

    address: str  # tcp://host:port of a peer we subscribe to, or the IP of a subscriber
    reason: str


def local_public_key(keys: BusKeys) -> bytes:
    """Our public key as derived from the secret key (ValueError if the file's one differs)."""
    derived = zmq.curve_public(keys.secret_key)
    if derived != keys.public_key:
        raise ValueError("bus_secret_key_file: its public-key does not match its secret-key")
    return derived


def secure_publisher(sock: zmq.Socket[bytes], keys: BusKeys) -> None:
    """Make a PUB socket a CURVE server checked by the ZAP handler (before bind)."""
    sock.setsockopt(zmq.CURVE_SERVER, 1)
    sock.setsockopt(zmq.CURVE_SECRETKEY, keys.secret_key)
    sock.setsockopt(zmq.ZAP_DOMAIN, ZAP_DOMAIN)


def secure_subscriber(sock: zmq.Socket[bytes], keys: BusKeys) -> None:
    """Give a SUB socket our key pair as a CURVE client (before any connect)."""
    sock.setsockopt(zmq.CURVE_SECRETKEY, keys.secret_key)
    sock.setsockopt(zmq.CURVE_PUBLICKEY, keys.public_key)


def expect_server(sock: zmq.Socket[bytes], server_key: bytes) -> None:
    """The peer's public key for the next connect (zmq copies options at connect time)."""
    sock.setsockopt(zmq.CURVE_SERVERKEY, server_key)


class RefusalLimiter:
    """Tells whether a refusal is new enough to be reported (bus thread)."""

    MAX_ENTRIES = 1024  # beyond, expired entries are forgotten (many addresses over time)

    def __init__(self, period: float = REFUSAL_PERIOD) -> None:
        self._period = period
        self._last: dict[tuple[str, str], float] = {}

    def due(self, address: str, cause: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        last = self._last.get((address, cause))
        if last is not None and now - last < self._period:
            return False
        if len(self._last) >= self.MAX_ENTRIES:
            self._last = {k: t for k, t in self._last.items() if now - t < self._period}
        self._last[(address, cause)] = now
        return True


class ZapHandler:
    """Answers the ZAP requests of the context's CURVE servers: trusted keys only."""

    def __init__(self, context: zmq.Context[zmq.Socket[bytes]], allowed: frozenset[bytes]) -> None:
        """Bind the ZAP endpoint; must happen before the PUB socket binds."""
        self._allowed = allowed
        self.socket: zmq.Socket[bytes] = context.socket(zmq.REP)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.bind(ZAP_ADDRESS)

    def answer(self, frames: list[bytes]) -> AuthRefused | None:
        """Answer one request received on `socket`; return what to report when refused."""
        if len(frames) < 6:  # cannot happen from libzmq; answer anyway to keep REP in step
            self._reply(frames[1] if len(frames) > 1 else b"", b"400", b"Not enough frames")
            return None
        version, request_id, _domain, address, _identity, mechanism, *credentials = frames
        peer = address.decode("ascii", "replace")
        if version != _ZAP_VERSION or mechanism != b"CURVE" or len(credentials) != 1:
            self._reply(request_id, b"400", b"CURVE required")
            return AuthRefused(peer, f"bus subscriber without CURVE ({mechanism!r}) refused")
        key = z85.encode(credentials[0])
        if key in self._allowed:
            self._reply(request_id, b"200", b"OK", key)
            return None
        self._reply(request_id, b"400", b"Unknown key")
        return AuthRefused(
            peer, f"bus subscriber with unknown CURVE key {key.decode()} refused (not listed)"
        )

    def _reply(self, request_id: bytes, code: bytes, text: bytes, user: bytes = b"") -> None:
        self.socket.send_multipart([_ZAP_VERSION, request_id, code, text, user, b""])


# monitor events of a SUB that mean "this publisher is not who its public key says"
HANDSHAKE_FAILURES = (
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
    | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    | zmq.EVENT_HANDSHAKE_FAILED_AUTH
)


def describe_handshake_failure(event: int, value: int) -> str:
    """A log reason for a failed handshake with a publisher."""
    if event == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
        return f"the bus publisher refused our key (ZAP status {value})"
    return "CURVE handshake with the bus publisher failed (not the listed peer key?)"


class BusGuard:
    """The bus thread's CURVE duties; every method is a no-op on a plain bus (no keys).

    Refusals go to `report` (the bus's inbox), at most once per address and cause per period.
    """

    def __init__(
        self,
        context: zmq.Context[zmq.Socket[bytes]],
        keys: BusKeys | None,
        report: Callable[[AuthRefused], None],
    ) -> None:
        self._context = context
        self._keys = keys
        self._report = report
        self._limiter = RefusalLimiter()
        self._zap: ZapHandler | None = None

    def start(self) -> zmq.Socket[bytes] | None:
        """Check the key pair (ValueError) and bind the ZAP handler; its socket, to poll."""
        if self._keys is None:
            return None
        local_public_key(self._keys)
        # bound before PUB: a CURVE server finding no ZAP handler accepts any client
        self._zap = ZapHandler(self._context, self._keys.allowed_keys)
        return self._zap.socket

    def secure_publisher(self, pub: zmq.Socket[bytes]) -> None:
        if self._keys is not None:
            secure_publisher(pub, self._keys)

    def secure_subscriber(self, sub: zmq.Socket[bytes]) -> int:
        """Set our key pair on SUB; return the monitor events to watch besides disconnections."""
        if self._keys is None:
            return 0
        secure_subscriber(sub, self._keys)
        return HANDSHAKE_FAILURES

    def before_connect(self, sub: zmq.Socket[bytes], identifier: str, address: str) -> bool:
        """Set the peer's public key for the next connect; False (reported) when it has none."""
        if self._keys is None:
            return True
        server_key = self._keys.key_of(identifier)
        if server_key is None:
            reason = f"no public key for {identifier}: its bus is not subscribed (refused)"
            self.refuse(AuthRefused(address, reason))
            return False
        expect_server(sub, server_key)
        return True

    def authenticate(self, batch: int) -> None:
        """Answer the pending ZAP requests (a subscriber's handshake waits for the answer)."""
        if self._zap is None:
            return
        for _ in range(batch):
            try:
                frames = self._zap.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            refused = self._zap.answer(frames)
            if refused is not None:
                # limited per address whatever the key: a client cycling keys cannot flood
                self.refuse(refused, cause="zap")

    def handshake_failed(self, event: int, value: int, address: str) -> bool:
        """Report a monitor event that is a failed CURVE handshake; False for other events."""
        if not event & HANDSHAKE_FAILURES:
            return False
        self.refuse(AuthRefused(address, describe_handshake_failure(event, value)))
        return True

    def refuse(self, refused: AuthRefused, cause: str = "") -> None:
        """Report once per address and cause per period: a refused peer keeps retrying."""
        if self._limiter.due(refused.address, cause or refused.reason):
            self._report(refused)
