"""Stand-in for a data bus (`scen2_internal_data_bus`, `common_data_bus`).

A TCP server on 127.0.0.1 (port: see scen2_lib.py). It greets every client with a hello
line and keeps the connection open; when the bus dies, the kernel closes these connections
and its clients (the services) see the end of the stream and exit.
"""

from __future__ import annotations

import selectors
import signal
import socket
import sys

import scen2_lib


def serve(bus_group: str) -> int:
    port = scen2_lib.bus_port(bus_group)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((scen2_lib.LOOPBACK, port))
    except OSError as exc:
        scen2_lib.log(f"cannot listen on {scen2_lib.LOOPBACK}:{port}: {exc}")
        listener.close()
        return 1
    listener.listen(64)
    scen2_lib.log(f"data bus of {bus_group} listening on {scen2_lib.LOOPBACK}:{port}")
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    try:
        while True:
            for key, _ in selector.select():
                sock = key.fileobj
                if sock is listener:
                    client, _ = listener.accept()
                    try:
                        client.sendall(scen2_lib.hello(bus_group))
                    except OSError:
                        client.close()
                        continue
                    selector.register(client, selectors.EVENT_READ)
                    continue
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:  # the client left
                    selector.unregister(sock)
                    sock.close()
    finally:
        for key in list(selector.get_map().values()):
            key.fileobj.close()
        selector.close()


def main() -> int:
    scen2_lib.fail_if_injected()
    # supervisord stops programs with SIGTERM: leave through the finally clauses
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return serve(scen2_lib.group_name())


if __name__ == "__main__":
    sys.exit(main())
