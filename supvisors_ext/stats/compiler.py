"""Compile raw statistics samples into per-period results and histories (docs/statistics.md).

Pure: samples arrive as dictionaries made by `stats/collector.py` and carry their own
monotonic time `now`. As Supvisors does, each period keeps a reference sample: a new sample
at least `period` seconds later is integrated against it (CPU share of the jiffies, I/O rates
in kilobits per second), published, appended to a history bounded by `depth`, and becomes
the new reference.

Host sample: {"now", "cpu": [(work, idle) total first, then per core], "mem": percent,
"net_io": {nic: (recv, sent) bytes}, "disk_io": {device: (read, write) bytes},
"disk_usage": {mountpoint: percent}}.
Process sample: {"namespec", "pid", "now", "proc_work": cpu seconds, "proc_memory": percent};
pid 0 means stopped.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

Payload = dict[str, Any]


def cpu_statistics(latest: list[Any], ref: list[Any]) -> list[float]:
    """Busy percentage of each CPU entry (total first) between two jiffies samples."""
    result = []
    for (work, idle), (ref_work, ref_idle) in zip(latest, ref):  # noqa: B905 - 3.9 has no strict
        total = (work - ref_work) + (idle - ref_idle)
        result.append(100.0 * (work - ref_work) / total if total > 0 else 0.0)
    return result


def io_statistics(latest: dict[str, Any], ref: dict[str, Any], duration: float) -> Payload:
    """In/out rates in kilobits per second per interface; counters that wrapped are skipped."""
    rates: Payload = {}
    for name, (now_in, now_out) in latest.items():
        if name in ref and duration > 0:
            ref_in, ref_out = ref[name]
            if now_in >= ref_in and now_out >= ref_out:
                rates[name] = [
                    (now_in - ref_in) / duration / 128,
                    (now_out - ref_out) / duration / 128,
                ]
    return rates


def summary(values: list[float], times: list[float] | None = None) -> Payload:
    """Average, rate of the last change, slope of the least-squares line and standard deviation."""
    count = len(values)
    if count == 0:
        return {"avg": 0.0, "rate": 0.0, "slope": 0.0, "stddev": 0.0}
    avg = sum(values) / count
    rate = 0.0
    if count > 1 and values[-2]:
        rate = 100.0 * (values[-1] - values[-2]) / values[-2]
    xs = list(times) if times and len(times) == count else list(range(count))
    mean_x = sum(xs) / count
    spread = sum((x - mean_x) ** 2 for x in xs)
    covariance = sum((x - mean_x) * (y - avg) for x, y in zip(xs, values))  # noqa: B905
    slope = covariance / spread if spread else 0.0
    stddev = math.sqrt(sum((y - avg) ** 2 for y in values) / count)
    return {"avg": avg, "rate": rate, "slope": slope, "stddev": stddev}


class HostHistory:
    """Host statistics of one instance for one period."""

    def __init__(self, identifier: str, period: float, depth: int) -> None:
        self.identifier = identifier
        self.period = period
        self.ref: Payload = {}
        self.start = 0.0
        self.times: deque[float] = deque(maxlen=depth)
        self.cpu: list[deque[float]] = []
        self.mem: deque[float] = deque(maxlen=depth)
        self.net_io: dict[str, deque[list[float]]] = {}
        self.disk_io: dict[str, deque[list[float]]] = {}
        self.disk_usage: dict[str, deque[float]] = {}
        self.depth = depth

    def push(self, sample: Payload) -> Payload | None:
        if not self.ref:
            self.ref, self.start = sample, sample["now"]
            self.cpu = [deque(maxlen=self.depth) for _ in sample["cpu"]]
            return None
        duration = sample["now"] - self.ref["now"]
        if duration < self.period:
            return None
        cpu = cpu_statistics(sample["cpu"], self.ref["cpu"])
        net_io = io_statistics(sample["net_io"], self.ref["net_io"], duration)
        disk_io = io_statistics(sample["disk_io"], self.ref["disk_io"], duration)
        result = {
            "identifier": self.identifier,
            "target_period": self.period,
            "period": [self.ref["now"] - self.start, sample["now"] - self.start],
            "cpu": cpu,
            "mem": sample["mem"],
            "net_io": net_io,
            "disk_io": disk_io,
            "disk_usage": dict(sample["disk_usage"]),
        }
        self.times.append(sample["now"] - self.start)
        for history, value in zip(self.cpu, cpu):  # noqa: B905
            history.append(value)
        self.mem.append(sample["mem"])
        self._append(self.net_io, net_io)
        self._append(self.disk_io, disk_io)
        self._append(self.disk_usage, result["disk_usage"])
        self.ref = sample
        return result

    def _append(self, histories: dict[str, deque[Any]], values: Payload) -> None:
        for name in list(histories):
            if name not in values:
                del histories[name]  # an interface or disk that went away
        for name, value in values.items():
            histories.setdefault(name, deque(maxlen=self.depth)).append(value)

    def serial(self) -> Payload:
        """The compiled history (what `get_host_statistics` returns)."""
        return {
            "identifier": self.identifier,
            "target_period": self.period,
            "times": list(self.times),
            "cpu": [list(history) for history in self.cpu],
            "mem": list(self.mem),
            "net_io": {name: list(values) for name, values in self.net_io.items()},
            "disk_io": {name: list(values) for name, values in self.disk_io.items()},
            "disk_usage": {name: list(values) for name, values in self.disk_usage.items()},
            "cpu_summary": summary(list(self.cpu[0]), list(self.times))
            if self.cpu
            else summary([]),
            "mem_summary": summary(list(self.mem), list(self.times)),
        }


class ProcessHistory:
    """Statistics of one process (one pid) for one period; cpu in IRIX mode (100 = one core)."""

    def __init__(self, namespec: str, identifier: str, pid: int, period: float, depth: int):
        self.namespec = namespec
        self.identifier = identifier
        self.pid = pid
        self.period = period
        self.ref: Payload = {}
        self.start = 0.0
        self.times: deque[float] = deque(maxlen=depth)
        self.cpu: deque[float] = deque(maxlen=depth)
        self.mem: deque[float] = deque(maxlen=depth)

    def push(self, sample: Payload) -> Payload | None:
        if not self.ref:
            self.ref, self.start = sample, sample["now"]
            return None
        duration = sample["now"] - self.ref["now"]
        if duration < self.period or duration <= 0:
            return None
        cpu = max(0.0, 100.0 * (sample["proc_work"] - self.ref["proc_work"]) / duration)
        result = {
            "namespec": self.namespec,
            "identifier": self.identifier,
            "pid": self.pid,
            "target_period": self.period,
            "period": [self.ref["now"] - self.start, sample["now"] - self.start],
            "cpu": cpu,
            "mem": sample["proc_memory"],
        }
        self.times.append(sample["now"] - self.start)
        self.cpu.append(cpu)
        self.mem.append(sample["proc_memory"])
        self.ref = sample
        return result

    def serial(self, cpu_factor: float = 1.0) -> Payload:
        """The compiled history; `cpu_factor` is the number of cores in Solaris mode."""
        cpu = [value / cpu_factor for value in self.cpu]
        times = list(self.times)
        return {
            "namespec": self.namespec,
            "identifier": self.identifier,
            "pid": self.pid,
            "target_period": self.period,
            "times": times,
            "cpu": cpu,
            "mem": list(self.mem),
            "cpu_summary": summary(cpu, times),
            "mem_summary": summary(list(self.mem), times),
        }


class StatisticsCompiler:
    """Histories of the local host and of its processes, for every configured period."""

    def __init__(self, identifier: str, periods: tuple[float, ...], depth: int) -> None:
        self.identifier = identifier
        self.periods = periods
        self.depth = depth
        self.host = {period: HostHistory(identifier, period, depth) for period in periods}
        self.processes: dict[str, tuple[int, dict[float, ProcessHistory]]] = {}
        self.nb_cores = 1

    def push_host(self, sample: Payload) -> list[Payload]:
        self.nb_cores = max(1, len(sample["cpu"]) - 1)
        results = (history.push(sample) for history in self.host.values())
        return [result for result in results if result is not None]

    def push_process(self, sample: Payload) -> list[Payload]:
        namespec, pid = sample["namespec"], sample["pid"]
        if not pid:
            self.processes.pop(namespec, None)  # stopped: its history ends
            return []
        held_pid, histories = self.processes.get(namespec, (0, {}))
        if held_pid != pid:
            histories = {
                period: ProcessHistory(namespec, self.identifier, pid, period, self.depth)
                for period in self.periods
            }
            self.processes[namespec] = (pid, histories)
        results = (history.push(sample) for history in histories.values())
        return [result for result in results if result is not None]

    def forget_process(self, namespec: str) -> None:
        self.processes.pop(namespec, None)

    def reset(self) -> None:
        """New collecting period or re-enabled collection: histories start over."""
        self.host = {
            period: HostHistory(self.identifier, period, self.depth) for period in self.periods
        }
        self.processes.clear()

    def host_history(self, period: float) -> HostHistory | None:
        return self.host.get(period)

    def process_history(self, namespec: str, period: float) -> ProcessHistory | None:
        _, histories = self.processes.get(namespec, (0, {}))
        return histories.get(period)
