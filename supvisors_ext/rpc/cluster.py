"""Cluster-level methods of the `supvisors` namespace (docs/api.md); main thread.

`ClusterHandler` depends on the context, the state machine, the configuration, the logger, the
peer calls (`PeerSync`), the repair handler (conciliation) and a `ClusterSteering`: the narrow
part of the runtime that owns the state machine's evaluation.
"""

from __future__ import annotations

from typing import Any, Protocol

from supvisors_ext.cluster.context import Context, InstanceRecord
from supvisors_ext.cluster.engine import Fsm
from supvisors_ext.config import Config
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.messages import StateModes
from supvisors_ext.model import (
    ConciliationStrategies,
    InstanceStates,
    LogLevels,
    SupvisorsStates,
    SynchronizationOptions,
    parse_enum,
)
from supvisors_ext.net.peers import call
from supvisors_ext.rpc import views
from supvisors_ext.rpc.base import CONC, SYNC, Guards, string_arg
from supvisors_ext.runtime.repair import RepairHandler
from supvisors_ext.runtime.sync import PeerSync

S = SupvisorsStates
# restart()/shutdown(): QUERY minus ELECTION (docs/api.md#cluster)
STOPPABLE = frozenset({S.DISTRIBUTION, S.OPERATION, S.CONCILIATION, S.RESTARTING, S.SHUTTING_DOWN})
Payload = dict[str, Any]


class ClusterSteering(Protocol):
    """What the RPC layer may ask of the runtime's state-machine loop."""

    @property
    def user_master(self) -> str: ...

    def state_modes(self) -> StateModes:
        """This instance's state & modes, as it publishes them."""
        ...

    def request_state(self, target: SupvisorsStates) -> bool:
        """Enter RESTARTING/SHUTTING_DOWN now if allowed."""
        ...

    def end_sync(self, master: str) -> None:
        """End the synchronization phase with this Master ('' for an election)."""
        ...


class ClusterHandler:
    """State & modes of every instance, network facts, log level, synchronization, stop."""

    def __init__(
        self,
        guards: Guards,
        context: Context,
        fsm: Fsm,
        config: Config,
        logger: PluginLogger,
        sync: PeerSync,
        repair: RepairHandler,
        steering: ClusterSteering,
    ) -> None:
        self._guards = guards
        self._context = context
        self._fsm = fsm
        self._config = config
        self._logger = logger
        self._sync = sync
        self._repair = repair
        self._steering = steering

    def _state_modes(self, record: InstanceRecord) -> Payload:
        if record.identifier == self._context.local_identifier:
            return views.state_modes_info(record, self._steering.state_modes())
        return views.state_modes_info(record, record.state_modes)

    def all_instances_state_modes(self) -> list[Payload]:
        records = sorted(self._context.instances.values(), key=lambda r: r.identifier)
        return [self._state_modes(record) for record in records]

    def instance_state_modes(self, identifier: object) -> list[Payload]:
        return [self._state_modes(record) for record in self._guards.instances(identifier)]

    def network_info(self, identifier: object) -> list[Payload]:
        payloads = []
        for record in self._guards.instances(identifier):
            if record.network is None:
                raise fault(
                    Faults.NOT_RUNNING, f"no network information from {record.identifier!r} yet"
                )
            payloads.append(views.network_info(record.network))
        return payloads

    def change_log_level(self, level_param: object) -> bool:
        if isinstance(level_param, str):
            level_param = level_param.strip().lower()
        try:
            level = parse_enum(LogLevels, level_param)
        except ValueError as exc:
            raise fault(Faults.INCORRECT_PARAMETERS, f"log level {exc}") from None
        self._logger.set_level(level)
        self._logger.info(f"log level set to {level.name}")
        return True

    def conciliate(self, strategy: object) -> bool:
        try:
            chosen = parse_enum(ConciliationStrategies, strategy)
        except ValueError as exc:
            raise fault(Faults.INCORRECT_PARAMETERS, f"conciliation strategy {exc}") from None
        self._guards.check_state(CONC)
        return self._repair.conciliate(chosen)

    def end_sync(self, master: object) -> bool:
        self._guards.check_state(SYNC)
        if SynchronizationOptions.USER not in self._config.synchro_options:
            raise fault(SupvisorsFaults.NOT_APPLICABLE, "USER is not in synchro_options")
        if self._steering.user_master or self._fsm.master:
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "a Master is already set")
        identifier = ""
        if string_arg(master, "master"):
            records = self._guards.instances(master)
            if len(records) > 1:
                raise fault(Faults.INCORRECT_PARAMETERS, f"{master!r} selects several instances")
            if records[0].state != InstanceStates.RUNNING:
                raise fault(Faults.NOT_RUNNING, f"{master!r} is {records[0].state.name}")
            identifier = records[0].identifier
        self._steering.end_sync(identifier)
        return True

    def stop_cluster(self, target: SupvisorsStates, method: str) -> bool:
        """restart()/shutdown(): on the Master, or forwarded to it."""
        self._guards.check_state(STOPPABLE)
        master = self._fsm.master
        if not master:
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, "no Master")
        if master != self._context.local_identifier:
            self._sync.submit(master, f"supvisors.{method}", call(f"supvisors.{method}"))
            self._logger.info(f"cluster {method} forwarded to the Master {master}")
            return True
        if self._fsm.state != target and not self._steering.request_state(target):
            raise fault(SupvisorsFaults.BAD_SUPVISORS_STATE, f"cannot {method} now")
        return True
