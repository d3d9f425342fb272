"""Window profiler of supervisord's main thread, for the benches only (never installed).

A bench puts this folder on the PYTHONPATH of the supervisord it launches and sets
SUPVISORS_BENCH_PROFILE_DIR. In such a process, SIGWINCH (which supervisord ignores) toggles a
cProfile window on the main thread: the first signal starts it, the second writes
``<dir>/main.<pid>.<n>.prof``. Signal handlers run on the main thread, so the profile covers
supervisord's loop and everything the plugin runs on it, and nothing else; times are the
main thread's CPU time (`time.thread_time`).
"""

from __future__ import annotations

import cProfile
import os
import signal
import time

_DIR = os.environ.get("SUPVISORS_BENCH_PROFILE_DIR")


class _Window:
    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.profile: cProfile.Profile | None = None
        self.count = 0

    def toggle(self, _signum: int, _frame: object) -> None:
        if self.profile is None:
            # CPU time of this thread: on a loaded machine, wall time would count preemption
            self.profile = cProfile.Profile(time.thread_time)
            self.profile.enable()
            return
        self.profile.disable()
        self.count += 1
        path = os.path.join(self.folder, f"main.{os.getpid()}.{self.count}.prof")
        self.profile.dump_stats(path)
        self.profile = None


if _DIR:
    signal.signal(signal.SIGWINCH, _Window(_DIR).toggle)
