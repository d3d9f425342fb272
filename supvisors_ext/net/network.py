"""Network facts of an instance (docs/api.md, network info): gathered locally, read from peers.

The records themselves (`NetworkInfo`, `NicAddress`) are pure values of `model`; their XML-RPC
form is built by `rpc/views.py`.
"""

from __future__ import annotations

import socket
import uuid

import psutil

from supvisors_ext.model import InstanceId, NetworkInfo, NicAddress


def machine_id() -> str:
    node = uuid.getnode()
    return ":".join(f"{(node >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def local_network_info(instance: InstanceId, stereotypes: tuple[str, ...]) -> NetworkInfo:
    """Gather this machine's facts (loopback excluded); reverse DNS is tried but never required."""
    addresses = []
    for nic, entries in sorted(psutil.net_if_addrs().items()):
        for entry in entries:
            if entry.family != socket.AF_INET or entry.address.startswith("127."):
                continue
            host_name, aliases = _reverse(entry.address)
            addresses.append(
                NicAddress(nic, host_name, aliases, entry.address, entry.netmask or "")
            )
    return NetworkInfo(
        identifier=instance.identifier,
        nick_identifier=instance.nick,
        host_id=socket.gethostname(),
        http_port=instance.http_port,
        internal_port=instance.internal_port,
        stereotypes=stereotypes,
        fqdn=socket.getfqdn(),
        machine_id=machine_id(),
        addresses=tuple(addresses),
    )


def _reverse(address: str) -> tuple[str, tuple[str, ...]]:
    try:
        host_name, aliases, _ = socket.gethostbyaddr(address)
        return host_name, tuple(aliases)
    except OSError:
        return address, ()


def network_from_payload(payload: object) -> NetworkInfo:
    """Rebuild a peer's NetworkInfo; ValueError naming the bad key."""
    if not isinstance(payload, dict):
        raise ValueError("network info must be a struct")
    try:
        network = payload["network"]
        nics = []
        for name, nic in dict(network["addresses"]).items():
            info = nic["nic_info"]
            nics.append(
                NicAddress(
                    str(name),
                    str(nic["host_name"]),
                    tuple(str(alias) for alias in nic["aliases"]),
                    str(info["ipv4_address"]),
                    str(info["netmask"]),
                )
            )
        return NetworkInfo(
            identifier=str(payload["identifier"]),
            nick_identifier=str(payload["nick_identifier"]),
            host_id=str(payload["host_id"]),
            http_port=int(payload["http_port"]),
            internal_port=int(payload["internal_port"]),
            stereotypes=tuple(str(s) for s in payload["stereotypes"]),
            fqdn=str(network["fqdn"]),
            machine_id=str(network["machine_id"]),
            addresses=tuple(nics),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"network info is missing or has a bad {exc}") from None
