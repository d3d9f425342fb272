"""The `supvisors` XML-RPC methods of the cluster: state and modes, network, log level,
conciliation, restart and shutdown.

Each function is a method of `SupvisorsNamespace` (rpc/namespace.py names them in its class
body, so supervisor lists them): a documented delegation to one handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supvisors_ext.model import SupvisorsStates
from supvisors_ext.rpc.base import rpc_method

if TYPE_CHECKING:
    from supvisors_ext.rpc.namespace import SupvisorsNamespace

Payload = dict[str, Any]


@rpc_method
def get_all_instances_state_modes(self: SupvisorsNamespace) -> list[Payload]:
    """Return the state & modes last published by every instance, sorted by identifier.

    @return array state & modes structs
    """
    return self._cluster.all_instances_state_modes()


@rpc_method
def get_instance_state_modes(self: SupvisorsNamespace, identifier: str) -> list[Payload]:
    """Return the state & modes last published by the designated instances.

    @param string identifier an identifier, a nick or a stereotype
    @return array state & modes structs
    """
    return self._cluster.instance_state_modes(identifier)


@rpc_method
def get_network_info(self: SupvisorsNamespace, identifier: str) -> list[Payload]:
    """Return the network facts of the designated instances (peers read them at handshake).

    @param string identifier an identifier, a nick or a stereotype
    @return array network info structs
    """
    return self._cluster.network_info(identifier)


@rpc_method
def change_log_level(self: SupvisorsNamespace, level_param: Any) -> bool:
    """Change the level of the plugin's logger (and supervisord's when logfile is AUTO).

    @param string level_param a level name (critical ... blather) or its code
    @return boolean always True
    """
    return self._cluster.change_log_level(level_param)


@rpc_method
def conciliate(self: SupvisorsNamespace, strategy: Any) -> bool:
    """Apply a conciliation strategy once to every conflict
    (docs/design/failures.md#conciliation).

    @param string strategy a conciliation strategy name or code
    @return boolean True, or False for USER (nothing done)
    """
    return self._cluster.conciliate(strategy)


@rpc_method
def end_sync(self: SupvisorsNamespace, master: str = "") -> bool:
    """End the synchronization phase now, with the given Master or by election.

    @param string master an identifier or nick, or '' for an election
    @return boolean always True
    """
    return self._cluster.end_sync(master)


@rpc_method
def restart(self: SupvisorsNamespace) -> bool:
    """Stop every application, then restart every supervisord of the cluster.

    @return boolean always True
    """
    return self._cluster.stop_cluster(SupvisorsStates.RESTARTING, "restart")


@rpc_method
def shutdown(self: SupvisorsNamespace) -> bool:
    """Stop every application, then shut down every supervisord of the cluster.

    @return boolean always True
    """
    return self._cluster.stop_cluster(SupvisorsStates.SHUTTING_DOWN, "shutdown")
