"""The loaded rule set and `load_rules`; pure (docs/rules.md).

Rules are read once, at plugin start, on supervisord's main thread; a Rules object is not
changed afterwards except for its match caches and the warnings that matching may add.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from supvisors_ext.model import StartingStrategies
from supvisors_ext.rules.application import PreparedApplication, prepare_application
from supvisors_ext.rules.elements import ApplicationElement, FileContent
from supvisors_ext.rules.errors import IssueLog, RulesFileError, RulesIssue
from supvisors_ext.rules.identifiers import expand_aliases
from supvisors_ext.rules.matching import NameIndex, PatternIndex
from supvisors_ext.rules.reader import read_file
from supvisors_ext.rules.records import DEFAULT_PROGRAM_RULES, ApplicationRules, ProgramRules
from supvisors_ext.rules.resolve import ModelTable, collect_aliases


class Rules:
    """Every rule of the loaded files, answering per group and per process name.

    `warnings` holds the load warnings; matching a group name that an application-level '#'
    cannot use appends one more (once per group), so callers log `warnings[n:]` after calls.
    """

    def __init__(
        self,
        files: Sequence[str] = (),
        contents: Sequence[FileContent] = (),
        aliases: Mapping[str, tuple[str, ...]] | None = None,
        default_starting_strategy: StartingStrategies = StartingStrategies.CONFIG,
        log: IssueLog | None = None,
    ) -> None:
        self._log = log if log is not None else IssueLog()
        self.files: tuple[str, ...] = tuple(files)
        definitions = dict(aliases or {})
        self.aliases: Mapping[str, tuple[str, ...]] = MappingProxyType(
            {name: expand_aliases(items, definitions) for name, items in definitions.items()}
        )
        models = ModelTable((model for content in contents for model in content.models), self._log)
        by_name, by_pattern = _index_applications(contents, self._log)
        effective = {*by_name, *by_pattern}
        prepared = {
            element: prepare_application(
                element, models, definitions, default_starting_strategy, self._log
            )
            for content in contents
            for element in content.applications
            if element in effective
        }
        self._by_name = by_name
        self._by_pattern = by_pattern
        self._prepared = prepared
        self._applications: dict[str, ApplicationRules | None] = {}
        self._programs: dict[tuple[str, str], ProgramRules] = {}
        for element in by_name:  # a named application's '#' check does not wait for a match
            self.application_rules(element.name or "")

    @property
    def warnings(self) -> list[RulesIssue]:
        """Every warning so far, in the order found."""
        return self._log.warnings

    def _match(self, group_name: str) -> PreparedApplication | None:
        element = self._by_name.get(group_name)
        if element is None:
            element = self._by_pattern.best(group_name)
        return None if element is None else self._prepared[element]

    def application_rules(self, group_name: str) -> ApplicationRules | None:
        """Rules of the application of this group; None when it is unmanaged."""
        if group_name not in self._applications:
            prepared = self._match(group_name)
            self._applications[group_name] = (
                None if prepared is None else prepared.rules_for_group(group_name, self._log)
            )
        return self._applications[group_name]

    def program_rules(self, group_name: str, process_name: str) -> ProgramRules:
        """Rules of one process; the defaults for a process of an unmanaged group."""
        key = (group_name, process_name)
        if key not in self._programs:
            prepared = self._match(group_name)
            self._programs[key] = (
                DEFAULT_PROGRAM_RULES if prepared is None else prepared.program_rules(process_name)
            )
        return self._programs[key]


def _index_applications(
    contents: Sequence[FileContent], log: IssueLog
) -> tuple[NameIndex[ApplicationElement], PatternIndex[ApplicationElement]]:
    """The application elements by name and by pattern, in file then document order."""
    by_name: NameIndex[ApplicationElement] = NameIndex("application")
    by_pattern: PatternIndex[ApplicationElement] = PatternIndex("application")
    for content in contents:
        for element in content.applications:
            if element.regex is not None:
                by_pattern.add(element.pattern or "", element.regex, element.where, element, log)
            else:  # the reader keeps only elements with a usable name or pattern
                by_name.add(element.name or "", element.where, element, log)
    return by_name, by_pattern


def load_rules(
    paths: Sequence[str],
    default_starting_strategy: StartingStrategies = StartingStrategies.CONFIG,
) -> Rules:
    """Parse and validate the files in the given order; RulesFileError lists every error.

    `default_starting_strategy` (option `starting_strategy`) applies to the applications
    that do not set their own.
    """
    log = IssueLog()
    files = [os.path.abspath(path) for path in paths]
    contents = [read_file(path, log) for path in files]
    aliases = collect_aliases((alias for content in contents for alias in content.aliases), log)
    if log.errors:
        # the walk reports a parent's structure before its children's values: restore file order
        rank = {path: index for index, path in enumerate(files)}
        raise RulesFileError(
            sorted(log.errors, key=lambda issue: (rank[issue.path], issue.line, issue.column))
        )
    return Rules(files, contents, aliases, default_starting_strategy, log)
