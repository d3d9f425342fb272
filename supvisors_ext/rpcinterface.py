"""The `supvisors` XML-RPC namespace and its factory (xmlrpc-api.md).

supervisord calls `make_supvisors_rpcinterface(supervisord, **options)` once per HTTP server
before it daemonizes (`supervisor/http.py` `make_http_servers`). Methods run on the main thread;
they check the state precondition, the rules error and their arguments, then read the context.
`system.listMethods` only reads `type(namespace).__dict__`
(`supervisor/xmlrpc.py` `SystemNamespaceRPCInterface._listMethods`), so the method groups,
written in their own modules, are merged into the namespace class body itself.
"""

from __future__ import annotations

import os
import sys
import weakref
from typing import Any

from supvisors_ext.config import ConfigError, parse_config
from supvisors_ext.host import collection_events  # noqa: F401 - registers the COLLECTION_* event types at import
from supvisors_ext.host.collection_service import CollectionService, collection_service
from supvisors_ext.host.localhost import gather_local_host
from supvisors_ext.host.log import make_plugin_logger
from supvisors_ext.rpc.base import NamespaceBase
from supvisors_ext.rpc.cluster import ClusterMethods
from supvisors_ext.rpc.collections import CollectionMethods
from supvisors_ext.rpc.control import ControlMethods
from supvisors_ext.rpc.local_collections import CollectionsNamespace
from supvisors_ext.rpc.processes import ProcessMethods
from supvisors_ext.rpc.status import StatusMethods
from supvisors_ext.rules import Rules, RulesFileError, find_rules_files, load_rules
from supvisors_ext.runtime.plugin import SupvisorsPlugin

# one plugin per supervisord run, shared by the namespaces of its several HTTP servers
_PLUGINS: weakref.WeakKeyDictionary[Any, SupvisorsPlugin] = weakref.WeakKeyDictionary()


def _own_members(*groups: type) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for group in groups:
        members.update({k: v for k, v in vars(group).items() if not k.startswith("__")})
    return members


SupvisorsNamespace = type(
    "SupvisorsNamespace",
    (NamespaceBase,),
    {
        "__doc__": "The `supvisors` namespace: thin checks over the plugin's context.",
        **_own_members(
            StatusMethods, ClusterMethods, ControlMethods, ProcessMethods, CollectionMethods
        ),
    },
)


def make_supvisors_rpcinterface(supervisord: Any, **options: str) -> NamespaceBase:
    """Factory of `[rpcinterface:supvisors]`: parse, validate, build; no thread or socket yet."""
    plugin = _PLUGINS.get(supervisord)
    if plugin is None or not plugin.is_current():
        plugin = _build_plugin(supervisord, options)
        _PLUGINS[supervisord] = plugin
    service = _collections(supervisord)
    if plugin.read_program_origins not in service.reread_hooks:
        service.reread_hooks.append(plugin.read_program_origins)  # new groups after `update`
    return SupvisorsNamespace(plugin)


def make_collections_rpcinterface(supervisord: Any, **options: str) -> CollectionsNamespace:
    """Factory of `[rpcinterface:collections]` (configuration.md §3): no option, local semantics."""
    service = _collections(supervisord)
    for key in sorted(options):
        service.logger.warn(f"[rpcinterface:collections] {key}: unknown option ignored")

    def running_plugin() -> SupvisorsPlugin | None:
        plugin = _PLUGINS.get(supervisord)
        return plugin if plugin is not None and plugin.is_current() else None

    return CollectionsNamespace(supervisord, service, running_plugin)


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
