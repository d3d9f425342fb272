"""What the state machine reads and returns: the cluster view and the actions; pure values.

The runtime builds a `ClusterView` snapshot (time included) and carries out the returned
`Action`s (docs/design/state-machine.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from supvisors_ext.model import (
    InstanceStates,
    SupvisorsFailureStrategies,
    SupvisorsStates,
    SynchronizationOptions,
)


@dataclass(frozen=True, slots=True)
class PeerReport:
    """What an instance last published about itself (its STATE message)."""

    fsm_state: SupvisorsStates
    master_identifier: str
    running_identifiers: frozenset[str]


@dataclass(frozen=True, slots=True)
class InstanceView:
    identifier: str
    nick: str
    state: InstanceStates
    listed: bool  # in supvisors_list
    core: bool
    rules_error: bool
    report: PeerReport | None  # None until a STATE message arrived (the local one is always set)


@dataclass(frozen=True, slots=True)
class ClusterView:
    now: float
    local_identifier: str
    instances: tuple[InstanceView, ...]
    synchro_options: frozenset[SynchronizationOptions]
    synchro_timeout: float
    failure_strategy: SupvisorsFailureStrategies
    auto_fence: bool
    started_at: float  # when the FSM (re)entered OFF
    user_sync: bool  # end_sync was called (or a peer named a Master while we synchronize, USER)
    user_master: str  # Master given to end_sync, '' for an election
    jobs_in_progress: bool  # any instance has start/stop jobs
    conflicts: bool
    distribution_done: bool  # the local automatic start has ended (Master only)
    global_stop_done: bool  # the local global stop has ended (Master only)


# ----- actions returned to the plugin
@dataclass(frozen=True, slots=True)
class SetInstanceState:
    identifier: str
    state: InstanceStates


@dataclass(frozen=True, slots=True)
class InstanceLost:
    """A FAILED instance was processed: its processes must be declared lost
    (docs/design/failures.md#node-loss)."""

    identifier: str


@dataclass(frozen=True, slots=True)
class EnterState:
    state: SupvisorsStates
    master: str  # the Master when the state was entered


@dataclass(frozen=True, slots=True)
class AbortJobs:
    pass


@dataclass(frozen=True, slots=True)
class StartDistribution:
    pass


@dataclass(frozen=True, slots=True)
class Conciliate:
    pass


@dataclass(frozen=True, slots=True)
class StartGlobalStop:
    pass


@dataclass(frozen=True, slots=True)
class ExitSupervisord:
    restart: bool


# Union: evaluated at run time, and Python 3.9 has no `X | Y` between classes
Action = Union[  # noqa: UP007
    SetInstanceState,
    InstanceLost,
    EnterState,
    AbortJobs,
    StartDistribution,
    Conciliate,
    StartGlobalStop,
    ExitSupervisord,
]
