"""XML-RPC calls from the dashboard to another instance, off supervisord's thread.

The browser only talks to the instance that served the page; for a log tail or a conflict copy
on another instance, this instance calls that instance's XML-RPC. One worker thread per web
layer makes the calls; the main thread submits a job and polls its `Pending` from a deferred
HTTP reply, so the loop never waits. The queue is bounded: a full queue refuses at once.
"""

from __future__ import annotations

import queue
import threading
import xmlrpc.client
from collections.abc import Callable
from typing import Any

from supvisors_ext.host.thread_names import name_os_thread
from supvisors_ext.net.peers import Credentials, make_proxy

CALL_TIMEOUT = 5.0
MAX_PENDING = 32

Job = Callable[[xmlrpc.client.ServerProxy], Any]


class Pending:
    """The outcome of one remote call; written by the worker, read by the main thread."""

    def __init__(self, url: str, job: Job) -> None:
        self.url = url
        self.job = job
        self.value: Any = None
        self.fault: xmlrpc.client.Fault | None = None
        self.error = ""
        self._done = threading.Event()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def finish(self) -> None:
        self._done.set()


class RemoteCalls:
    """A bounded queue of remote calls served by one worker thread (started on first use)."""

    def __init__(self, credentials: Credentials | None, timeout: float = CALL_TIMEOUT) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self._queue: queue.Queue[Pending | None] = queue.Queue(MAX_PENDING)
        self._thread: threading.Thread | None = None

    def submit(self, url: str, job: Job) -> Pending | None:
        """Main thread: queue a call; None when too many calls are waiting already."""
        if self._thread is None:
            # daemon: a call stuck on a dead peer must not delay supervisord's exit
            self._thread = threading.Thread(target=self._run, name="supvisors-web", daemon=True)
            self._thread.start()
        pending = Pending(url, job)
        try:
            self._queue.put_nowait(pending)
        except queue.Full:
            return None
        return pending

    def stop(self) -> None:
        """Main thread: ask the worker to end after its current call (never waits)."""
        if self._thread is not None:
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                pass  # daemon thread: it ends with the process

    def _run(self) -> None:
        name_os_thread()
        while True:
            pending = self._queue.get()
            if pending is None:
                return
            self._execute(pending)

    def _execute(self, pending: Pending) -> None:
        try:
            with make_proxy(pending.url, self.timeout, self.credentials) as proxy:
                pending.value = pending.job(proxy)
        except xmlrpc.client.Fault as fault:
            pending.fault = fault
        except xmlrpc.client.ProtocolError as exc:
            pending.error = f"HTTP {exc.errcode} {exc.errmsg}"  # never str(exc): URL credentials
        except Exception as exc:  # noqa: BLE001 - the worker always reports back
            pending.error = f"{type(exc).__name__}: {exc}"
        finally:
            pending.finish()
