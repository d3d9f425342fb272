"""Path tracer of PROCESS messages inside supervisord, for `bench/propagation_trace.py` only.

The bench puts this folder on the PYTHONPATH of the supervisord instances it launches and sets
SUPVISORS_BENCH_TRACE_DIR. Once the plugin is imported, five landmarks are wrapped and each
call is noted with its monotonic time (one clock for every process of the host):

- `pub`: the main thread publishes a PROCESS message (`Bus.publish`);
- `ctl`: the bus thread takes a batch of main-thread commands from its PAIR (`_drain_control`);
- `recv`: the bus thread of a peer has decoded the message (`_is_urgent`);
- `wake`: the peer's main loop is woken by the plugin's pipe (`handle_read_event`);
- `apply`: the peer's main thread applies the message to its context (`PeerSync._apply`).

SIGWINCH (ignored by supervisord) writes ``trace.<pid>.json``. Never installed.
"""

from __future__ import annotations

import builtins
import json
import os
import signal
import threading
import time
from typing import Any

_DIR = os.environ.get("SUPVISORS_BENCH_TRACE_DIR")
_records: list[tuple[str, Any, float]] = []
_lock = threading.Lock()


def _note(kind: str, key: Any) -> None:
    with _lock:
        _records.append((kind, key, time.monotonic()))


def _key(message: Any) -> tuple[str, str, str, int, float]:
    info = message.info
    return (message.identifier, info.group, info.name, int(info.state), message.now_monotonic)


def _wrap(owner: Any, name: str, before: Any) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        before(*args)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)


def _patch() -> None:
    from supvisors_ext import messages
    from supvisors_ext.host import mainloop
    from supvisors_ext.net import bus, bus_thread
    from supvisors_ext.runtime import sync

    def process(kind: str, message: Any) -> None:
        if isinstance(message, messages.ProcessMessage):
            _note(kind, _key(message))

    _wrap(bus.Bus, "publish", lambda _self, message: process("pub", message))
    _wrap(bus_thread.BusWorker, "_drain_control", lambda *_args: _note("ctl", None))
    _wrap(bus_thread.BusWorker, "_is_urgent", lambda _self, message: process("recv", message))
    _wrap(mainloop.WakeupDispatcher, "handle_read_event", lambda _self: _note("wake", None))
    _wrap(sync.PeerSync, "_apply", lambda _self, message, _now: process("apply", message))


def _dump(_signum: int, _frame: object) -> None:
    with _lock:
        data = list(_records)
    with open(os.path.join(str(_DIR), f"trace.{os.getpid()}.json"), "w") as out:
        json.dump(data, out)


if _DIR:
    signal.signal(signal.SIGWINCH, _dump)
    _import = builtins.__import__

    def _hook(name: str, *args: Any, **kwargs: Any) -> Any:
        module = _import(name, *args, **kwargs)
        if name == "supvisors_ext.runtime.plugin":  # every landmark's module is loaded now
            builtins.__import__ = _import
            _patch()
        return module

    builtins.__import__ = _hook
