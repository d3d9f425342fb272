"""Statistics of this instance (docs/statistics.md): a worker thread samples with psutil, the
main thread compiles and publishes on the `hstats` and `pstats` topics.

The thread never touches supervisord nor the model: it reads `pids`, a dictionary the main
thread replaces as a whole (an atomic attribute swap), and hands its samples over through the
inbox (`host/mainloop.py`). Toggles and the period are plain attributes read at each round.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from supvisors_ext.eventhub import EventHub
from supvisors_ext.host.thread_names import name_os_thread
from supvisors_ext.obsconfig import ObservabilityOptions
from supvisors_ext.stats.compiler import StatisticsCompiler

try:  # psutil is a dependency: only a broken install lacks it (NOT_INSTALLED then)
    from supvisors_ext.stats import collector
except ImportError:  # pragma: no cover
    collector = None  # type: ignore[assignment]


@dataclass(frozen=True)
class StatsSamples:
    """One collecting round, made on the worker thread."""

    host: dict[str, Any] | None
    processes: tuple[dict[str, Any], ...]
    cost: float  # seconds of thread CPU time spent collecting this round


class StatisticsService:
    """Collector thread + compiler + publication."""

    def __init__(self, identifier: str, options: ObservabilityOptions, hub: EventHub) -> None:
        self.available = collector is not None
        self.host_enabled = options.host_stats and self.available
        self.process_enabled = options.process_stats and self.available
        self.period = options.collecting_period
        self.irix_mode = options.irix_mode
        self.compiler = StatisticsCompiler(identifier, options.periods, options.histo)
        self.hub = hub
        self.pids: dict[str, int] = {}
        self.rounds = 0
        self.cost = 0.0  # collecting CPU seconds, all rounds
        self.latest_host: dict[str, Any] = {}
        self.latest_processes: dict[str, dict[str, Any]] = {}
        self._put: Callable[[object], None] | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ----- main thread: control
    def start(self, put: Callable[[object], None]) -> None:
        if not self.available:
            return
        self._put = put
        self._thread = threading.Thread(target=self._run, name="supvisors-stats", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> bool:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def enable_host(self, enabled: bool) -> None:
        self.host_enabled = enabled
        self._wake.set()

    def enable_process(self, enabled: bool) -> None:
        self.process_enabled = enabled
        if not enabled:
            self.compiler.processes.clear()
        self._wake.set()

    def set_period(self, period: float) -> None:
        self.period = period
        self._wake.set()

    def set_pid(self, namespec: str, pid: int) -> None:
        if self.pids.get(namespec, 0) != pid:
            pids = dict(self.pids)
            if pid:
                pids[namespec] = pid
            else:
                pids.pop(namespec, None)
            self.pids = pids  # replaced whole: the worker never sees a dict being changed
            if not pid:
                self.compiler.forget_process(namespec)

    # ----- main thread: samples in, results out
    def on_samples(self, samples: StatsSamples) -> None:
        self.rounds += 1
        self.cost += samples.cost
        if samples.host is not None and self.host_enabled:
            for result in self.compiler.push_host(samples.host):
                self.latest_host[str(result["target_period"])] = result
                self.hub.publish("hstats", result)
        if not self.process_enabled:
            return
        for sample in samples.processes:
            if self.pids.get(sample["namespec"]) != sample["pid"]:
                continue  # the process stopped or restarted after this round began
            for result in self.compiler.push_process(sample):
                self.latest_processes[result["namespec"]] = result
                self.hub.publish("pstats", result)

    def status(self) -> dict[str, Any]:
        return {
            "host_stats": self.host_enabled,
            "process_stats": self.process_enabled,
            "collecting_period": self.period,
        }

    # ----- worker thread
    def _run(self) -> None:
        name_os_thread()
        probe = collector.ProcessProbe()
        next_round = time.monotonic()
        while not self._stop.is_set():
            self._wake.wait(max(0.0, next_round - time.monotonic()))
            self._wake.clear()
            if self._stop.is_set():
                return
            now = time.monotonic()
            if now < next_round and not (self.host_enabled or self.process_enabled):
                continue
            next_round = now + self.period
            if self.host_enabled or self.process_enabled:
                self._round(probe, now)

    def _round(self, probe: Any, now: float) -> None:
        started = time.thread_time()
        host = None
        if self.host_enabled:
            try:
                host = collector.host_sample(now)
            except Exception:  # noqa: BLE001 - psutil trouble: skip this round's host part
                host = None
        processes: tuple[dict[str, Any], ...] = ()
        if self.process_enabled:
            processes = probe.sample_all(self.pids, now)
        if self._put is not None:
            self._put(StatsSamples(host, processes, time.thread_time() - started))
