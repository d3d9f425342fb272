"""Shared parts of the `supvisors` namespace: guards, argument checks, the method decorator."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from supvisors_ext.faults import Faults, RPCError, SupvisorsFaults, fault
from supvisors_ext.model import SupvisorsStates, split_namespec
from supvisors_ext.rpc import views
from supvisors_ext.runtime.plugin import SupvisorsPlugin

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


def rpc_method(method: F) -> F:
    """Check the argument count, and turn an unexpected exception into a FAILED fault.

    supervisor maps a TypeError to INCORRECT_PARAMETERS, but only when it escapes the method:
    our wrapper must make the same distinction itself, without hiding bugs behind it.
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self: NamespaceBase, *args: Any) -> Any:
        try:
            signature.bind(self, *args)
        except TypeError as exc:
            raise fault(Faults.INCORRECT_PARAMETERS, str(exc)) from None
        try:
            return method(self, *args)
        except RPCError:
            raise
        except Exception as exc:  # noqa: BLE001 - a plugin bug must not become an HTTP 500
            self.plugin.logger.critical(f"internal error in {method.__name__}: {exc!r}")
            raise fault(Faults.FAILED, f"internal error: {exc!r}") from None

    return wrapper  # type: ignore[return-value]


def string_arg(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise fault(Faults.INCORRECT_PARAMETERS, f"{what} must be a string, got {value!r}")
    return value


class NamespaceBase:
    """Guards used by every method group of the namespace."""

    def __init__(self, plugin: SupvisorsPlugin) -> None:
        self.plugin = plugin

    # ----- guards
    def _check_state(self, accepted: frozenset[SupvisorsStates]) -> None:
        state = self.plugin.fsm.state
        if state not in accepted:
            names = ", ".join(s.name for s in sorted(accepted))
            raise fault(
                SupvisorsFaults.BAD_SUPVISORS_STATE,
                f"Supvisors is in state {state.name}; this call needs one of {names}",
            )

    def _check_rules(self) -> None:
        if self.plugin.rules_error:
            raise fault(SupvisorsFaults.SUPVISORS_CONF_ERROR, self.plugin.rules_error)

    def _application(self, name: object) -> Any:
        name = string_arg(name, "application_name")
        record = self.plugin.context.applications.get(name)
        if record is None:
            raise fault(Faults.BAD_NAME, f"no application named {name!r}")
        return record

    def _processes(self, namespec: object) -> list[Any]:
        namespec = string_arg(namespec, "namespec")
        group, name = split_namespec(namespec)
        application = self.plugin.context.applications.get(group)
        if application is None:
            raise fault(Faults.BAD_NAME, f"no application named {group!r} (namespec {namespec!r})")
        if name is None:
            return views.sorted_processes(list(application.processes.values()))
        record = application.processes.get(name)
        if record is None:
            raise fault(Faults.BAD_NAME, f"no process named {namespec!r}")
        return [record]

    def _instances(self, identifier: object) -> list[Any]:
        identifier = string_arg(identifier, "identifier")
        records = self.plugin.context.find_instances(identifier)
        if not records:
            raise fault(Faults.BAD_NAME, f"no instance, nick or stereotype named {identifier!r}")
        return sorted(records, key=lambda record: record.identifier)
