"""Statistics collection: worker thread vs helper process (docs/statistics.md).

For one host sample plus N process samples per round, measures:
- the CPU time a round costs in total (thread: the collecting thread; process: the helper's
  CPU plus the parent's receive and unpickle);
- the main thread's lateness: a 1 ms timer loop runs on the main thread while rounds are
  collected every 0.1 s; its p99 and maximum lateness tell how much collecting disturbs it
  (the GIL for a thread; only the pipe read for a process).

    python bench/stats_collection_bench.py [--processes 20] [--seconds 5]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time

from supvisors_ext.stats import collector


def collect_round(probe: collector.ProcessProbe, pids: list[int]) -> tuple[dict, list[dict]]:
    now = time.monotonic()
    host = collector.host_sample(now)
    return host, list(probe.sample_all({f"p{pid}": pid for pid in pids}, now))


def lateness_while(run_collector, seconds: float) -> list[float]:
    """Main-thread timer lateness (s) while `run_collector(stop)` collects in the background."""
    stop = threading.Event()
    worker = threading.Thread(target=run_collector, args=(stop,))
    worker.start()
    late = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        before = time.monotonic()
        time.sleep(0.001)
        late.append(time.monotonic() - before - 0.001)
    stop.set()
    worker.join()
    return late


def thread_mode(pids: list[int], seconds: float) -> tuple[float, list[float]]:
    costs: list[float] = []

    def run(stop: threading.Event) -> None:
        probe = collector.ProcessProbe()
        while not stop.wait(0.1):
            started = time.thread_time()
            collect_round(probe, pids)
            costs.append(time.thread_time() - started)

    late = lateness_while(run, seconds)
    return statistics.mean(costs), late


def helper(conn, pids: list[int]) -> None:
    probe = collector.ProcessProbe()
    while conn.recv():
        started = time.process_time()
        sample = collect_round(probe, pids)
        conn.send((sample, time.process_time() - started))


def process_mode(pids: list[int], seconds: float) -> tuple[float, list[float]]:
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(target=helper, args=(child, pids))
    proc.start()
    costs: list[float] = []

    def run(stop: threading.Event) -> None:
        while not stop.wait(0.1):
            started = time.thread_time()
            parent.send(True)
            _sample, child_cost = parent.recv()
            costs.append(child_cost + time.thread_time() - started)

    late = lateness_while(run, seconds)
    parent.send(False)
    proc.join()
    return statistics.mean(costs), late


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    sleepers = [
        subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
        for _ in range(args.processes)
    ]
    try:
        pids = [p.pid for p in sleepers]
        for name, mode in (("thread", thread_mode), ("process", process_mode)):
            cost, late = mode(pids, args.seconds)
            late.sort()
            print(
                f"{name:8} round CPU {cost * 1000:6.2f} ms  main-thread lateness"
                f" median {statistics.median(late) * 1000:.3f} ms"
                f" p99 {late[int(len(late) * 0.99)] * 1000:.3f} ms max {late[-1] * 1000:.2f} ms"
            )
    finally:
        for proc in sleepers:
            proc.kill()
            proc.wait()
    print(f"pid {os.getpid()}, {args.processes} processes sampled per round, 1 host sample")
    return 0


if __name__ == "__main__":
    sys.exit(main())
