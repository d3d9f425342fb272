"""Statistics methods of the `supvisors` namespace (docs/statistics.md, docs/api.md).

`StatisticsHandler` holds the logic over its typed collaborators; `StatisticsMethods` is the
thin method group merged into the namespace (supervisor-style docstrings).
"""

from __future__ import annotations

from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.faults import Faults, SupvisorsFaults, fault
from supvisors_ext.model import make_namespec, split_namespec
from supvisors_ext.rpc.base import NamespaceBase, rpc_method, string_arg
from supvisors_ext.runtime.statistics import StatisticsService

MIN_PERIOD, MAX_PERIOD = 1.0, 3600.0


class StatisticsHandler:
    """Toggles, period and compiled histories of the local statistics."""

    def __init__(self, service: StatisticsService, context: Context) -> None:
        self.service = service
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
        periods = self.service.compiler.periods
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
        history = self.service.compiler.host_history(self._period(period))
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
        factor = 1.0 if self.service.irix_mode else float(self.service.compiler.nb_cores)
        result = []
        for process in names:
            history = self.service.compiler.process_history(make_namespec(group, process), chosen)
            if history is not None:
                result.append(history.serial(factor))
        return result


def _boolean(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise fault(Faults.INCORRECT_PARAMETERS, f"{what}: {value!r} is not a boolean")
    return value


class StatisticsMethods(NamespaceBase):
    """Method group: statistics (merged into the namespace class)."""

    def _statistics(self) -> StatisticsHandler:
        return StatisticsHandler(self.plugin.observability.statistics, self.plugin.context)

    @rpc_method
    def get_statistics_status(self) -> dict[str, Any]:
        """Return the statistics collection status of this instance.

        @return struct host_stats, process_stats (booleans) and collecting_period (seconds)
        """
        return self._statistics().status()

    @rpc_method
    def enable_host_statistics(self, enable_host: bool) -> bool:
        """Enable or disable the host statistics collection of this instance.

        @param boolean enable_host  True to collect host statistics
        @return boolean always True unless error
        """
        return self._statistics().enable_host(enable_host)

    @rpc_method
    def enable_process_statistics(self, enable_process: bool) -> bool:
        """Enable or disable the process statistics collection of this instance.

        @param boolean enable_process  True to collect process statistics
        @return boolean always True unless error
        """
        return self._statistics().enable_process(enable_process)

    @rpc_method
    def update_collecting_period(self, collecting_period: float) -> bool:
        """Change the minimum interval between two samples of this instance.

        @param float collecting_period  seconds, in [1;3600]
        @return boolean always True unless error
        """
        return self._statistics().update_period(collecting_period)

    @rpc_method
    def get_host_statistics(self, identifier: str, period: float) -> dict[str, Any]:
        """Return the compiled host statistics of this instance over one configured period.

        @param string identifier  this instance's identifier or nick
        @param float period  one of the stats_periods (0: the shortest)
        @return struct times, cpu (total first, then per core), mem, net_io, disk_io, disk_usage
        """
        return self._statistics().host(identifier, period)

    @rpc_method
    def get_process_statistics(self, namespec: str, period: float) -> list[dict[str, Any]]:
        """Return the compiled statistics of local processes over one configured period.

        @param string namespec  a process or group:* namespec
        @param float period  one of the stats_periods (0: the shortest)
        @return list one struct per running local process: times, cpu, mem and summaries
        """
        return self._statistics().processes(namespec, period)
