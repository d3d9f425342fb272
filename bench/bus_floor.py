"""The cost of hearing the heartbeats, without the plugin (issue 18, idle CPU).

    python bench/bus_floor.py              # 5 publishers x 5 TICK/s, 15 s per mode

One SUB socket in a thread polls 5 PUB sockets over loopback, as a bus thread of an N=6 cluster
at tick 0.2 s hears its 5 peers (25 TICK messages a second), in three modes:

- `recv`: poll, then receive until the socket is empty; nothing else;
- `decode`: the same, plus `message_decoder.decode` of every message (what the bus thread does);
- `bus`: the plugin's own `Bus` with its heartbeat (publishes 5 TICK/s, counts silences).

Prints the CPU % of that thread (from /proc/self/task/<tid>/stat) and of libzmq's I/O thread,
and writes bench/reports/bus_floor.json.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import zmq  # noqa: E402

from supvisors_ext.message_decoder import decode  # noqa: E402
from supvisors_ext.messages import encode  # noqa: E402
from supvisors_ext.net.bus import Bus  # noqa: E402
from supvisors_ext.net.bus_thread import THREAD_NAME, HeartbeatPlan, PeerEndpoint  # noqa: E402
from tests.component.test_bus import free_port  # noqa: E402

PEERS, PERIOD, WINDOW = 5, 0.2, 15.0
TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu(native_id: int) -> float:
    fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def io_threads() -> list[int]:
    found = []
    for task in Path("/proc/self/task").iterdir():
        if (task / "comm").read_text().startswith("ZMQbg/IO"):
            found.append(int(task.name))
    return found


def plan(index: int, port: int) -> HeartbeatPlan:
    return HeartbeatPlan(f"p{index}", f"p{index}", 1, port, ("server",), "run", PERIOD, 3)


def publish_for(pubs: list[Any], ports: list[int], seconds: float) -> None:
    """The peers' heartbeats: each of them every PERIOD, spread over the period."""
    counter, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        counter += 1
        for index, pub in enumerate(pubs):
            message = plan(index, ports[index]).tick(counter, time.monotonic(), time.time())
            pub.send_multipart(encode(message))
            time.sleep(PERIOD / len(pubs))


def measure(mode: str) -> dict[str, float]:
    context: zmq.Context[Any] = zmq.Context()
    ports = [free_port() for _ in range(PEERS)]
    pubs = []
    for port in ports:
        pub = context.socket(zmq.PUB)
        pub.bind(f"tcp://127.0.0.1:{port}")
        pubs.append(pub)
    stop = threading.Event()
    bus = None
    if mode == "bus":
        peers = [PeerEndpoint(f"p{index}", "127.0.0.1", port) for index, port in enumerate(ports)]
        own = free_port()
        heartbeat = HeartbeatPlan("me", "me", 1, own, (), "run", PERIOD, 3)
        inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        bus = Bus(own, peers, inbox, lambda: None, bind_host="127.0.0.1", heartbeat=heartbeat)
        bus.start()
        thread = next(t for t in threading.enumerate() if t.name == THREAD_NAME)
    else:

        def serve() -> None:
            sub = context.socket(zmq.SUB)
            sub.setsockopt(zmq.SUBSCRIBE, b"")
            for port in ports:
                sub.connect(f"tcp://127.0.0.1:{port}")
            poller = zmq.Poller()
            poller.register(sub, zmq.POLLIN)
            while not stop.is_set():
                if dict(poller.poll(200)):
                    while sub.getsockopt(zmq.EVENTS) & zmq.POLLIN:
                        frames = sub.recv_multipart(zmq.NOBLOCK)
                        if mode == "decode":
                            decode(frames)
            sub.close(linger=0)

        thread = threading.Thread(target=serve, name="floor")
        thread.start()
    time.sleep(1.0)  # connections settle
    assert thread.native_id is not None
    tid, ios = thread.native_id, io_threads()
    before = thread_cpu(tid), sum(thread_cpu(io) for io in ios)
    start = time.monotonic()
    publish_for(pubs, ports, WINDOW)
    elapsed = time.monotonic() - start
    after = thread_cpu(tid), sum(thread_cpu(io) for io in ios)
    stop.set()
    if bus is not None:
        bus.stop()
    else:
        thread.join()
    for pub in pubs:
        pub.close(linger=0)
    context.term()
    return {
        "thread_cpu_percent": 100 * (after[0] - before[0]) / elapsed,
        "zmq_io_cpu_percent": 100 * (after[1] - before[1]) / elapsed,
    }


def main() -> int:
    results = {mode: measure(mode) for mode in ("recv", "decode", "bus")}
    print(f"{PEERS} peers x {1 / PERIOD:g} TICK/s, {WINDOW:g} s per mode")
    print("| mode | receiving thread CPU % | libzmq I/O threads CPU % |\n| --- | --- | --- |")
    for mode, row in results.items():
        print(f"| {mode} | {row['thread_cpu_percent']:.2f} | {row['zmq_io_cpu_percent']:.2f} |")
    target = Path(__file__).resolve().parent / "reports" / "bus_floor.json"
    target.write_text(json.dumps({"peers": PEERS, "period": PERIOD, "results": results}, indent=1))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
