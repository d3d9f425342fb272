"""Entry points of the two XML-RPC namespaces: build them, nothing else (docs/api.md).

supervisord calls `make_supvisors_rpcinterface(supervisord, **options)` once per HTTP server
before it daemonizes (`supervisor/http.py` `make_http_servers`). One plugin serves every HTTP
server of a supervisord run (`_PLUGINS`); each call composes a `SupvisorsNamespace` over
handlers that receive the plugin's parts, never the plugin itself.
"""

from __future__ import annotations

import os
import sys
import weakref
from typing import Any

from supvisors_ext.config import parse_config
from supvisors_ext.config_values import ConfigError
from supvisors_ext.host import collection_events  # noqa: F401 - registers the COLLECTION_* event types at import
from supvisors_ext.host.collection_service import (
    CollectionService,
    collection_service,
    current_service,
)
from supvisors_ext.host.local_supervisor import LocalSupervisor
from supvisors_ext.host.localhost import gather_local_host
from supvisors_ext.host.log import make_plugin_logger
from supvisors_ext.rpc.base import Guards
from supvisors_ext.rpc.cluster import ClusterHandler
from supvisors_ext.rpc.collections import CollectionHandler
from supvisors_ext.rpc.control import ApplicationHandler
from supvisors_ext.rpc.inner import InnerProcessView
from supvisors_ext.rpc.local_collections import CollectionsNamespace
from supvisors_ext.rpc.namespace import SupvisorsNamespace
from supvisors_ext.rpc.numprocs import NumprocsUpdate
from supvisors_ext.rpc.predictions import PredictionHandler, StartPredictor
from supvisors_ext.rpc.processes import ProcessHandler, ProcessSteps
from supvisors_ext.rpc.programs import ProgramSwitch
from supvisors_ext.rpc.statistics import StatisticsHandler
from supvisors_ext.rpc.status import StatusHandler
from supvisors_ext.rules import Rules, RulesFileError, find_rules_files, load_rules
from supvisors_ext.runtime.plugin import SupvisorsPlugin
from supvisors_ext.web.mount import check_theme_files, install_web

__all__ = [
    "SupvisorsNamespace",
    "compose_namespace",
    "make_collections_rpcinterface",
    "make_supvisors_rpcinterface",
]

# one plugin per supervisord run, shared by the namespaces of its several HTTP servers
_PLUGINS: weakref.WeakKeyDictionary[Any, SupvisorsPlugin] = weakref.WeakKeyDictionary()


def make_supvisors_rpcinterface(supervisord: Any, **options: str) -> SupvisorsNamespace:
    """Factory of `[rpcinterface:supvisors]`: parse, validate, build; no thread or socket yet."""
    plugin = _PLUGINS.get(supervisord)
    if plugin is None or not plugin.is_current():
        plugin = _build_plugin(supervisord, options)
        _PLUGINS[supervisord] = plugin
        install_web(plugin)  # REST and dashboard routes, on the servers at SupervisorRunning
    service = _collections(supervisord)
    read_program_origins = plugin.events.read_program_origins
    if read_program_origins not in service.reread_hooks:
        service.reread_hooks.append(read_program_origins)  # new groups after `update`
    return compose_namespace(plugin, lambda: current_service(supervisord))


def compose_namespace(plugin: SupvisorsPlugin, service: Any) -> SupvisorsNamespace:
    """The `supvisors` namespace over the parts of one plugin; `service()` gives the collection
    definitions of the running supervisord (None before they are read)."""
    context, fsm, driver = plugin.context, plugin.fsm, plugin.driver
    guards = Guards(fsm, context, plugin.rules_error)
    steps = ProcessSteps(context, driver)
    processes = ProcessHandler(
        guards, context, fsm, driver, driver.jobs, driver.grants, steps, plugin.catch_up
    )
    predictor = StartPredictor(context, driver.jobs, context.local_identifier)
    adapter, sync, logger = plugin.adapter, plugin.sync, plugin.logger
    statistics = plugin.observability.statistics
    return SupvisorsNamespace(
        logger=plugin.logger,
        status=StatusHandler(
            guards, context, fsm, plugin.config, plugin.adapter, driver.jobs, plugin.rules
        ),
        cluster=ClusterHandler(
            guards,
            context,
            fsm,
            plugin.config,
            plugin.logger,
            plugin.sync,
            plugin.repair,
            plugin.loop,
        ),
        applications=ApplicationHandler(guards, driver, plugin.adapter, context.local_identifier),
        processes=processes,
        collections=CollectionHandler(
            guards,
            context,
            plugin.config,
            steps,
            driver,
            plugin.adapter,
            plugin.sync,
            service,
            plugin.rearm_waiting_calls,
        ),
        predictions=PredictionHandler(guards, context, predictor, processes),
        programs=ProgramSwitch(guards, adapter, plugin.disabilities, context, sync, logger),
        numprocs=NumprocsUpdate(
            guards, plugin.numprocs, adapter, context, sync, plugin.events.forget_local, logger
        ),
        inner=InnerProcessView(guards, context),
        statistics=StatisticsHandler(statistics, statistics.compiler, context),
    )


def make_collections_rpcinterface(supervisord: Any, **options: str) -> CollectionsNamespace:
    """Factory of `[rpcinterface:collections]` (docs/collections.md#how-it-fits-into-supervisord):
    no option, local semantics."""
    service = _collections(supervisord)
    for key in sorted(options):
        service.logger.warn(f"[rpcinterface:collections] {key}: unknown option ignored")

    def running_context() -> Any:
        plugin = _PLUGINS.get(supervisord)
        return plugin.context if plugin is not None and plugin.is_current() else None

    return CollectionsNamespace(
        LocalSupervisor(supervisord), service, running_context, service.logger
    )


def _collections(supervisord: Any) -> CollectionService:
    """The shared collection definitions; a bad section stops supervisord with status 2."""
    try:
        return collection_service(supervisord)
    except ValueError as exc:
        stderr = getattr(supervisord.options, "stderr", sys.stderr)
        stderr.write(f"Error: {exc}\n")
        raise ValueError(str(exc)) from None


def _build_plugin(supervisord: Any, options: dict[str, str]) -> SupvisorsPlugin:
    stderr = getattr(supervisord.options, "stderr", sys.stderr)
    try:
        parsed = parse_config(options, gather_local_host(supervisord.options))
        check_theme_files(parsed.config.web)
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
    """Load the rules files; a broken file never stops supervisord (docs/rules.md#errors)."""
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
