"""Signals wake supervisord's loop through the plugin's wake-up pipe.

supervisord's SIGCHLD handler only records the signal and Python resumes an interrupted poll,
so an exited child would wait for the next wake-up to be reaped
(docs/architecture.md#keeping-supervisords-loop-cheap-and-punctual).
"""

from __future__ import annotations

import os
import select
import signal
import threading
from collections.abc import Iterator

import pytest

from supvisors_ext.host.mainloop import Inbox


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handled: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, _frame: handled.append(signum))
    box = Inbox()
    try:
        yield box
    finally:
        box.unwatch_signals()
        box.close()
        signal.signal(signal.SIGUSR1, previous)


def readable(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(1000))


def test_a_signal_makes_the_pipe_readable(inbox: Inbox) -> None:
    assert inbox.watch_signals()
    os.kill(os.getpid(), signal.SIGUSR1)
    assert readable(inbox.read_fd)
    inbox.drain_pipe()


def test_unwatched_signals_leave_the_pipe_empty(inbox: Inbox) -> None:
    assert inbox.watch_signals()
    inbox.unwatch_signals()
    assert signal.set_wakeup_fd(-1) == -1
    os.kill(os.getpid(), signal.SIGUSR1)
    poller = select.poll()
    poller.register(inbox.read_fd, select.POLLIN)
    assert poller.poll(100) == []


def test_another_descriptor_set_later_is_left_in_place(inbox: Inbox) -> None:
    assert inbox.watch_signals()
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    try:
        signal.set_wakeup_fd(write_fd)
        inbox.unwatch_signals()
        assert signal.set_wakeup_fd(-1) == write_fd
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_outside_the_main_thread_it_says_no(inbox: Inbox) -> None:
    answers: list[bool] = []
    thread = threading.Thread(target=lambda: answers.append(inbox.watch_signals()))
    thread.start()
    thread.join()
    assert answers == [False]
