"""Read-only queries of the `supvisors` namespace (docs/api.md#status); main thread.

`StatusHandler` depends on the context, the state machine, the configuration, the local
processes (the host adapter), the local jobs and the rules; never on the plugin.
"""

from __future__ import annotations

import time
from typing import Any

from supvisors_ext import __version__
from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.engine import Fsm
from supvisors_ext.config import Config
from supvisors_ext.faults import Faults, fault
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.jobs.assignment import application_assignment, process_assignment
from supvisors_ext.jobs.control import Jobs
from supvisors_ext.model import split_namespec
from supvisors_ext.rpc import views
from supvisors_ext.rpc.base import QUERY, Guards, string_arg
from supvisors_ext.rules import Rules
from supvisors_ext.runtime.plugin import strategies_payload

Payload = dict[str, Any]
# the Supvisors XML-RPC API this namespace implements: Supvisors' own clients require it
SUPVISORS_API_VERSION = "0.19.1"


class StatusHandler:
    """Status of the cluster, its applications and processes, as known locally."""

    def __init__(
        self,
        guards: Guards,
        context: Context,
        fsm: Fsm,
        config: Config,
        adapter: SupervisorAdapter,
        jobs: Jobs,
        rules: Rules,
    ) -> None:
        self._guards = guards
        self._context = context
        self._fsm = fsm
        self._config = config
        self._adapter = adapter
        self._jobs = jobs
        self._rules = rules

    def api_version(self) -> str:
        return SUPVISORS_API_VERSION

    def starting_jobs(self) -> list[str]:
        return self._context.instances_with_jobs(False, bool(self._jobs.start_jobs))

    def stopping_jobs(self) -> list[str]:
        return self._context.instances_with_jobs(True, bool(self._jobs.stop_jobs))

    def supvisors_state(self) -> Payload:
        context, fsm = self._context, self._fsm
        return {
            "identifier": context.local_identifier,
            "nick_identifier": context.local.id.nick,
            "now_monotonic": time.monotonic(),
            "fsm_statecode": int(fsm.state),
            "fsm_statename": fsm.state.name,
            "degraded_mode": fsm.degraded,
            "discovery_mode": self._config.multicast is not None,
            "master_identifier": fsm.master,
            "starting_jobs": self.starting_jobs(),
            "stopping_jobs": self.stopping_jobs(),
            "instance_states": {
                identifier: record.state.name for identifier, record in context.instances.items()
            },
            "rules_error": self._guards.rules_error,
            "supvisors_ext_version": __version__,
        }

    def master_identifier(self) -> dict[str, str]:
        record = self._context.instances.get(self._fsm.master)
        if record is None:
            return {}
        return {"identifier": record.identifier, "nick_identifier": record.id.nick}

    def core_identifiers(self) -> list[dict[str, str]]:
        core = set(self._config.core_identifiers)
        return [
            {"identifier": record.identifier, "nick_identifier": record.id.nick}
            for record in self._context.instances.values()
            if core & {record.identifier, record.id.nick, *record.stereotypes}
        ]

    def strategies(self) -> dict[str, object]:
        return strategies_payload(self._config)

    def all_instances_info(self) -> list[Payload]:
        records = sorted(self._context.instances.values(), key=lambda record: record.identifier)
        return [views.instance_info(self._context, record) for record in records]

    def instance_info(self, identifier: object) -> list[Payload]:
        records = self._guards.instances(identifier)
        return [views.instance_info(self._context, record) for record in records]

    def all_applications_info(self) -> list[Payload]:
        self._guards.check_state(QUERY)
        applications = self._context.applications
        return [views.application_info(applications[name]) for name in sorted(applications)]

    def application_info(self, application_name: object) -> Payload:
        self._guards.check_state(QUERY)
        return views.application_info(self._guards.application(application_name))

    def application_rules(self, application_name: object) -> Payload:
        self._guards.check_state(QUERY)
        self._guards.check_rules()
        application = self._guards.application(application_name)
        assigned = application_assignment(self._jobs, application)
        return views.application_rules(application, assigned)

    def all_process_info(self) -> list[Payload]:
        self._guards.check_state(QUERY)
        records = views.sorted_processes(list(self._context.iter_processes()))
        return [views.process_info(record) for record in records]

    def process_info(self, namespec: object) -> list[Payload]:
        self._guards.check_state(QUERY)
        return [views.process_info(record) for record in self._guards.processes(namespec)]

    def all_local_process_info(self) -> list[Payload]:
        infos = self._adapter.all_local_infos(time.monotonic())
        return [info.to_payload() for info in sorted(infos, key=lambda i: (i.group, i.name))]

    def local_process_info(self, namespec: object) -> Payload:
        namespec = string_arg(namespec, "namespec")
        group, name = split_namespec(namespec)
        process = self._adapter.find(group, name) if name is not None else None
        if process is None:
            raise fault(Faults.BAD_NAME, f"no local process named {namespec!r}")
        return self._adapter.local_info(process, time.monotonic()).to_payload()

    def process_rules(self, namespec: object) -> list[Payload]:
        self._guards.check_state(QUERY)
        self._guards.check_rules()
        records = self._guards.processes(namespec)
        application = self._context.applications[records[0].group]
        return [
            views.process_rules(
                self._rules, record, process_assignment(self._jobs, record, application)
            )
            for record in records
        ]

    def conflicts(self) -> list[Payload]:
        self._guards.check_state(QUERY)
        records = views.sorted_processes(self._context.conflicts())
        return [views.process_info(record) for record in records]
