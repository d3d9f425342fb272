"""Statistics methods of the `supvisors` namespace (docs/statistics.md, docs/api.md).

`StatisticsHandler` holds the logic over its typed collaborators; the thin methods are on
`rpc/namespace.py` `SupvisorsNamespace`.
"""

from __future__ import annotations

from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.model import make_namespec, split_namespec
from supvisors_ext.rpc.base import string_arg
from supvisors_ext.runtime.statistics import StatisticsService
from supvisors_ext.stats.compiler import StatisticsCompiler

MIN_PERIOD, MAX_PERIOD = 1.0, 3600.0


class StatisticsHandler:
    """Toggles, period and compiled histories of the local statistics."""

    def __init__(
        self, service: StatisticsService, compiler: StatisticsCompiler, context: Context
    ) -> None:
        self.service = service  # the collecting thread and its switches
        self.compiler = compiler  # the service's compiled histories
        self.context = context

    def _installed(self) -> None:
        if not self.service.available:
            raise fault(SupvisorsFaults.NOT_INSTALLED, "psutil is not installed")

    def status(self) -> dict[str, Any]:
        return self.service.status()

    def enable_host(self, enabled: object) -> bool:
        self._installed()
        self.service.enable_host(_boolean(enabled, "enable_host"))
        return True

    def enable_process(self, enabled: object) -> bool:
        self._installed()
        self.service.enable_process(_boolean(enabled, "enable_process"))
        return True

    def update_period(self, period: object) -> bool:
        self._installed()
        if isinstance(period, bool) or not isinstance(period, (int, float)):
            raise fault(
                Faults.INCORRECT_PARAMETERS, f"collecting_period: {period!r} is not a number"
            )
        if not MIN_PERIOD <= float(period) <= MAX_PERIOD:
            raise fault(
                Faults.INCORRECT_PARAMETERS,
                f"collecting_period: {period} is not in [{MIN_PERIOD};{MAX_PERIOD}] seconds",
            )
        self.service.set_period(float(period))
        return True

    def _period(self, period: object) -> float:
        """One of the configured periods; 0 stands for the shortest."""
        periods = self.compiler.periods
        if period == 0 and not isinstance(period, bool):
            return periods[0]
        number = isinstance(period, (int, float)) and not isinstance(period, bool)
        if not number or period not in periods:
            listed = ", ".join(f"{value:g}" for value in periods)
            raise fault(Faults.INCORRECT_PARAMETERS, f"period {period!r}: expected one of {listed}")
        return float(period)

    def host(self, identifier: object, period: object) -> dict[str, Any]:
        self._installed()
        name = string_arg(identifier, "identifier")
        records = self.context.find_instances(name)
        if not records:
            raise fault(Faults.BAD_NAME, f"no instance, nick or stereotype named {name!r}")
        if all(record.identifier != self.context.local_identifier for record in records):
            raise fault(
                SupvisorsFaults.NOT_APPLICABLE,
                f"{name}: each instance compiles its own host statistics; ask that instance",
            )
        history = self.compiler.host_history(self._period(period))
        if history is None or not self.service.host_enabled:
            raise fault(SupvisorsFaults.DISABLED, "host statistics are not collected")
        return history.serial()

    def processes(self, namespec: object, period: object) -> list[dict[str, Any]]:
        self._installed()
        text = string_arg(namespec, "namespec")
        group, name = split_namespec(text)
        chosen = self._period(period)
        application = self.context.applications.get(group)
        if application is None or (name is not None and name not in application.processes):
            raise fault(Faults.BAD_NAME, f"no process named {text!r}")
        names = [name] if name is not None else sorted(application.processes)
        factor = 1.0 if self.service.irix_mode else float(self.compiler.nb_cores)
        result = []
        for process in names:
            history = self.compiler.process_history(make_namespec(group, process), chosen)
            if history is not None:
                result.append(history.serial(factor))
        return result


def _boolean(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise fault(Faults.INCORRECT_PARAMETERS, f"{what}: {value!r} is not a boolean")
    return value
