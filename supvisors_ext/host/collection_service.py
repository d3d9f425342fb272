"""Collection definitions of one supervisord run: loading, reread, events (main thread).

One service per supervisord run, shared by the `supvisors` and `collections` namespaces (and by
the several HTTP servers), so that definitions are read and events emitted once
(docs/collections.md#how-it-fits-into-supervisord). Like the plugin, it is built by a factory before
supervisord daemonizes and acts only from `SupervisorRunningEvent` on
(docs/architecture.md#the-supervisord-plugin-lifecycle).

**The one intrusion** (listed in docs/collections.md): `reread`/`update` call
`supervisor.reloadConfig()`, which offers no hook, yet collections must be re-read with it
(docs/collections.md). When supervisord runs, the service finds the `supervisor` namespace
*instance* of each HTTP server (`options.httpservers` → XML-RPC handler → `rpcinterface`) and
sets an instance attribute `reloadConfig` that wraps the original bound method. No module,
class or global of supervisor is changed; the attribute is removed on stop.
"""

from __future__ import annotations

import os
import types
import weakref
from collections.abc import Callable
from typing import Any

from supervisor import events
from supervisor.xmlrpc import Faults, RPCError, supervisor_xmlrpc_handler

from supvisors_ext.collections import (
    CollectionDef,
    CollectionsDiff,
    MemberRef,
    ParsedCollections,
    diff,
    ordered,
    parse_collections,
    resolve,
)
from supvisors_ext.host.collection_events import (
    CollectionAddedEvent,
    CollectionEvent,
    CollectionRemovedEvent,
)
from supvisors_ext.host.conffiles import (
    ProgramOrigin,
    collection_sections,
    environ_expansions,
    program_origins,
    read_config_files,
)

_SERVICES: weakref.WeakKeyDictionary[Any, CollectionService] = weakref.WeakKeyDictionary()


def collection_service(supervisord: Any) -> CollectionService:
    """The service of this supervisord run, built (and its files read) on first use.

    Raises CollectionError (or ValueError for an unreadable file) when built at start.
    """
    service = _SERVICES.get(supervisord)
    if service is None or not service.is_current():
        service = CollectionService(supervisord)
        service.load()
        _SERVICES[supervisord] = service
    return service


def current_service(supervisord: Any) -> CollectionService | None:
    """The service already built for this supervisord run, if any."""
    service = _SERVICES.get(supervisord)
    return service if service is not None and service.is_current() else None


