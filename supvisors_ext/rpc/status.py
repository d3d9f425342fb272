"""Status methods of the `supvisors` namespace (docs/api.md#status); main thread."""

from __future__ import annotations

import time
from typing import Any

from supvisors_ext import __version__
from supvisors_ext.faults import Faults, fault
from supvisors_ext.model import split_namespec
from supvisors_ext.rpc import views
from supvisors_ext.rpc.base import QUERY, NamespaceBase, rpc_method, string_arg

# the Supvisors XML-RPC API this namespace implements: Supvisors' own clients require it
SUPVISORS_API_VERSION = "0.19.1"


class StatusMethods(NamespaceBase):
    """Read-only queries over the local context."""

    # ----- status (docs/api.md#status)
    @rpc_method
    def get_api_version(self) -> str:
        """Return the version of the Supvisors XML-RPC API implemented here (not our package's).

        @return string version
        """
        return SUPVISORS_API_VERSION

    @rpc_method
    def get_supvisors_state(self) -> dict[str, Any]:
        """Return the local state and modes of Supvisors.

        @return struct state, modes, master and instance states
        """
        plugin, context = self.plugin, self.plugin.context
        return {
            "identifier": context.local_identifier,
            "nick_identifier": context.local.id.nick,
            "now_monotonic": time.monotonic(),
            "fsm_statecode": int(plugin.fsm.state),
            "fsm_statename": plugin.fsm.state.name,
            "degraded_mode": plugin.fsm.degraded,
            "discovery_mode": plugin.config.multicast is not None,
            "master_identifier": plugin.fsm.master,
            "starting_jobs": plugin.starting_jobs(),
            "stopping_jobs": plugin.stopping_jobs(),
            "instance_states": {
                identifier: record.state.name for identifier, record in context.instances.items()
            },
            "rules_error": plugin.rules_error,
            "supvisors_ext_version": __version__,
        }

    @rpc_method
    def get_master_identifier(self) -> dict[str, str]:
        """Return the identifier and nick of the Master, or an empty struct when there is none.

        @return struct identifier and nick_identifier
        """
        master = self.plugin.fsm.master
        record = self.plugin.context.instances.get(master)
        if record is None:
            return {}
        return {"identifier": record.identifier, "nick_identifier": record.id.nick}

    @rpc_method
    def get_strategies(self) -> dict[str, Any]:
        """Return the cluster-wide strategies of this instance.

        @return struct auto-fencing, conciliation, starting and supvisors_failure strategies
        """
        config = self.plugin.config
        return {
            "auto-fencing": config.auto_fence,
            "conciliation": config.conciliation_strategy.name,
            "starting": config.starting_strategy.name,
            "supvisors_failure": config.supvisors_failure_strategy.name,
        }

    @rpc_method
    def get_all_instances_info(self) -> list[dict[str, Any]]:
        """Return information about every instance, sorted by identifier.

        @return array instance info structs
        """
        context = self.plugin.context
        records = sorted(context.instances.values(), key=lambda record: record.identifier)
        return [views.instance_info(context, record) for record in records]

    @rpc_method
    def get_instance_info(self, identifier: str) -> list[dict[str, Any]]:
        """Return information about the instances designated by an identifier, nick or stereotype.

        @param string identifier an identifier, a nick or a stereotype
        @return array instance info structs
        """
        context = self.plugin.context
        return [views.instance_info(context, record) for record in self._instances(identifier)]

    @rpc_method
    def get_all_applications_info(self) -> list[dict[str, Any]]:
        """Return the state and operational status of every application, sorted by name.

        @return array application info structs
        """
        self._check_state(QUERY)
        applications = self.plugin.context.applications
        return [views.application_info(applications[name]) for name in sorted(applications)]

    @rpc_method
    def get_application_info(self, application_name: str) -> dict[str, Any]:
        """Return the state and operational status of one application.

        @param string application_name the application (group) name
        @return struct application info
        """
        self._check_state(QUERY)
        return views.application_info(self._application(application_name))

    @rpc_method
    def get_application_rules(self, application_name: str) -> dict[str, Any]:
        """Return the rules of one application.

        @param string application_name the application (group) name
        @return struct application rules
        """
        self._check_state(QUERY)
        self._check_rules()
        return views.application_rules(self._application(application_name))

    @rpc_method
    def get_all_process_info(self) -> list[dict[str, Any]]:
        """Return the synthesized status of every process of the cluster, sorted by namespec.

        @return array process info structs
        """
        self._check_state(QUERY)
        records = views.sorted_processes(list(self.plugin.context.iter_processes()))
        return [views.process_info(record) for record in records]

    @rpc_method
    def get_process_info(self, namespec: str) -> list[dict[str, Any]]:
        """Return the synthesized status of one process, or of every process of group:*.

        @param string namespec group:name, group:* or name
        @return array process info structs
        """
        self._check_state(QUERY)
        return [views.process_info(record) for record in self._processes(namespec)]

    @rpc_method
    def get_all_local_process_info(self) -> list[dict[str, Any]]:
        """Return supervisord's information on every process of this instance, sorted by namespec.

        @return array local process info structs
        """
        infos = self.plugin.adapter.all_local_infos(time.monotonic())
        return [info.to_payload() for info in sorted(infos, key=lambda i: (i.group, i.name))]

    @rpc_method
    def get_local_process_info(self, namespec: str) -> dict[str, Any]:
        """Return supervisord's information on one process of this instance.

        @param string namespec group:name or name
        @return struct local process info
        """
        namespec = string_arg(namespec, "namespec")
        group, name = split_namespec(namespec)
        process = self.plugin.adapter.find(group, name) if name is not None else None
        if process is None:
            raise fault(Faults.BAD_NAME, f"no local process named {namespec!r}")
        return self.plugin.adapter.local_info(process, time.monotonic()).to_payload()

    @rpc_method
    def get_process_rules(self, namespec: str) -> list[dict[str, Any]]:
        """Return the rules of one process, or of every process of group:*.

        @param string namespec group:name, group:* or name
        @return array process rules structs
        """
        self._check_state(QUERY)
        self._check_rules()
        rules = self.plugin.rules
        return [views.process_rules(rules, record) for record in self._processes(namespec)]

    @rpc_method
    def get_conflicts(self) -> list[dict[str, Any]]:
        """Return the managed processes running on more than one instance, sorted by namespec.

        @return array process info structs
        """
        self._check_state(QUERY)
        records = views.sorted_processes(self.plugin.context.conflicts())
        return [views.process_info(record) for record in records]
