"""supervisord configuration files for test instances (docs/configuration.md).

Values written here go through supervisor's ``%(here)s`` expansion: write ``%%`` for a
literal ``%`` (the ``programs`` helpers do it for commands).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"

SUPVISORS_FACTORY = "supvisors_ext.rpcinterface:make_supvisors_rpcinterface"
COLLECTIONS_FACTORY = "supvisors_ext.rpcinterface:make_collections_rpcinterface"
CTL_FACTORY = "supvisors_ext.supvisorsctl:make_supvisors_controller_plugin"

#: ready-made sections to pass as ``extra`` text
CTLPLUGIN_SECTION = f"[ctlplugin:supvisors]\nsupervisor.ctl_factory = {CTL_FACTORY}\n"
COLLECTIONS_SECTION = (
    f"[rpcinterface:collections]\nsupervisor.rpcinterface_factory = {COLLECTIONS_FACTORY}\n"
)

#: an option value: lists are comma-joined, booleans become true/false, None drops the key
OptionValue = str | int | float | bool | Sequence[str] | None


@dataclass(frozen=True, slots=True)
class InstanceSpec:
    """Everything needed to write one instance's supervisord.conf."""

    nick: str
    http_port: int
    internal_port: int
    host: str = LOOPBACK
    include: tuple[str, ...] = ()  # globs, relative to the instance folder or absolute
    extra: str = ""  # raw sections appended: [program:x], [group:x], [collection:x]...
    supvisors_options: Mapping[str, OptionValue] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    plugin: bool = True  # write [rpcinterface:supvisors]
    loglevel: str = "info"
    listed: bool = True  # appears in the cluster's supvisors_list

    @property
    def identifier(self) -> str:
        """Canonical identifier, ``host:http_port``."""
        return f"{self.host}:{self.http_port}"

    @property
    def url(self) -> str:
        """Base URL of the HTTP server."""
        return f"http://{self.host}:{self.http_port}"

    @property
    def default_internal_port(self) -> bool:
        """True when the internal port follows the default rule (HTTP port + 1)."""
        return self.internal_port == self.http_port + 1

    @property
    def supvisors_item(self) -> str:
        """This instance as a ``supvisors_list`` item (``<nick>host:port[:internal]``)."""
        internal = None if self.default_internal_port else self.internal_port
        return supvisors_item(self.nick, self.http_port, internal, self.host)


def supvisors_item(
    nick: str | None, http_port: int, internal_port: int | None = None, host: str = LOOPBACK
) -> str:
    """Build one ``supvisors_list`` item (docs/configuration.md#supvisors_list-items)."""
    item = f"<{nick}>{host}" if nick else host
    item += f":{http_port}"
    if internal_port is not None:
        item += f":{internal_port}"
    return item


def supvisors_list(specs: Iterable[InstanceSpec]) -> str:
    """The comma-separated ``supvisors_list`` of the listed specs, in the given order."""
    return ",".join(spec.supvisors_item for spec in specs if spec.listed)


def format_option(value: OptionValue) -> str:
    """Render an option value; continuation lines of a multi-line value are indented."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int | float):
        text = str(value)
    elif value is None:
        raise ValueError("None means 'omit the option': filter it out before formatting")
    else:
        text = ",".join(value)
    return text.replace("\n", "\n    ")


def plugin_options(
    spec: InstanceSpec,
    cluster_list: str | None,
    common: Mapping[str, OptionValue] | None = None,
) -> dict[str, str]:
    """Final ``[rpcinterface:supvisors]`` options: list, internal port, common, own options.

    Later sources override earlier ones; a value of None removes the key.
    """
    merged: dict[str, OptionValue] = {}
    if cluster_list is not None:
        merged["supvisors_list"] = cluster_list
    if not spec.default_internal_port:
        merged["internal_port"] = spec.internal_port
    merged.update(common or {})
    merged.update(spec.supvisors_options)
    return {key: format_option(value) for key, value in merged.items() if value is not None}


def _section(name: str, options: Mapping[str, str]) -> str:
    body = "".join(f"{key} = {value}\n" for key, value in options.items())
    return f"[{name}]\n{body}"


def render_supervisord_conf(
    spec: InstanceSpec, folder: Path, options: Mapping[str, str] | None = None
) -> str:
    """Text of supervisord.conf; logs, pid and child logs live in ``folder``.

    ``options`` are the supvisors options (see ``plugin_options``), used iff ``spec.plugin``.
    """
    sections = [
        _section("inet_http_server", {"port": f"{spec.host}:{spec.http_port}"}),
        _section(
            "supervisord",
            {
                "identifier": spec.nick,
                "logfile": str(folder / "supervisord.log"),
                "pidfile": str(folder / "supervisord.pid"),
                "childlogdir": str(folder / "childlog"),
                "nodaemon": "true",
                "silent": "true",  # the log goes to the logfile only, not to our stdout copy
                "loglevel": spec.loglevel,
            },
        ),
        _section(
            "rpcinterface:supervisor",
            {"supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"},
        ),
        _section("supervisorctl", {"serverurl": spec.url}),
    ]
    if spec.include:
        sections.append(_section("include", {"files": " ".join(spec.include)}))
    if spec.plugin:
        factory = {"supervisor.rpcinterface_factory": SUPVISORS_FACTORY}
        sections.append(_section("rpcinterface:supvisors", {**factory, **(options or {})}))
    if spec.extra.strip():
        sections.append(textwrap.dedent(spec.extra).strip() + "\n")
    return "\n".join(sections)


def write_supervisord_conf(
    spec: InstanceSpec, folder: Path, options: Mapping[str, str] | None = None
) -> Path:
    """Write ``folder/supervisord.conf`` (creating ``folder`` and its childlog dir)."""
    (folder / "childlog").mkdir(parents=True, exist_ok=True)
    path = folder / "supervisord.conf"
    path.write_text(render_supervisord_conf(spec, folder, options))
    return path
