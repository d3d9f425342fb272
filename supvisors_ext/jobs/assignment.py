"""The `#`/`@` assignments as `get_application_rules`/`get_process_rules` show them; pure.

Supvisors shows the resolved assignment in `identifiers`. An application-level `#` resolves from
the application's rank; a program-level one from the assignment the jobs computed when the
program was first planned, or, before that, from the one they would compute now (not kept).
"""

from __future__ import annotations

from supvisors_ext.cluster.context import ApplicationRecord, ProcessRecord
from supvisors_ext.jobs.control import AT, HASH, Jobs, _origin
from supvisors_ext.model import DistributionRules
from supvisors_ext.rules import application_rank
from supvisors_ext.strategy import assign_hash_application, assign_hash_program, resolve_identifiers


def _reference(jobs: Jobs, written: tuple[str, ...]) -> list[str]:
    names = [name for name in written if name not in (HASH, AT)] or ["*"]
    identifiers, _unknown = resolve_identifiers(names, jobs.candidates())
    return identifiers


def application_assignment(jobs: Jobs, application: ApplicationRecord) -> list[str] | None:
    """The instance an application-level `#` gives; None when `#` is not used."""
    rules = application.rules
    if rules is None or HASH not in rules.identifiers:
        return None
    reference = _reference(jobs, rules.identifiers)
    return assign_hash_application(reference, application_rank(application.name))


def process_assignment(
    jobs: Jobs, record: ProcessRecord, application: ApplicationRecord
) -> list[str] | None:
    """The instance a program-level `#`/`@` gives this process; None when neither is used
    (or when the application is SINGLE_INSTANCE: its program identifiers do not apply)."""
    written = record.rules.identifiers
    if HASH not in written and AT not in written:
        return None
    rules = application.rules
    if rules is not None and rules.distribution == DistributionRules.SINGLE_INSTANCE:
        return None
    program, index = _origin(record)
    assignment = jobs.assignments.get((application.name, program))
    if assignment is None:
        indexes = sorted(
            _origin(other)[1]
            for other in application.processes.values()
            if _origin(other)[0] == program
        )
        assignment = assign_hash_program(_reference(jobs, written), indexes, AT in written)
    target = assignment.get(index)
    return [target] if target else []