class CollectionService:
    """Active collection definitions and the program names of local processes."""

    def __init__(self, supervisord: Any) -> None:
        self.supervisord = supervisord
        self.options = supervisord.options
        self.logger = supervisord.options.logger
        self.definitions: dict[str, CollectionDef] = {}
        self.origins: dict[tuple[str, str], ProgramOrigin] = {}
        # called after each successful reread (the plugin refreshes its program names)
        self.reread_hooks: list[Callable[[], None]] = []
        self._subscriptions: list[tuple[type, Callable[[Any], None]]] = []
        self._wrapped: list[Any] = []

    # ----- reading
    def read(self) -> tuple[ParsedCollections, dict[tuple[str, str], ProgramOrigin]]:
        """Read the sections from the files supervisord reads; CollectionError if one is bad."""
        configfile = self.options.configfile
        here = os.path.dirname(os.path.abspath(configfile))
        expansions = getattr(self.options, "environ_expansions", None)
        if not isinstance(expansions, dict):
            expansions = environ_expansions(os.environ)
        try:
            parser = read_config_files(configfile, os.environ)
        except (OSError, ValueError) as exc:  # configparser errors are ValueErrors
            raise ValueError(f"{configfile}: cannot read collections: {exc}") from None
        parsed = parse_collections(collection_sections(parser, here, expansions))
        try:
            origins = program_origins(parser, here)
        except (ValueError, KeyError) as exc:
            self.logger.warn(f"cannot read program names from {configfile}: {exc}")
            origins = dict(self.origins)
        return parsed, origins

    def load(self) -> None:
        """At start: read the definitions (errors propagate), subscribe to the lifecycle."""
        parsed, self.origins = self.read()
        self.definitions = parsed.definitions
        for warning in parsed.warnings:
            self.logger.warn(warning)
        self._subscribe(events.SupervisorRunningEvent, self.on_running)
        self._subscribe(events.SupervisorStoppingEvent, self.on_stopping)

    def reread(self) -> CollectionsDiff:
        """Read again and apply the difference at once
        (docs/design/collections.md#reread-and-update).

        CollectionError/ValueError leave the active definitions unchanged.
        """
        parsed, origins = self.read()
        return self.apply(parsed, origins)

    def apply(
        self, parsed: ParsedCollections, origins: dict[tuple[str, str], ProgramOrigin]
    ) -> CollectionsDiff:
        old, new = self.definitions, parsed.definitions
        changes = diff(old, new)
        self.definitions, self.origins = new, origins
        for warning in parsed.warnings:
            self.logger.warn(warning)
        for name in changes.removed:
            self._emit(CollectionRemovedEvent(name))
        for name in changes.changed:
            self._emit(CollectionRemovedEvent(name))
            self._emit(CollectionAddedEvent(name))
        for name in changes.added:
            self._emit(CollectionAddedEvent(name))
        for hook in self.reread_hooks:
            try:
                hook()
            except Exception as exc:  # noqa: BLE001 - a reread must not fail for a hook
                self.logger.error(f"collections: reread hook failed: {exc!r}")
        if changes.added or changes.changed or changes.removed:
            added, changed, removed = changes.as_lists()
            self.logger.info(
                f"collections reread: added {added}, changed {changed}, removed {removed}"
            )
        return changes

    # ----- queries
    def get(self, name: str) -> CollectionDef | None:
        return self.definitions.get(name)

    def ordered(self) -> list[CollectionDef]:
        return ordered(self.definitions.values())

    def local_members(self, definition: CollectionDef) -> list[tuple[Any, Any]]:
        """(group, process) of supervisord's active process groups, in member order."""
        found: dict[tuple[str, str], tuple[Any, Any]] = {}
        candidates = []
        for group in list(self.supervisord.process_groups.values()):
            for process in list(group.processes.values()):
                key = (group.config.name, process.config.name)
                origin = self.origins.get(key)
                program = origin.program_name if origin else process.config.name
                candidates.append(MemberRef(key[0], key[1], program))
                found[key] = (group, process)
        return [found[(ref.group, ref.name)] for ref in resolve(definition, candidates)]

    # ----- lifecycle
    def is_current(self) -> bool:
        """False once supervisord's restart cleared the event callbacks."""
        return any(
            callback is ours for _, ours in self._subscriptions for _, callback in events.callbacks
        )

    def _subscribe(self, event_type: type, callback: Callable[[Any], None]) -> None:
        def guarded(event: Any) -> None:
            try:
                callback(event)
            except Exception as exc:  # noqa: BLE001 - supervisord must survive a plugin bug
                self.logger.critical(f"collections: internal error: {exc!r}")

        events.subscribe(event_type, guarded)
        self._subscriptions.append((event_type, guarded))

    def on_running(self, _event: object) -> None:
        """Wrap `supervisor.reloadConfig`, then announce every collection in order."""
        for namespace in supervisor_namespaces(self.options):
            if "reloadConfig" not in vars(namespace):
                namespace.reloadConfig = types.MethodType(make_reload_config(self), namespace)
                self._wrapped.append(namespace)
        for definition in self.ordered():
            self._emit(CollectionAddedEvent(definition.name))

    def on_stopping(self, _event: object) -> None:
        for namespace in self._wrapped:
            vars(namespace).pop("reloadConfig", None)
        self._wrapped.clear()
        for event_type, callback in self._subscriptions:
            try:
                events.unsubscribe(event_type, callback)
            except ValueError:
                pass  # already gone
        self._subscriptions.clear()

    def _emit(self, event: CollectionEvent) -> None:
        try:
            events.notify(event)
        except Exception as exc:  # noqa: BLE001 - a listener pool bug must not stop the rest
            self.logger.error(f"collections: cannot emit {type(event).__name__}: {exc!r}")


def supervisor_namespaces(options: Any) -> list[Any]:
    """The `supervisor` namespace instance of each HTTP server (`supervisor/http.py`
    `make_http_servers`: the XML-RPC handler may be wrapped by an auth handler)."""
    found = []
    for _config, server in getattr(options, "httpservers", ()):
        for handler in getattr(server, "handlers", ()):
            handler = getattr(handler, "handler", handler)
            if isinstance(handler, supervisor_xmlrpc_handler):
                namespace = getattr(handler.rpcinterface, "supervisor", None)
                if namespace is not None and hasattr(namespace, "reloadConfig"):
                    found.append(namespace)
    return found


def make_reload_config(service: CollectionService) -> Callable[[Any], object]:
    """`supervisor.reloadConfig` extended with the collections (docs/collections.md)."""

    def reloadConfig(self: Any) -> object:  # noqa: N802 - supervisor's method name
        """Reload the configuration, collections included.

        @return array result  [[added, changed, removed], [coll_added, coll_changed, coll_removed]]
        """
        original = type(self).reloadConfig.__get__(self)
        self._update("reloadConfig")
        try:
            parsed, origins = service.read()
        except ValueError as exc:  # CollectionError included: nothing changes
            raise RPCError(Faults.CANT_REREAD, str(exc)) from None
        result = original()
        changes = service.apply(parsed, origins)
        return [*result, changes.as_lists()]

    return reloadConfig
