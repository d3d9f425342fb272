"""The `supvisors` XML-RPC namespace and its factory (xmlrpc-api.md).

supervisord calls `make_supvisors_rpcinterface(supervisord, **options)` once per HTTP server
before it daemonizes (`supervisor/http.py` `make_http_servers`). Methods run on the main thread;
they check the state precondition, the rules error and their arguments, then read the context.
Every method must be defined on the class itself: `system.listMethods` only reads
`type(namespace).__dict__` (`supervisor/xmlrpc.py` `SystemNamespaceRPCInterface._listMethods`).
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from . import __version__, views
from .config import ConfigError, parse_config
from .faults import Faults, RPCError, SupvisorsFaults, fault
from .localhost import gather_local_host
from .log import make_plugin_logger
from .model import SupvisorsStates, split_namespec
from .plugin import SupvisorsPlugin
from .rules import Rules, RulesFileError, find_rules_files, load_rules

S = SupvisorsStates
ANY = frozenset(SupvisorsStates)
QUERY = frozenset(
    {S.ELECTION, S.DISTRIBUTION, S.OPERATION, S.CONCILIATION, S.RESTARTING, S.SHUTTING_DOWN}
)
F = TypeVar("F", bound=Callable[..., Any])

# one plugin per supervisord run, shared by the namespaces of its several HTTP servers
_PLUGINS: weakref.WeakKeyDictionary[Any, SupvisorsPlugin] = weakref.WeakKeyDictionary()


def rpc_method(method: F) -> F:
    """Check the argument count, and turn an unexpected exception into a FAILED fault.

    supervisor maps a TypeError to INCORRECT_PARAMETERS, but only when it escapes the method:
    our wrapper must make the same distinction itself, without hiding bugs behind it.
    """
    signature = inspect.signature(method)

    @functools.wraps(method)
    def wrapper(self: SupvisorsNamespace, *args: Any) -> Any:
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


def _string(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise fault(Faults.INCORRECT_PARAMETERS, f"{what} must be a string, got {value!r}")
    return value


class SupvisorsNamespace:
    """The `supvisors` namespace: thin checks over the plugin's context."""

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
        name = _string(name, "application_name")
        record = self.plugin.context.applications.get(name)
        if record is None:
            raise fault(Faults.BAD_NAME, f"no application named {name!r}")
        return record

    def _processes(self, namespec: object) -> list[Any]:
        namespec = _string(namespec, "namespec")
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
        identifier = _string(identifier, "identifier")
        records = self.plugin.context.find_instances(identifier)
        if not records:
            raise fault(Faults.BAD_NAME, f"no instance, nick or stereotype named {identifier!r}")
        return sorted(records, key=lambda record: record.identifier)

    # ----- status (xmlrpc-api.md §5)
    @rpc_method
    def get_api_version(self) -> str:
        """Return the version of the supvisors_ext package.

        @return string version
        """
        return __version__

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
            "discovery_mode": False,
            "master_identifier": plugin.fsm.master,
            "starting_jobs": plugin.starting_jobs(),
            "stopping_jobs": plugin.stopping_jobs(),
            "instance_states": {
                identifier: record.state.name for identifier, record in context.instances.items()
            },
            "rules_error": plugin.rules_error,
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
        namespec = _string(namespec, "namespec")
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


def make_supvisors_rpcinterface(supervisord: Any, **options: str) -> SupvisorsNamespace:
    """Factory of `[rpcinterface:supvisors]`: parse, validate, build; no thread or socket yet."""
    plugin = _PLUGINS.get(supervisord)
    if plugin is None or not plugin.is_current():
        plugin = _build_plugin(supervisord, options)
        _PLUGINS[supervisord] = plugin
    return SupvisorsNamespace(plugin)


def _build_plugin(supervisord: Any, options: dict[str, str]) -> SupvisorsPlugin:
    stderr = getattr(supervisord.options, "stderr", sys.stderr)
    try:
        parsed = parse_config(options, gather_local_host(supervisord.options))
    except ConfigError as exc:
        # supervisord turns a factory error into "Could not make supvisors rpc interface" and
        # exit 2; print the precise reason first, in supervisor's own "Error:" form
        stderr.write(f"Error: {exc}\n")
        raise ValueError(str(exc)) from None
    config = parsed.config
    logger = make_plugin_logger(
        supervisord.options.logger,
        config.logfile,
        config.logfile_maxbytes,
        config.logfile_backups,
        config.loglevel,
    )
    for message in parsed.infos:
        logger.info(message)
    for message in parsed.warnings:
        logger.warn(message)
    rules, rules_error = _load_rules(config.rules_files, config, logger, stderr)
    return SupvisorsPlugin(supervisord, config, rules, rules_error, logger)


def _load_rules(
    patterns: tuple[str, ...], config: Any, logger: Any, stderr: Any
) -> tuple[Rules, str]:
    """Load the rules files; a broken file never stops supervisord (rules-file.md §7)."""
    files, warnings = find_rules_files(patterns, os.getcwd())
    for message in warnings:
        logger.warn(message)
    try:
        rules = load_rules(files, default_starting_strategy=config.starting_strategy)
    except RulesFileError as exc:
        for issue in exc.errors:
            logger.error(issue.format_error())
            stderr.write(issue.format_error() + "\n")
        logger.error("no rules loaded: every application is unmanaged on this instance")
        return load_rules([], default_starting_strategy=config.starting_strategy), str(exc)
    for issue in rules.warnings:
        logger.warn(issue.format_warning())
    return rules, ""
