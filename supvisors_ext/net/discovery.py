"""Discovery mode (docs/configuration.md#discovery-mode): the multicast heartbeat thread.

Thread and ownership (docs/architecture.md#thread-model): the **discovery thread**
(`supvisors-discovery`) creates,
uses and closes one UDP socket, bound to the multicast group and port and joined to the group
on `multicast_interface`. Every `period` it sends this instance's beacon to the group; between
sends it reads the beacons of the others. It never logs and never touches supervisord or the
model: a valid beacon becomes a `Discovered` item, a malformed datagram a `DiscoveryDropped`
item, a socket failure a `DiscoveryFailure` item, all put on the inbox (which wakes the main
loop). `PeerSync` adds the unknown instances to the context on the main thread.

The thread reports a beacon only when it is new or changed, or again after `REPORT_PERIOD`
(the main thread may have refused it, e.g. a nick clash, and is asked again later): the
heartbeats of known peers must not wake supervisord's loop several times per tick.
Drops are reported at most once per source address per `DROP_REPORT_PERIOD`.

Shared objects: the inbox (put is thread-safe) and a stop `threading.Event`. The socket is
created in `start()`'s thread target, after supervisord's fork.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from supvisors_ext.compat import SLOTS
from supvisors_ext.config import Multicast
from supvisors_ext.host.thread_names import name_os_thread
from supvisors_ext.net.beacon import (
    MAX_BEACON_BYTES,
    Beacon,
    BeaconError,
    decode_beacon,
    encode_beacon,
)

THREAD_NAME = "supvisors-discovery"
REPORT_PERIOD = 5.0  # seconds between two reports of an unchanged beacon
DROP_REPORT_PERIOD = 60.0  # seconds between two drop reports for one source address
SEND_FAILURE_PERIOD = 60.0  # seconds between two reports of a failing send
_POLL_MAX = 0.2  # seconds: how late stop() may be noticed


@dataclass(frozen=True, **SLOTS)
class Discovered:
    """Inbox item: a valid beacon from another instance (discovery thread -> main thread)."""

    beacon: Beacon
    source: str  # the datagram's source address


@dataclass(frozen=True, **SLOTS)
class DiscoveryDropped:
    """Inbox item: a malformed datagram was dropped (rate-limited per source)."""

    source: str
    reason: str


@dataclass(frozen=True, **SLOTS)
class DiscoveryFailure:
    """Inbox item: the multicast socket cannot be used (fatal: `fatal`) or a send failed."""

    reason: str
    fatal: bool


def open_socket(multicast: Multicast) -> socket.socket:
    """A UDP socket bound to the group and port, member of the group, sending to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        # several instances of one host listen to the same group and port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((multicast.group, multicast.port))  # the group only: no unicast to this port
        interface = socket.inet_aton(multicast.interface or "0.0.0.0")
        membership = socket.inet_aton(multicast.group) + interface
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        if multicast.interface:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, interface)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, multicast.ttl)
        # the other instances of this host hear us through the loopback of the group
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


class Discovery:
    """Main-thread handle of the discovery thread."""

    def __init__(
        self,
        multicast: Multicast,
        beacon: Beacon,
        period: float,
        put: Callable[[object], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Store the configuration; creates no socket nor thread (safe before the fork)."""
        self.multicast = multicast
        self.beacon = beacon
        self.period = period
        self._put = put
        self._clock = clock
        self._datagram = encode_beacon(beacon)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported: dict[str, tuple[Beacon, float]] = {}  # identifier -> (beacon, when)
        self._dropped: dict[str, float] = {}  # source -> when last reported
        self._send_failed = -SEND_FAILURE_PERIOD

    def start(self) -> None:
        """Main thread, after supervisord's fork: start the discovery thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        """Main thread: stop and join (the thread notices within 0.2 s); True when it is gone."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ----- discovery thread
    def _run(self) -> None:
        name_os_thread()
        try:
            sock = open_socket(self.multicast)
        except OSError as exc:
            where = f"{self.multicast.group}:{self.multicast.port}"
            self._put(DiscoveryFailure(f"cannot join multicast group {where}: {exc}", True))
            return
        try:
            self._serve(sock)
        except Exception as exc:  # noqa: BLE001 - the thread must end cleanly and say why
            self._put(DiscoveryFailure(f"discovery thread failed: {exc!r}", True))
        finally:
            sock.close()

    def _serve(self, sock: socket.socket) -> None:
        # poll, not select: supervisord may hold more than FD_SETSIZE (1024) descriptors
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        next_send = self._clock()
        while not self._stop.is_set():
            now = self._clock()
            if now >= next_send:
                self._send(sock, now)
                next_send += self.period
                if next_send <= now:
                    next_send = now + self.period  # late (suspended, overloaded): no burst
            timeout = min(max(0.0, next_send - self._clock()), _POLL_MAX)
            if poller.poll(timeout * 1000):
                self._receive(sock)

    def _send(self, sock: socket.socket, now: float) -> None:
        try:
            sock.sendto(self._datagram, (self.multicast.group, self.multicast.port))
        except OSError as exc:  # e.g. no route to the group: reported, then retried
            if now - self._send_failed >= SEND_FAILURE_PERIOD:
                self._send_failed = now
                self._put(DiscoveryFailure(f"cannot send the discovery beacon: {exc}", False))

    def _receive(self, sock: socket.socket) -> None:
        for _ in range(100):  # then poll again: a flood must not starve the sends
            try:
                data, (source, _port) = sock.recvfrom(MAX_BEACON_BYTES + 1)
            except OSError:  # nothing left (EAGAIN), or an error the next poll retries
                return
            self.handle_datagram(data, source, self._clock())

    def handle_datagram(self, data: bytes, source: str, now: float) -> None:
        """Decode one datagram and report what the main thread must know (discovery thread)."""
        try:
            beacon = decode_beacon(data)
        except BeaconError as exc:
            last = self._dropped.get(source)
            if last is None or now - last >= DROP_REPORT_PERIOD:
                if len(self._dropped) >= 1024:  # many sources over time: forget the old ones
                    self._dropped.clear()
                self._dropped[source] = now
                self._put(DiscoveryDropped(source, exc.reason))
            return
        if beacon.identifier == self.beacon.identifier:
            return  # our own, looped back
        reported = self._reported.get(beacon.identifier)
        if reported is None or reported[0] != beacon or now - reported[1] >= REPORT_PERIOD:
            if reported is None and len(self._reported) >= 4096:  # bounded, whatever comes
                self._reported.clear()
            self._reported[beacon.identifier] = (beacon, now)
            self._put(Discovered(beacon, source))
