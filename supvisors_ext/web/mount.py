"""Wiring of the web layer onto the plugin's HTTP routes (docs/web.md, docs/rest.md).

`install_web` adds two route handlers to the router the plugin installs on supervisord's own
HTTP servers (`host/http_routes.py`): `/api` (REST) and `/supvisors` (dashboard). Both run on
the main thread; replies are sent at once or deferred, never waited for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from supvisors_ext import __version__
from supvisors_ext.config import WebOptions
from supvisors_ext.config_values import ConfigError
from supvisors_ext.host.http_routes import Request
from supvisors_ext.host.xmlrpc_namespaces import namespaces_of
from supvisors_ext.net.peers import http_credentials
from supvisors_ext.runtime.sync import peer_url
from supvisors_ext.web.dashboard import PREFIX, Answer, Dashboard, Peer, json_answer
from supvisors_ext.web.openapi import docstring_lookup, openapi_document
from supvisors_ext.web.remote import RemoteCalls
from supvisors_ext.web.rest import API_PREFIX, JsonReply, RestApi, error

OPENAPI_PATH = API_PREFIX + "/openapi.json"
Poll = Callable[[], Any]


def send(request: Request, result: Answer | JsonReply | Poll, delay: float = 0.05) -> None:
    """Answer now (an Answer or a JsonReply), or defer until the poll gives one."""
    if isinstance(result, JsonReply):
        if result.allow:
            request.raw["Allow"] = result.allow
        result = json_answer(result)
    if isinstance(result, tuple):
        status, content_type, body = result
        request.raw["Cache-Control"] = "no-cache"
        request.reply(status, body, content_type)
        return

    def poll() -> Answer | None:
        value = result()
        if value is None or not isinstance(value, (tuple, JsonReply)):
            return None  # NOT_DONE_YET from a supervisor callback, or not ready
        return json_answer(value) if isinstance(value, JsonReply) else value

    request.defer(poll, getattr(result, "delay", delay))


class RestRoute:
    """Route handler of `/api/...`."""

    def __init__(self, readonly: bool) -> None:
        self.api = RestApi(readonly)

    def __call__(self, request: Request) -> None:
        namespaces = namespaces_of(request.raw.channel.server)
        if request.path == OPENAPI_PATH:
            if request.method != "GET":
                send(request, JsonReply(405, {"message": "GET only", "code": 1}, "GET"))
                return
            document = openapi_document(__version__, docstring_lookup(namespaces))
            send(request, JsonReply(200, document))
            return
        send(request, self.api.handle(request.method, request.path, request.query, namespaces))


class DashboardRoute:
    """Route handler of `/supvisors` and `/supvisors/...` (but `/supvisors/events`)."""

    def __init__(self, dashboard: Dashboard, readonly: bool) -> None:
        self.dashboard = dashboard
        self.readonly = readonly

    def __call__(self, request: Request) -> None:
        path = request.path
        if path == PREFIX:  # relative links of the page need the trailing slash
            request.raw["Location"] = PREFIX + "/"
            request.reply(301, b"", "text/plain")
            return
        if not path.startswith(PREFIX + "/"):
            send(request, error(404, 1, f"no dashboard path {path!r}"))
            return
        relative = path[len(PREFIX) + 1 :]
        if request.method == "POST":
            send(request, self.post(relative, request))
        elif request.method == "GET":
            send(request, self.get(relative, request))
        else:
            send(request, JsonReply(405, {"message": "GET or POST only", "code": 1}, "GET, POST"))

    def get(self, relative: str, request: Request) -> Any:
        dashboard = self.dashboard
        if relative == "dashboard.json":
            return dashboard.config_document()
        if relative.startswith("theme/"):
            return dashboard.theme_file(relative[len("theme/") :])
        if relative == "tail":
            return dashboard.tail(request.query, namespaces_of(request.raw.channel.server))
        if relative == "stats":
            namespaces = namespaces_of(request.raw.channel.server)
            return dashboard.host_statistics(request.query, namespaces)
        return dashboard.static(relative)

    def post(self, relative: str, request: Request) -> Any:
        if self.readonly:
            return error(403, 104, "dashboard_readonly: this instance accepts no action")
        if relative not in ("copy/stop", "copy/keep"):
            return error(404, 1, f"no dashboard action {relative!r}")
        namespaces = namespaces_of(request.raw.channel.server)
        namespec = (request.query.get("namespec") or [""])[-1]
        identifier = (request.query.get("identifier") or [""])[-1]
        copies = self.copies(namespaces, namespec)
        if identifier not in copies:
            return error(404, 10, f"{namespec!r} does not run on {identifier!r}")
        targets = (
            [identifier] if relative == "copy/stop" else [i for i in copies if i != identifier]
        )
        return self.dashboard.stop_copies(targets, namespec, namespaces)

    @staticmethod
    def copies(namespaces: Mapping[str, object], namespec: str) -> list[str]:
        """Identifiers where the process runs, from `supvisors.get_process_info`."""
        try:
            infos = namespaces["supvisors"].get_process_info(namespec)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - an unknown name is simply "nowhere"
            return []
        return [identifier for info in infos for identifier in info["identifiers"]]


def install_web(plugin: Any) -> None:
    """Add the REST and dashboard routes to the plugin's HTTP router (once per plugin)."""
    router = plugin.observability.router
    if API_PREFIX in router.routes:
        return
    options = plugin.config.web
    credentials, _problem = http_credentials(plugin.adapter.options.server_configs)
    context = plugin.context

    def peer_of(identifier: str) -> Peer | None:
        record = context.instances.get(identifier)
        if record is None:
            return None
        return Peer(identifier, peer_url(record.id.host, record.id.http_port))

    def settings() -> dict[str, Any]:
        options = plugin.config.observability
        return {"stats_periods": list(options.periods) if options.host_stats else []}

    remote = RemoteCalls(credentials)
    dashboard = Dashboard(options, context.local_identifier, peer_of, remote, settings)
    router.add(API_PREFIX, RestRoute(options.dashboard_readonly))
    router.add(PREFIX, DashboardRoute(dashboard, options.dashboard_readonly))
    plugin.logger.info(f"web: dashboard at {PREFIX}/, REST API at {API_PREFIX}/")


def check_theme_files(options: WebOptions) -> None:
    """Startup check: `software_icon` and `css_files` name existing files (ConfigError)."""
    if options.software_icon is not None and not os.path.isfile(options.software_icon):
        raise ConfigError("software_icon", f"{options.software_icon!r} is not an existing file")
    for path in options.css_files:
        if not os.path.isfile(path):
            raise ConfigError("css_files", f"{path!r} is not an existing file")
