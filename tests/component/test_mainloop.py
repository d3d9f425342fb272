"""The main-loop hand-off: wake-up pipe, inbox and the ticker's ticks and alarms."""

from __future__ import annotations

import os
import select
import time

import pytest

from supvisors_ext.host.mainloop import Inbox, TickDue, Ticker


def readable(inbox: Inbox, timeout: float) -> bool:
    ready, _, _ = select.select([inbox.read_fd], [], [], timeout)
    return bool(ready)


def test_ticker_ticks_then_wakes_at_the_alarm() -> None:
    inbox = Inbox()
    ticker = Ticker(inbox, period=30.0)
    try:
        ticker.start()
        assert readable(inbox, 5.0)  # the first tick comes at once
        inbox.drain_pipe()
        assert [type(item) for item in inbox.take_all()] == [TickDue]
        start = time.monotonic()
        ticker.wake_at(start + 0.2)
        assert not readable(inbox, 0.1)
        assert readable(inbox, 5.0)
        assert time.monotonic() - start >= 0.2
        assert inbox.take_all() == []  # an alarm wakes the loop without a tick
    finally:
        assert ticker.stop(timeout=2.0)
        inbox.close()


def test_closed_inbox_ignores_late_wakeups() -> None:
    inbox = Inbox()
    closed_read_fd = inbox.read_fd
    inbox.close()
    # a new pipe takes the freed descriptor numbers, as anything supervisord opens next would
    read_end, write_end = os.pipe()
    try:
        assert read_end == closed_read_fd
        inbox.wakeup()  # a worker finishing late must not write into a reused fd
        inbox.put("late item")
        ready, _, _ = select.select([read_end], [], [], 0.1)
        assert ready == []
        inbox.close()  # closing twice is harmless
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_shorter_tick_period_takes_effect_at_once() -> None:
    inbox = Inbox()
    ticker = Ticker(inbox, period=30.0)  # the rest period of the test: no tick while waiting
    try:
        ticker.start()
        assert readable(inbox, 5.0)  # the first tick comes at once
        inbox.drain_pipe()
        assert [type(item) for item in inbox.take_all()] == [TickDue]
        ticker.set_period(0.05)  # news: the next tick comes within the short period
        assert readable(inbox, 5.0)
        inbox.drain_pipe()
        assert [type(item) for item in inbox.take_all()] == [TickDue]
        assert ticker.period == 0.05
        with pytest.raises(ValueError, match="tick period must be positive"):
            ticker.set_period(0.0)
    finally:
        assert ticker.stop(timeout=2.0)
        inbox.close()
