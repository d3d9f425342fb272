"""One effective <application> element, answering for the groups and processes it matches; pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from supvisors_ext.compat import SLOTS
from supvisors_ext.model import (
    DistributionRules,
    RunningFailureStrategies,
    StartingFailureStrategies,
    StartingStrategies,
)
from supvisors_ext.rules.elements import ApplicationElement, ProgramElement
from supvisors_ext.rules.errors import IssueLog
from supvisors_ext.rules.identifiers import (
    HASH,
    STAR,
    ListContext,
    application_rank,
    expand_aliases,
    normalise_signs,
)
from supvisors_ext.rules.matching import NameIndex, PatternIndex
from supvisors_ext.rules.records import ApplicationRules, ProgramRules
from supvisors_ext.rules.resolve import Definitions, ModelTable, or_default, resolve_program


@dataclass(frozen=True, **SLOTS)
class PreparedApplication:
    """Resolved rules of one <application> element and of each of its <program> elements."""

    element: ApplicationElement
    rules: ApplicationRules  # before the group-dependent '#' check
    programs_by_name: NameIndex[ProgramElement]
    programs_by_pattern: PatternIndex[ProgramElement]
    program_rules_of: Mapping[ProgramElement, ProgramRules]
    unmatched_program: ProgramRules  # defaults plus the application strategies

    def program_rules(self, process_name: str) -> ProgramRules:
        """The earliest <program name>, else the best <program pattern>, else the defaults."""
        program = self.programs_by_name.get(process_name)
        if program is None:
            program = self.programs_by_pattern.best(process_name)
        if program is None:
            return self.unmatched_program
        return self.program_rules_of[program]

    def rules_for_group(self, group_name: str, log: IssueLog) -> ApplicationRules:
        """The rules as seen by one group: an application-level '#' needs a -N/_N suffix."""
        if self.rules.identifiers[0] != HASH or application_rank(group_name) is not None:
            return self.rules
        log.warning(
            self.element.where,
            f"application '{group_name}': '#' needs a name ending with -N or _N (N >= 1): "
            "its identifiers are emptied and its start_sequence forced to 0",
        )
        # an unwritten stop_sequence follows the final start_sequence
        written = self.element.fields.stop_sequence is not None
        stop_sequence = self.rules.stop_sequence if written else 0
        return replace(self.rules, identifiers=(), start_sequence=0, stop_sequence=stop_sequence)


def _application_rules(
    element: ApplicationElement,
    aliases: Definitions,
    default_starting_strategy: StartingStrategies,
    log: IssueLog,
) -> ApplicationRules:
    fields = element.fields
    items = expand_aliases(or_default(fields.identifiers, (STAR,)), aliases)
    identifiers, notes = normalise_signs(items, ListContext.APPLICATION)
    for note in notes:
        log.warning(element.where, f"{element.describe()}: {note}")
    start_sequence = or_default(fields.start_sequence, 0)
    return ApplicationRules(
        distribution=or_default(fields.distribution, DistributionRules.ALL_INSTANCES),
        identifiers=identifiers,
        start_sequence=start_sequence,
        stop_sequence=or_default(fields.stop_sequence, start_sequence),
        starting_strategy=or_default(fields.starting_strategy, default_starting_strategy),
        starting_failure_strategy=or_default(
            fields.starting_failure_strategy, StartingFailureStrategies.ABORT
        ),
        running_failure_strategy=or_default(
            fields.running_failure_strategy, RunningFailureStrategies.CONTINUE
        ),
        operational_status=fields.operational_status,
    )


def prepare_application(
    element: ApplicationElement,
    models: ModelTable,
    aliases: Definitions,
    default_starting_strategy: StartingStrategies,
    log: IssueLog,
) -> PreparedApplication:
    """Resolve the application element and every effective <program> element in it."""
    rules = _application_rules(element, aliases, default_starting_strategy, log)
    by_name: NameIndex[ProgramElement] = NameIndex("program")
    by_pattern: PatternIndex[ProgramElement] = PatternIndex("program")
    for program in element.programs:
        if program.regex is not None:
            by_pattern.add(program.pattern or "", program.regex, program.where, program, log)
        else:  # the reader keeps only elements with a usable name or pattern
            by_name.add(program.name or "", program.where, program, log)
    # precedence first, so that a shadowed element is neither resolved nor warned about;
    # then document order, so that warnings come in the order of the file
    effective = {*by_name, *by_pattern}
    resolved = {
        program: resolve_program(program, element, models, aliases, log)
        for program in element.programs
        if program in effective
    }
    return PreparedApplication(
        element=element,
        rules=rules,
        programs_by_name=by_name,
        programs_by_pattern=by_pattern,
        program_rules_of=resolved,
        unmatched_program=ProgramRules(
            starting_failure_strategy=rules.starting_failure_strategy,
            running_failure_strategy=rules.running_failure_strategy,
        ),
    )
