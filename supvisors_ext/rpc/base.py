"""Shared parts of the RPC layer: the method decorator, argument checks, state guards.

Handlers raise `Fault` values (pure); the decorator turns them into supervisor's `RPCError`
through `host/xmlrpc.py`, the only way from here to supervisor.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from supvisors_ext.cluster.context import ApplicationRecord, Context, InstanceRecord, ProcessRecord
from supvisors_ext.faults import Fault, Faults, SupvisorsFaults, fault
from supvisors_ext.host.xmlrpc import RPCError, to_rpc_error
from supvisors_ext.model import (
    StartingStrategies,
    SupvisorsStates,
    enum_names,
    parse_enum,
    split_namespec,
)
from supvisors_ext.rpc import views

S = SupvisorsStates
ANY = frozenset(SupvisorsStates)
QUERY = frozenset(
    {S.ELECTION, S.DISTRIBUTION, S.OPERATION, S.CONCILIATION, S.RESTARTING, S.SHUTTING_DOWN}
)
OPER = frozenset({S.OPERATION})
OPER_CONC = frozenset({S.OPERATION, S.CONCILIATION})
CONC = frozenset({S.CONCILIATION})
SYNC = frozenset({S.SYNCHRONIZATION})
F = TypeVar("F", bound=Callable[..., Any])


class CriticalLogger(Protocol):
    def critical(self, message: str) -> None: ...


class StateSource(Protocol):
    """What the guards read of the state machine: its current state."""

    @property
    def state(self) -> SupvisorsStates: ...


def rpc_method(method: F) -> F:
    """Check the argument count, turn a `Fault` into supervisor's RPCError, and an unexpected
    exception into a FAILED fault (logged through the namespace's `_logger`).

    supervisor maps a TypeError to INCORRECT_PARAMETERS, but only when it escapes the method:
    our wrapper must make the same distinction itself, without hiding bugs behind it.
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        try:
            signature.bind(self, *args)
        except TypeError as exc:
            raise to_rpc_error(fault(Faults.INCORRECT_PARAMETERS, str(exc))) from None
        try:
            return method(self, *args)
        except Fault as error:
            raise to_rpc_error(error) from None
        except RPCError:
            raise
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not become an HTTP 500
            logger: CriticalLogger = self._logger
            logger.critical(f"internal error in {method.__name__}: {exc!r}")
            raise to_rpc_error(fault(Faults.FAILED, f"internal error: {exc!r}")) from None

    return wrapper  # type: ignore[return-value]


# ----- argument checks
def string_arg(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise fault(Faults.INCORRECT_PARAMETERS, f"{what} must be a string, got {value!r}")
    return value


def flag_arg(value: object, what: str) -> bool:
    if not isinstance(value, (bool, int)):
        raise fault(Faults.INCORRECT_PARAMETERS, f"{what} must be a boolean, got {value!r}")
    return bool(value)


def strategy_arg(value: object) -> StartingStrategies:
    try:
        return parse_enum(StartingStrategies, value)
    except ValueError:
        names = enum_names(StartingStrategies)
        raise fault(
            Faults.INCORRECT_PARAMETERS, f"strategy {value!r} is not one of {names}"
        ) from None


class Guards:
    """State precondition, rules error, and names resolved against the context."""

    def __init__(self, fsm: StateSource, context: Context, rules_error: str) -> None:
        self._fsm = fsm
        self._context = context
        self.rules_error = rules_error

    def check_state(self, accepted: frozenset[SupvisorsStates]) -> None:
        state = self._fsm.state
        if state not in accepted:
            names = ", ".join(s.name for s in sorted(accepted))
            raise fault(
                SupvisorsFaults.BAD_SUPVISORS_STATE,
                f"Supvisors is in state {state.name}; this call needs one of {names}",
            )

    def check_rules(self) -> None:
        if self.rules_error:
            raise fault(SupvisorsFaults.SUPVISORS_CONF_ERROR, self.rules_error)

    def application(self, name: object) -> ApplicationRecord:
        name = string_arg(name, "application_name")
        record = self._context.applications.get(name)
        if record is None:
            raise fault(Faults.BAD_NAME, f"no application named {name!r}")
        return record

    def managed(self, application_name: object) -> ApplicationRecord:
        application = self.application(application_name)
        if not application.managed:
            raise fault(SupvisorsFaults.NOT_MANAGED, application.name)
        return application

    def processes(self, namespec: object) -> list[ProcessRecord]:
        namespec = string_arg(namespec, "namespec")
        group, name = split_namespec(namespec)
        application = self._context.applications.get(group)
        if application is None:
            raise fault(Faults.BAD_NAME, f"no application named {group!r} (namespec {namespec!r})")
        if name is None:
            return views.sorted_processes(list(application.processes.values()))
        record = application.processes.get(name)
        if record is None:
            raise fault(Faults.BAD_NAME, f"no process named {namespec!r}")
        return [record]

    def single_process(self, namespec: str) -> ProcessRecord:
        records = self.processes(namespec)
        if len(records) != 1:
            raise fault(Faults.BAD_NAME, f"{namespec!r} must name one process")
        return records[0]

    def instances(self, identifier: object) -> list[InstanceRecord]:
        identifier = string_arg(identifier, "identifier")
        records = self._context.find_instances(identifier)
        if not records:
            raise fault(Faults.BAD_NAME, f"no instance, nick or stereotype named {identifier!r}")
        return sorted(records, key=lambda record: record.identifier)
