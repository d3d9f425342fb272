"""OS names for the plugin's threads, so that `top -H` and `ps -L` tell them apart (any thread).

Linux shows a thread's `comm`, at most 15 bytes; Python sets it only from 3.14. Writing
`/proc/self/task/<tid>/comm` names the calling thread without ctypes. Where that file does not
exist (not Linux) nothing happens. docs/architecture.md#thread-model lists the names.
"""

from __future__ import annotations

import threading

COMM_BYTES = 15  # TASK_COMM_LEN - 1
PREFIXES = ("supvisors-ext-", "supvisors-")


def os_thread_name(name: str) -> str:
    """`supvisors-ext-bus` → `sx-bus`: the Python name, short enough for the kernel."""
    for prefix in PREFIXES:
        if name.startswith(prefix):
            name = "sx-" + name[len(prefix) :]
            break
    return name.encode()[:COMM_BYTES].decode(errors="ignore")


def name_os_thread() -> None:
    """Calling thread: give the OS thread the short form of its Python name."""
    name = os_thread_name(threading.current_thread().name)
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/comm", "w") as comm:
            comm.write(name)
    except OSError:  # not Linux, or /proc not mounted: the name is cosmetic
        pass
