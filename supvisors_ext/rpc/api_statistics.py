"""The `supvisors` XML-RPC methods of statistics (docs/statistics.md).

Each function is a method of `SupvisorsNamespace` (rpc/namespace.py names them in its class
body, so supervisor lists them): a documented delegation to one handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supvisors_ext.rpc.base import rpc_method

if TYPE_CHECKING:
    from supvisors_ext.rpc.namespace import SupvisorsNamespace

Payload = dict[str, Any]


@rpc_method
def get_statistics_status(self: SupvisorsNamespace) -> Payload:
    """Return the statistics collection status of this instance.

    @return struct host_stats, process_stats (booleans) and collecting_period (seconds)
    """
    return self._statistics.status()


@rpc_method
def enable_host_statistics(self: SupvisorsNamespace, enable_host: bool) -> bool:
    """Enable or disable the host statistics collection of this instance.

    @param boolean enable_host True to collect host statistics
    @return boolean always True unless error
    """
    return self._statistics.enable_host(enable_host)


@rpc_method
def enable_process_statistics(self: SupvisorsNamespace, enable_process: bool) -> bool:
    """Enable or disable the process statistics collection of this instance.

    @param boolean enable_process True to collect process statistics
    @return boolean always True unless error
    """
    return self._statistics.enable_process(enable_process)


@rpc_method
def update_collecting_period(self: SupvisorsNamespace, collecting_period: float) -> bool:
    """Change the minimum interval between two samples of this instance.

    @param float collecting_period seconds, in [1;3600]
    @return boolean always True unless error
    """
    return self._statistics.update_period(collecting_period)


@rpc_method
def get_host_statistics(self: SupvisorsNamespace, identifier: str, period: float) -> Payload:
    """Return the compiled host statistics of this instance over one configured period.

    @param string identifier this instance's identifier or nick
    @param float period one of the stats_periods (0: the shortest)
    @return struct times, cpu (total first, then per core), mem, net_io, disk_io, disk_usage
    """
    return self._statistics.host(identifier, period)


@rpc_method
def get_process_statistics(self: SupvisorsNamespace, namespec: str, period: float) -> list[Payload]:
    """Return the compiled statistics of local processes over one configured period.

    @param string namespec a process or group:* namespec
    @param float period one of the stats_periods (0: the shortest)
    @return array one struct per running local process: times, cpu, mem and summaries
    """
    return self._statistics.processes(namespec, period)
