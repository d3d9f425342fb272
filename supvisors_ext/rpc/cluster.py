"""Cluster-level methods of the `supvisors` namespace (docs/api.md); main thread."""

from __future__ import annotations

import time
from typing import Any

from supvisors_ext import messages
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.model import (
    ConciliationStrategies,
    InstanceStates,
    LogLevels,
    SupvisorsStates,
    SynchronizationOptions,
    parse_enum,
)
from supvisors_ext.net.network import NetworkInfo
from supvisors_ext.net.peers import call
from supvisors_ext.rpc.base import ANY, CONC, SYNC, NamespaceBase, rpc_method, string_arg

S = SupvisorsStates
# restart()/shutdown(): QUERY minus ELECTION (docs/api.md#cluster)
STOPPABLE = frozenset({S.DISTRIBUTION, S.OPERATION, S.CONCILIATION, S.RESTARTING, S.SHUTTING_DOWN})


def unknown_state_modes() -> messages.StateModes:
    """What we report for an instance that has published nothing yet."""
    return messages.StateModes(S.OFF, False, False, "", False, False, (), "", ())


class ClusterMethods(NamespaceBase):
    """State & modes of every instance, network facts, log level, synchronization, stop."""

    def _state_modes_payload(self, record: Any) -> dict[str, Any]:
        if record.identifier == self.plugin.context.local_identifier:
            modes = self.plugin.state_modes()
        else:
            modes = record.state_modes
            if not isinstance(modes, messages.StateModes):
                modes = unknown_state_modes()
        payload = modes.to_payload()
        payload.update(
            identifier=record.identifier,
            nick_identifier=record.id.nick,
            now_monotonic=time.monotonic(),
        )
        return payload

    @rpc_method
    def get_all_instances_state_modes(self) -> list[dict[str, Any]]:
        """Return the state & modes last published by every instance, sorted by identifier.

        @return array state & modes structs
        """
        records = sorted(self.plugin.context.instances.values(), key=lambda r: r.identifier)
        return [self._state_modes_payload(record) for record in records]

    @rpc_method
    def get_instance_state_modes(self, identifier: str) -> list[dict[str, Any]]:
        """Return the state & modes last published by the designated instances.

        @param string identifier an identifier, a nick or a stereotype
        @return array state & modes structs
        """
        return [self._state_modes_payload(record) for record in self._instances(identifier)]

    @rpc_method
    def get_network_info(self, identifier: str) -> dict[str, Any]:
        """Return the network facts of one instance (used by peers during their handshake).

        @param string identifier an identifier or a nick
        @return struct network info
        """
        records = self._instances(identifier)
        if len(records) > 1:
            names = ", ".join(record.identifier for record in records)
            raise fault(Faults.INCORRECT_PARAMETERS, f"{identifier!r} selects several: {names}")
        network = records[0].network
        if not isinstance(network, NetworkInfo):
            raise fault(Faults.NOT_RUNNING, f"no network information from {identifier!r} yet")
        return network.to_payload()

    @rpc_method
    def change_log_level(self, level_param: Any) -> bool:
        """Change the level of the plugin's logger (and supervisord's when logfile is AUTO).

        @param string level_param a level name (critical ... blather) or its code
        @return boolean always True
        """
        if isinstance(level_param, str):
            level_param = level_param.strip().lower()
        try:
            level = parse_enum(LogLevels, level_param)
        except ValueError as exc:
            raise fault(Faults.INCORRECT_PARAMETERS, f"log level {exc}") from None
        self.plugin.logger.set_level(level)
        self.plugin.logger.info(f"log level set to {level.name}")
        return True

    @rpc_method
    def conciliate(self, strategy: Any) -> bool:
        """Apply a conciliation strategy once to every conflict
        (docs/design/failures.md#conciliation).

        @param string strategy a conciliation strategy name or code
        @return boolean True, or False for USER (nothing done)
        """
        try:
            chosen = parse_enum(ConciliationStrategies, strategy)
        except ValueError as exc:
            raise fault(Faults.INCORRECT_PARAMETERS, f"conciliation strategy {exc}") from None
        self._check_state(CONC)
        return self.plugin.repair.conciliate(chosen)

    @rpc_method
    def end_sync(self, master: str = "") -> bool:
        """End the synchronization phase now, with the given Master or by election.

        @param string master an identifier or nick, or '' for an election
        @return boolean always True
        """
        self._check_state(SYNC)
        plugin = self.plugin
        if SynchronizationOptions.USER not in plugin.config.synchro_options:
            raise fault(SupvisorsFaults.NOT_APPLICABLE, "USER is not in synchro_options")
        if plugin.user_master or plugin.fsm.master:
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "a Master is already set")
        identifier = ""
        if string_arg(master, "master"):
            records = self._instances(master)
            if len(records) > 1:
                raise fault(Faults.INCORRECT_PARAMETERS, f"{master!r} selects several instances")
            if records[0].state != InstanceStates.RUNNING:
                raise fault(Faults.NOT_RUNNING, f"{master!r} is {records[0].state.name}")
            identifier = records[0].identifier
        plugin.user_sync, plugin.user_master = True, identifier
        plugin.evaluate()
        return True

    @rpc_method
    def restart(self) -> bool:
        """Stop every application, then restart every supervisord of the cluster.

        @return boolean always True
        """
        return self._stop_cluster(S.RESTARTING, "restart")

    @rpc_method
    def shutdown(self) -> bool:
        """Stop every application, then shut down every supervisord of the cluster.

        @return boolean always True
        """
        return self._stop_cluster(S.SHUTTING_DOWN, "shutdown")

    def _stop_cluster(self, target: SupvisorsStates, method: str) -> bool:
        self._check_state(STOPPABLE)
        plugin = self.plugin
        master = plugin.fsm.master
        if not master:
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "no Master")
        if master != plugin.context.local_identifier:
            plugin.sync.submit(master, f"supvisors.{method}", call(f"supvisors.{method}"))
            plugin.logger.info(f"cluster {method} forwarded to the Master {master}")
            return True
        if plugin.fsm.state != target and not plugin.request_state(target):
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, f"cannot {method} now")
        return True


__all__ = ["ANY", "ClusterMethods"]
