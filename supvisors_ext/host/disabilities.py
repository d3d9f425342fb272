"""Disabled programs: never spawned by any path of supervisord (docs/api.md `enable`, `disable`).

The least intrusion into supervisor that stops every spawn: a DISABLED process object gets an
instance attribute `spawn` shadowing its class method (`Subprocess.spawn`, or the FastCGI one),
removed again when it is enabled. No supervisor class is patched; other processes are untouched.
Every spawn of supervisord goes through `process.spawn()`: autostart, autorestart and BACKOFF
retries in `Subprocess.transition`, and `supervisor.startProcess` (directly, or through
`startProcessGroup`/`startAllProcesses`). The shadow does nothing when `transition` calls it
(the process stays STOPPED/EXITED, as a disabled one should), and raises DISABLED (103) when
`startProcess` calls it, so that a client gets Supvisors' fault instead of a silent no-op.
The state is written to `disabilities_file` as `{program: true|false}` (Supvisors' format).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from supervisor.rpcinterface import SupervisorNamespaceRPCInterface
from supervisor.xmlrpc import RPCError

from supvisors_ext.faults import SupvisorsFaults

_START_PROCESS_CODE = SupervisorNamespaceRPCInterface.startProcess.__code__
_SHADOW_MARK = "_supvisors_ext_disabled"


def _blocked_spawn(process: Any) -> Callable[[], None]:
    def spawn() -> None:
        # transition() calls it on every loop for a STOPPED autostart process: no log here
        if sys._getframe(1).f_code is _START_PROCESS_CODE:
            group = process.group.config.name if process.group is not None else ""
            # supervisor's own error type: it leaves startProcess as a fault, never as a 500
            code = SupvisorsFaults.DISABLED
            error = RPCError(int(code))
            error.text = f"{code.name}: {group}:{process.config.name}"  # not supervisor's UNKNOWN
            raise error
        return None

    setattr(spawn, _SHADOW_MARK, True)
    return spawn


def block_spawn(process: Any) -> None:
    """Shadow `process.spawn` so that supervisord can no longer start this process."""
    if not is_blocked(process):
        process.spawn = _blocked_spawn(process)


def unblock_spawn(process: Any) -> None:
    """Give the process its class `spawn` back."""
    if is_blocked(process):
        del process.__dict__["spawn"]


def is_blocked(process: Any) -> bool:
    shadow = vars(process).get("spawn")
    return shadow is not None and getattr(shadow, _SHADOW_MARK, False)


class DisabilitiesFile:
    """The persisted `{program: disabled}` map; '' as path keeps it in memory only."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> tuple[set[str], str]:
        """The disabled programs, and an error text ('' if none); a missing file is empty."""
        if not self.path or not os.path.exists(self.path):
            return set(), ""
        try:
            with open(self.path, encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError) as exc:
            return set(), f"cannot read disabilities_file {self.path}: {exc}"
        if not isinstance(data, dict):
            return set(), f"disabilities_file {self.path}: a JSON object is expected"
        return {str(name) for name, disabled in data.items() if disabled is True}, ""

    def save(self, disabled: set[str], known: set[str]) -> str:
        """Write every known program with its flag (atomic rename); '' or the error text."""
        if not self.path:
            return ""
        payload = {name: name in disabled for name in sorted(known | disabled)}
        folder = os.path.dirname(self.path) or "."
        try:
            os.makedirs(folder, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".disabilities.")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(payload, stream)
            os.replace(temporary, self.path)
        except OSError as exc:
            return f"cannot write disabilities_file {self.path}: {exc}"
        return ""
