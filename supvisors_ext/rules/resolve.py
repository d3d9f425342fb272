"""Aliases, models and inheritance: from elements to resolved rules; pure (docs/rules.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from supvisors_ext.model import RunningFailureStrategies, StartingFailureStrategies
from supvisors_ext.rules.elements import (
    AliasElement,
    ApplicationElement,
    ProgramElement,
    ProgramFields,
)
from supvisors_ext.rules.errors import IssueLog, Location
from supvisors_ext.rules.identifiers import (
    STAR,
    ListContext,
    expand_aliases,
    find_alias_cycles,
    normalise_signs,
)
from supvisors_ext.rules.records import ProgramRules

T = TypeVar("T")
Definitions = Mapping[str, tuple[str, ...]]


def or_default(value: T | None, default: T) -> T:
    """`value` unless it was not written (None); enum members may be falsy, so no `or`."""
    return default if value is None else value


def collect_aliases(elements: Iterable[AliasElement], log: IssueLog) -> dict[str, tuple[str, ...]]:
    """Alias definitions by name (the later one wins, with a warning); cycles are errors."""
    winners: dict[str, AliasElement] = {}
    for alias in elements:
        previous = winners.get(alias.name)
        if previous is not None:
            log.warning(
                alias.where,
                f"alias '{alias.name}' is defined again: this definition replaces the one at "
                f"{previous.where.path}:{previous.where.line}",
            )
        winners[alias.name] = alias
    definitions = {name: alias.items for name, alias in winners.items()}
    for cycle in find_alias_cycles(definitions):
        log.error(winners[cycle[0]].where, f"alias cycle: {' -> '.join((*cycle, cycle[0]))}")
    return definitions


class ModelTable:
    """Models by name; a later definition of a name replaces the earlier one (warning)."""

    def __init__(self, models: Iterable[ProgramElement], log: IssueLog) -> None:
        self._models: dict[str, ProgramElement] = {}
        for model in models:
            name = model.name or ""
            previous = self._models.get(name)
            if previous is not None:
                log.warning(
                    model.where,
                    f"model '{name}' is defined again: this definition replaces the one at "
                    f"{previous.where.path}:{previous.where.line}",
                )
            self._models[name] = model

    def _follow(self, owner: ProgramElement, log: IssueLog) -> ProgramElement | None:
        """The model referenced by `owner`, or None (with a warning if it is unknown)."""
        if owner.reference is None:
            return None
        model = self._models.get(owner.reference)
        if model is None:
            log.warning(
                owner.reference_where or owner.where,
                f"reference to unknown model '{owner.reference}' is ignored",
            )
        return model

    def chain(self, program: ProgramElement, log: IssueLog) -> list[ProgramFields]:
        """Fields to apply in order: model B, model A, then the program itself
        (docs/rules.md#models-and-inheritance, steps 3-4)."""
        chain = [program.fields]
        model_a = self._follow(program, log)
        if model_a is None:
            return chain
        chain.insert(0, model_a.fields)
        model_b = self._follow(model_a, log)
        if model_b is None:
            return chain
        chain.insert(0, model_b.fields)
        if model_b.reference is not None:
            # two model levels at most, as in Supvisors: any value is overridden at most twice
            log.warning(
                model_b.reference_where or model_b.where,
                f"reference to model '{model_b.reference}' in model '{model_b.name}' is ignored: "
                f"'{model_b.name}' is itself referenced by model '{model_a.name}' "
                "(two model levels at most)",
            )
        return chain


def application_defaults(application: ApplicationElement) -> ProgramFields:
    """Steps 1-2 of docs/rules.md#models-and-inheritance: program defaults with the application's
    failure strategies."""
    fields = application.fields
    return ProgramFields(
        identifiers=(STAR,),
        start_sequence=0,
        required=False,
        wait_exit=False,
        expected_loading=0,
        starting_failure_strategy=or_default(
            fields.starting_failure_strategy, StartingFailureStrategies.ABORT
        ),
        running_failure_strategy=or_default(
            fields.running_failure_strategy, RunningFailureStrategies.CONTINUE
        ),
    )


def finalise_program(
    merged: ProgramFields,
    context: ListContext,
    where: Location,
    label: str,
    aliases: Definitions,
    log: IssueLog,
) -> ProgramRules:
    """Expand identifiers and make the adjustments of docs/rules.md#models-and-inheritance, each
    with a warning naming `label`."""
    items = expand_aliases(or_default(merged.identifiers, (STAR,)), aliases)
    identifiers, notes = normalise_signs(items, context)
    for note in notes:
        log.warning(where, f"{label}: {note}")
    start_sequence = or_default(merged.start_sequence, 0)
    required = or_default(merged.required, False)
    if required and start_sequence == 0:
        log.warning(where, f"{label}: 'required' is forced to false because start_sequence is 0")
        required = False
    return ProgramRules(
        identifiers=identifiers,
        start_sequence=start_sequence,
        stop_sequence=or_default(merged.stop_sequence, start_sequence),
        required=required,
        wait_exit=or_default(merged.wait_exit, False),
        expected_loading=or_default(merged.expected_loading, 0),
        starting_failure_strategy=or_default(
            merged.starting_failure_strategy, StartingFailureStrategies.ABORT
        ),
        running_failure_strategy=or_default(
            merged.running_failure_strategy, RunningFailureStrategies.CONTINUE
        ),
    )


def resolve_program(
    program: ProgramElement,
    application: ApplicationElement,
    models: ModelTable,
    aliases: Definitions,
    log: IssueLog,
) -> ProgramRules:
    """Rules of the processes matched by one <program> element
    (docs/rules.md#models-and-inheritance, all steps)."""
    merged = application_defaults(application)
    for fields in models.chain(program, log):
        merged = merged.overlay(fields)
    context = ListContext.PROGRAM_NAME if program.name is not None else ListContext.PROGRAM_PATTERN
    label = f"{program.describe()} of {application.describe()}"
    return finalise_program(merged, context, program.where, label, aliases, log)
