"""Stage-by-stage progress of a waiting application start, shown only on a terminal.

The waiting XML-RPC call runs in a worker thread of the client while the calling thread polls
`get_process_info('<appli>:*')` through its own connection (a ServerProxy is not shared
between threads) and prints each process state change with its start stage.
"""

from __future__ import annotations

import threading
import xmlrpc.client
from collections.abc import Callable
from typing import Any

from supvisors_ext.cli.session import Session

POLL_PERIOD = 0.5


class _Call(threading.Thread):
    """Runs the waiting call; keeps its result or exception for the calling thread."""

    def __init__(self, call: Callable[[], Any]) -> None:
        # a client-side thread: daemon so that ^C during the wait ends supvisorsctl at once
        # (supervisorctl's loop catches KeyboardInterrupt); it is joined otherwise
        super().__init__(name="supvisorsctl-call", daemon=True)
        self._call = call
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            self.error = exc


def stages(rpc: Any, application: str) -> dict[str, int]:
    """Process name -> start stage, or {} when the rules cannot be read."""
    try:
        rules = rpc.get_process_rules(f"{application}:*")
    except (OSError, xmlrpc.client.Error):
        return {}
    return {rule["process_name"]: rule["start_sequence"] for rule in rules}


def changes(previous: dict[str, str], infos: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(process, state) pairs that differ from `previous`, which is updated; pure."""
    changed = []
    for info in infos:
        name, state = info["process_name"], info["statename"]
        if previous.get(name) != state:
            previous[name] = state
            changed.append((name, state))
    return changed


def with_progress(session: Session, application: str, call: Callable[[], Any]) -> Any:
    """Run `call()`; on a terminal, print the application's process states while it waits."""
    if not session.tty:
        return call()
    poll = session.server().supvisors  # the waiting call uses the session's main connection
    sequence = stages(poll, application)
    seen: dict[str, str] = {}
    worker = _Call(call)
    worker.start()
    while worker.is_alive():
        try:
            infos = poll.get_process_info(f"{application}:*")
        except (OSError, xmlrpc.client.Error):
            infos = []
        ordered = sorted(
            infos, key=lambda i: (sequence.get(i["process_name"], 0), i["process_name"])
        )
        for name, state in changes(seen, ordered):
            session.out(f"  {application}: stage {sequence.get(name, '?')} {name} {state}")
        worker.join(POLL_PERIOD)
    if worker.error is not None:
        raise worker.error
    return worker.result
