"""Rules files: loading, validation, precedence and inheritance; pure (lxml, re, glob, os only).

Entry points: `find_rules_files` expands the `rules_files` globs, `load_rules` reads them into
a `Rules` object or raises `RulesFileError` listing every error (docs/rules.md).
"""

from supvisors_ext.rules.errors import RulesFileError, RulesIssue
from supvisors_ext.rules.files import find_rules_files
from supvisors_ext.rules.formula import FormulaEvaluationError, FormulaSyntaxError, StatusFormula
from supvisors_ext.rules.identifiers import AT, HASH, STAR, application_rank
from supvisors_ext.rules.records import ApplicationRules, ProgramRules
from supvisors_ext.rules.ruleset import Rules, load_rules

__all__ = [
    "AT",
    "HASH",
    "STAR",
    "ApplicationRules",
    "FormulaEvaluationError",
    "FormulaSyntaxError",
    "ProgramRules",
    "Rules",
    "RulesFileError",
    "RulesIssue",
    "StatusFormula",
    "application_rank",
    "find_rules_files",
    "load_rules",
]
