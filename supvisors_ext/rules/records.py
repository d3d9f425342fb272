"""Resolved rules of one application and of one process, as the plugin uses them; pure."""

from __future__ import annotations

from dataclasses import dataclass

from supvisors_ext.model import (
    DistributionRules,
    RunningFailureStrategies,
    StartingFailureStrategies,
    StartingStrategies,
)
from supvisors_ext.rules.formula import StatusFormula
from supvisors_ext.rules.identifiers import STAR


@dataclass(frozen=True, slots=True)
class ApplicationRules:
    """Rules of a managed application (docs/rules.md#document-structure), every default resolved.

    `identifiers` is the list as written after alias expansion: ('*',), a list of names, or
    the sign first for '#', e.g. ('#', 'server_1', 'server_2'); () when '#' cannot apply.
    """

    distribution: DistributionRules = DistributionRules.ALL_INSTANCES
    identifiers: tuple[str, ...] = (STAR,)
    start_sequence: int = 0
    stop_sequence: int = 0
    starting_strategy: StartingStrategies = StartingStrategies.CONFIG
    starting_failure_strategy: StartingFailureStrategies = StartingFailureStrategies.ABORT
    running_failure_strategy: RunningFailureStrategies = RunningFailureStrategies.CONTINUE
    operational_status: StatusFormula | None = None

    def as_dict(self) -> dict[str, object]:
        """The keys of `get_application_rules` without `application_name` (docs/api.md)."""
        return {
            "managed": True,
            "distribution": self.distribution.name,
            "identifiers": list(self.identifiers),
            "start_sequence": self.start_sequence,
            "stop_sequence": self.stop_sequence,
            "starting_strategy": self.starting_strategy.name,
            "starting_failure_strategy": self.starting_failure_strategy.name,
            "running_failure_strategy": self.running_failure_strategy.name,
            "status_formula": self.operational_status.text if self.operational_status else "",
        }


@dataclass(frozen=True, slots=True)
class ProgramRules:
    """Rules of one process (docs/rules.md#document-structure), after inheritance and adjustments.

    `identifiers` follows the same form as ApplicationRules.identifiers, with '#' or '@'
    first for a one-to-one distribution resolved later by the placement code.
    """

    identifiers: tuple[str, ...] = (STAR,)
    start_sequence: int = 0
    stop_sequence: int = 0
    required: bool = False
    wait_exit: bool = False
    expected_loading: int = 0
    starting_failure_strategy: StartingFailureStrategies = StartingFailureStrategies.ABORT
    running_failure_strategy: RunningFailureStrategies = RunningFailureStrategies.CONTINUE

    def as_dict(self) -> dict[str, object]:
        """The keys of `get_process_rules` without the name keys (docs/api.md)."""
        return {
            "identifiers": list(self.identifiers),
            "start_sequence": self.start_sequence,
            "stop_sequence": self.stop_sequence,
            "required": self.required,
            "wait_exit": self.wait_exit,
            "expected_loading": self.expected_loading,
            "starting_failure_strategy": self.starting_failure_strategy.name,
            "running_failure_strategy": self.running_failure_strategy.name,
        }


DEFAULT_PROGRAM_RULES = ProgramRules()
