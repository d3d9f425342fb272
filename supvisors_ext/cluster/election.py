"""Synchronization conditions and the Master election over a cluster view; pure.

Used by the state machine (`engine.py`) and its tests (docs/design/election.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from supvisors_ext.cluster.fsm_io import ClusterView, InstanceView
from supvisors_ext.model import InstanceStates, SupvisorsStates, SynchronizationOptions

S = SupvisorsStates
I = InstanceStates  # noqa: E741 - short alias used in tables
CORE_MIN_DELAY = 15.0


STRUCTURAL_OPTIONS = (
    SynchronizationOptions.STRICT,
    SynchronizationOptions.LIST,
    SynchronizationOptions.CORE,
)


def local_view(view: ClusterView) -> InstanceView:
    return next(inst for inst in view.instances if inst.identifier == view.local_identifier)


def running_views(view: ClusterView) -> list[InstanceView]:
    return [inst for inst in view.instances if inst.state == I.RUNNING]


def synchro_conditions(view: ClusterView) -> dict[SynchronizationOptions, bool]:
    """Each enabled synchronization option and whether its condition holds now."""
    running = {inst.identifier for inst in running_views(view)}
    elapsed = view.now - view.started_at
    checks = {
        SynchronizationOptions.STRICT: lambda: all(
            inst.identifier in running for inst in view.instances if inst.listed
        ),
        SynchronizationOptions.LIST: lambda: all(
            inst.identifier in running for inst in view.instances if inst.state != I.ISOLATED
        ),
        SynchronizationOptions.TIMEOUT: lambda: elapsed >= view.synchro_timeout,
        SynchronizationOptions.CORE: lambda: (
            all(inst.identifier in running for inst in view.instances if inst.core)
            and elapsed >= min(CORE_MIN_DELAY, view.synchro_timeout)
        ),
        SynchronizationOptions.USER: lambda: (
            view.user_sync and (not view.user_master or view.user_master in running)
        ),
    }
    return {option: checks[option]() for option in view.synchro_options}


def lost_condition(view: ClusterView, met: dict[SynchronizationOptions, bool]) -> bool:
    """Synchronization lost, in precedence USER > CORE > STRICT > LIST
    (docs/design/state-machine.md#cluster-states)."""
    for option in (
        SynchronizationOptions.USER,
        SynchronizationOptions.CORE,
        SynchronizationOptions.STRICT,
        SynchronizationOptions.LIST,
    ):
        if option in met:
            if option == SynchronizationOptions.CORE:
                running = {inst.identifier for inst in running_views(view)}
                return not all(inst.identifier in running for inst in view.instances if inst.core)
            return not met[option]
    return False


def stable(view: ClusterView) -> bool:
    """No instance in transition, and every RUNNING instance sees the same RUNNING set."""
    if any(inst.state in (I.CHECKING, I.CHECKED, I.FAILED) for inst in view.instances):
        return False
    running = running_views(view)
    expected = frozenset(inst.identifier for inst in running)
    return all(
        inst.report is not None and inst.report.running_identifiers == expected for inst in running
    )


def select_master(view: ClusterView) -> str:
    """Deterministic choice every instance makes alike (docs/design/election.md, ELECTION)."""
    running = running_views(view)
    by_id = {inst.identifier: inst for inst in running}
    named = {inst.report.master_identifier for inst in running if inst.report}
    candidates = [by_id[name] for name in sorted(named) if name in by_id] or running
    clean = [inst for inst in candidates if not inst.rules_error]
    candidates = clean or candidates
    core = [inst for inst in candidates if inst.core]
    candidates = core or candidates
    return (
        min(candidates, key=lambda inst: (inst.nick, inst.identifier)).identifier
        if candidates
        else ""
    )


def running_set(instances: Iterable[InstanceView]) -> frozenset[str]:
    return frozenset(inst.identifier for inst in instances if inst.state == I.RUNNING)
