"""Hand-off into supervisord's main loop: a wake-up pipe in its socket map, an inbox, a ticker.

supervisord is single-threaded and polls its socket map with a 1 s timeout
(`supervisor/supervisord.py` `runforever`). Worker threads (ticker, bus, peer callers) never touch
the model: they put immutable items on `Inbox.queue` and call `Inbox.wakeup()`, which writes one
byte to a non-blocking pipe whose read end sits in the socket map, so the loop wakes at once and
`WakeupDispatcher.handle_read_event` drains the queue on the main thread.
"""

from __future__ import annotations

import heapq
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from supvisors_ext.compat import SLOTS
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.host.thread_names import name_os_thread

# How long a thread that wants the GIL waits for the thread holding it to let go (CPython's
# default is 5 ms). supervisord's main thread runs Python for milliseconds after it publishes a
# process event (the rest of its loop pass); the bus thread that must send the message waited
# that long for the GIL: about 5 ms of the propagation median (issue 18). A handoff costs a few
# microseconds, and only when two threads want the GIL at once.
GIL_SWITCH_INTERVAL = 0.0005


def shorten_gil_switch_interval() -> float:
    """Main thread, once: hand the GIL over within GIL_SWITCH_INTERVAL; returns the previous."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, GIL_SWITCH_INTERVAL))
    return previous


@dataclass(frozen=True, **SLOTS)
class TickDue:
    """The ticker's periodic item: time for the main thread to tick (made on the ticker thread)."""

    when_monotonic: float


class Inbox:
    """Thread-safe queue plus the write end of the wake-up pipe."""

    def __init__(self) -> None:
        # SimpleQueue: put/get in C, without the Python-level locks of queue.Queue (issue 18)
        self.queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        os.set_blocking(self._write_fd, False)
        self._closed = False
        # a worker finishing a slow call after close() must not write into a reused fd number
        self._lock = threading.Lock()

    @property
    def read_fd(self) -> int:
        return self._read_fd

    def put(self, item: object) -> None:
        """Any thread: queue an item and wake the main loop."""
        self.queue.put(item)
        self.wakeup()

    def wakeup(self) -> None:
        """Any thread: make supervisord's poll return now."""
        with self._lock:
            if self._closed:
                return
            try:
                os.write(self._write_fd, b"\0")
            except OSError:
                pass  # a full pipe already guarantees a wake-up

    def drain_pipe(self) -> None:
        """Main thread: empty the pipe (level-triggered poll would spin otherwise)."""
        try:
            while os.read(self._read_fd, 4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def take_all(self) -> list[object]:
        """Main thread: every queued item, in order."""
        items: list[object] = []
        while not self.queue.empty():  # the main thread is the only consumer
            items.append(self.queue.get_nowait())
        return items

    def watch_signals(self) -> bool:
        """Main thread: every signal with a Python handler also writes to the wake-up pipe.

        supervisord's SIGCHLD handler only records the signal, and Python resumes an
        interrupted poll (PEP 475): without this, an exited child is reaped, and its EXITED
        event sent, only at the loop's next wake-up (up to `tick_period`, or 1 s).
        False when it cannot be set here (not the main thread).
        """
        try:
            signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        except ValueError:
            return False
        return True

    def unwatch_signals(self) -> None:
        """Main thread: stop writing signals to the pipe (before it is closed)."""
        try:
            previous = signal.set_wakeup_fd(-1)
            if previous not in (-1, self._write_fd):
                signal.set_wakeup_fd(previous)  # someone else's since ours: left in place
        except ValueError:
            pass

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._read_fd)
                os.close(self._write_fd)


class WakeupDispatcher:
    """asyncore-style dispatcher registered in supervisord's socket map (main thread)."""

    def __init__(
        self, inbox: Inbox, on_items: Callable[[list[object]], None], logger: PluginLogger
    ) -> None:
        self.inbox = inbox
        self.on_items = on_items
        self.logger = logger

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def handle_read_event(self) -> None:
        self.inbox.drain_pipe()
        items = self.inbox.take_all()
        # called even with no item: a bare wake-up asks for deferred main-thread work
        try:
            self.on_items(items)
        except Exception as exc:  # noqa: BLE001 - supervisord must survive any plugin bug
            self.logger.critical(f"internal error while handling bus/timer items: {exc!r}")

    def handle_write_event(self) -> None:  # pragma: no cover - never writable
        pass

    def handle_error(self) -> None:
        self.logger.critical("internal error in the wake-up dispatcher")

    def register(self, socket_map: MutableMapping[int, object]) -> None:
        socket_map[self.inbox.read_fd] = self

    def unregister(self, socket_map: MutableMapping[int, object]) -> None:
        if socket_map.get(self.inbox.read_fd) is self:
            del socket_map[self.inbox.read_fd]


class Ticker:
    """Thread putting a `TickDue` in the inbox every `period` seconds (drift-free schedule),
    and waking the main loop at requested instants (`wake_at`).

    The main thread may change the period (`set_period`): it ticks slower when the cluster is at
    rest (runtime/plugin.py). supervisord promotes a process to RUNNING only when its loop runs
    after `startsecs` (`supervisor/process.py` `transition`); an alarm at that instant saves up
    to a poll period.
    """

    def __init__(self, inbox: Inbox, period: float) -> None:
        self.inbox = inbox
        self.period = period
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._alarms: list[float] = []  # heap of monotonic instants
        self._last_tick = self._next_tick = time.monotonic()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._last_tick = self._next_tick = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="supvisors-ticker")
        self._thread.start()

    def wake_at(self, when: float) -> None:
        """Any thread: wake the main loop at monotonic time `when`."""
        with self._changed:
            heapq.heappush(self._alarms, when)
            self._changed.notify()

    def set_period(self, period: float) -> None:
        """Any thread: tick every `period` seconds from now on; a shorter period takes effect
        at once (the next tick comes at most `period` after the last one)."""
        if period <= 0:
            raise ValueError(f"tick period must be positive: {period!r}")
        with self._changed:
            if period == self.period:
                return
            self.period = period
            self._next_tick = min(self._next_tick, self._last_tick + period)
            self._changed.notify()

    def _run(self) -> None:
        name_os_thread()
        while not self._stop.is_set():
            with self._changed:
                now = time.monotonic()
                if now >= self._next_tick:
                    self.inbox.put(TickDue(now))
                    self._last_tick = now
                    self._next_tick += self.period
                    if self._next_tick < now:
                        self._next_tick = now + self.period  # suspended or overloaded: no burst
                if self._alarms and self._alarms[0] <= now:
                    while self._alarms and self._alarms[0] <= now:
                        heapq.heappop(self._alarms)
                    self.inbox.wakeup()
                deadline = min([self._next_tick, *self._alarms[:1]])
                if not self._stop.is_set():
                    self._changed.wait(max(0.0, deadline - time.monotonic()))

    def stop(self, timeout: float = 2.0) -> bool:
        """Stop and join; True when the thread is gone."""
        self._stop.set()
        with self._changed:
            self._changed.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True
