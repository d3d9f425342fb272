"""psutil samples of the host and of processes (docs/statistics.md): the edge of `stats/`.

Each function returns the plain dictionaries `stats/compiler.py` integrates. psutil calls
that fail (a vanished process, an unreadable disk) give partial samples, never exceptions.
Called from the statistics worker thread, never from supervisord's main thread.
"""

from __future__ import annotations

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


class ProcessProbe:
    """Keeps psutil.Process objects by pid (their CPU times need no reference on Linux,
    but a cached object saves reopening /proc entries and checks pid reuse)."""

    def __init__(self) -> None:
        self.cache: dict[int, psutil.Process] = {}

    def sample(self, namespec: str, pid: int, now: float) -> Payload:
        """Work (user + system CPU seconds, children included) and memory percent."""
        if pid <= 0:
            return {"namespec": namespec, "pid": 0, "now": now}
        try:
            process = self.cache.get(pid)
            if process is None or not process.is_running():
                process = self.cache[pid] = psutil.Process(pid)
            work, memory = _usage(process)
            for child in process.children(recursive=True):
                try:
                    child_work, child_memory = _usage(child)
                except (psutil.Error, OSError):
                    continue  # a child that ended meanwhile
                work += child_work
                memory += child_memory
        except (psutil.Error, OSError):
            self.cache.pop(pid, None)
            return {"namespec": namespec, "pid": 0, "now": now}
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
