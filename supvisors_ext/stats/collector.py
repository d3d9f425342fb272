"""psutil samples of the host and of processes (docs/statistics.md): the edge of `stats/`.

Each function returns the plain dictionaries `stats/compiler.py` integrates. psutil calls
that fail (a vanished process, an unreadable disk) give partial samples, never exceptions.
Called from the statistics worker thread, never from supervisord's main thread.
"""

from __future__ import annotations

import time
from typing import Any

import psutil

Payload = dict[str, Any]


def cpu_jiffies() -> list[tuple[float, float]]:
    """(work, idle) seconds per core, their average first (Supvisors' layout)."""
    cores = []
    for times in psutil.cpu_times(percpu=True):
        busy = ("user", "nice", "system", "irq", "softirq", "steal")  # guest is inside user
        work = sum(getattr(times, name, 0.0) for name in busy)
        cores.append((work, times.idle + getattr(times, "iowait", 0.0)))
    if not cores:
        return []
    count = len(cores)
    average = (sum(work for work, _ in cores) / count, sum(idle for _, idle in cores) / count)
    return [average, *cores]


def net_io() -> dict[str, tuple[int, int]]:
    """Bytes received and sent per network interface that is up."""
    up = {name for name, stats in psutil.net_if_stats().items() if stats.isup}
    counters = psutil.net_io_counters(pernic=True)
    return {nic: (io.bytes_recv, io.bytes_sent) for nic, io in counters.items() if nic in up}


def disk_io() -> dict[str, tuple[int, int]]:
    try:
        counters = psutil.disk_io_counters(perdisk=True) or {}
    except (NotImplementedError, OSError):
        return {}
    return {disk: (io.read_bytes, io.write_bytes) for disk, io in counters.items()}


def disk_usage() -> dict[str, float]:
    usage = {}
    for partition in psutil.disk_partitions():
        try:
            usage[partition.mountpoint] = psutil.disk_usage(partition.mountpoint).percent
        except OSError:
            continue  # a disk not ready or not readable
    return usage


def host_sample(now: float) -> Payload:
    return {
        "now": now,
        "cpu": cpu_jiffies(),
        "mem": psutil.virtual_memory().percent,
        "net_io": net_io(),
        "disk_io": disk_io(),
        "disk_usage": disk_usage(),
    }


def ppid_map() -> dict[int, int]:
    """pid -> parent pid of every process, read once per round (psutil's `children()` reads
    it again for each call: 5 ms on a host with 200 processes)."""
    reader = getattr(psutil, "_ppid_map", None)  # psutil's own fast reader, when it has one
    if reader is not None:
        try:
            return dict(reader())
        except (OSError, psutil.Error):
            pass
    return {p.pid: p.info["ppid"] or 0 for p in psutil.process_iter(["ppid"])}


def descendants(pid: int, children_of: dict[int, list[int]]) -> list[int]:
    found, stack = [], list(children_of.get(pid, ()))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children_of.get(child, ()))
    return found


class ProcessProbe:
    """Keeps psutil.Process objects by pid (a cached object saves reopening /proc entries
    and detects pid reuse)."""

    def __init__(self) -> None:
        self.cache: dict[int, psutil.Process] = {}

    def sample_all(self, pids: dict[str, int], now: float) -> tuple[Payload, ...]:
        """One sample per (namespec, pid), children included, with one read of the ppids."""
        children_of: dict[int, list[int]] = {}
        if pids:
            for child, parent in ppid_map().items():
                children_of.setdefault(parent, []).append(child)
        samples = []
        for name, pid in pids.items():
            samples.append(self.sample(name, pid, now, children_of))
            time.sleep(0)  # hand the GIL to supervisord's main thread between processes

        self.forget_others(
            set(pids.values()) | {c for p in pids.values() for c in children_of.get(p, ())}
        )
        return tuple(samples)

    def process(self, pid: int) -> psutil.Process:
        process = self.cache.get(pid)
        if process is None or not process.is_running():
            process = self.cache[pid] = psutil.Process(pid)
        return process

    def sample(
        self, namespec: str, pid: int, now: float, children_of: dict[int, list[int]]
    ) -> Payload:
        """Work (user + system CPU seconds, descendants included) and memory percent."""
        if pid <= 0:
            return {"namespec": namespec, "pid": 0, "now": now}
        try:
            work, memory = _usage(self.process(pid))
        except (psutil.Error, OSError):
            self.cache.pop(pid, None)
            return {"namespec": namespec, "pid": 0, "now": now}
        for child in descendants(pid, children_of):
            try:
                child_work, child_memory = _usage(psutil.Process(child))
            except (psutil.Error, OSError):
                continue  # a child that ended meanwhile
            work += child_work
            memory += child_memory
        return {
            "namespec": namespec,
            "pid": pid,
            "now": now,
            "proc_work": work,
            "proc_memory": memory,
        }

    def forget_others(self, pids: set[int]) -> None:
        for pid in list(self.cache):
            if pid not in pids:
                del self.cache[pid]


def _usage(process: psutil.Process) -> tuple[float, float]:
    with process.oneshot():
        times = process.cpu_times()
        return times.user + times.system, process.memory_percent()
