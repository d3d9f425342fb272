"""The `[ctlplugin:supvisors]` adapter: one `do_<name>`/`help_<name>` pair per table command.

supervisorctl's `Controller` finds commands with `getattr(plugin, 'do_' + cmd)` and lists them
for `help` from the class (`supervisor/supervisorctl.py` `ControllerPluginBase.do_help`), so
the methods are built into the class body from the command table.
"""

from __future__ import annotations

import sys
import xmlrpc.client
from collections.abc import Callable
from typing import Any

from supervisor.supervisorctl import ControllerPluginBase
from supervisor.xmlrpc import SupervisorTransport

from supvisors_ext.cli.collection import help_lines
from supvisors_ext.cli.commands import COMMANDS, Command, execute
from supvisors_ext.cli.completion import Completer
from supvisors_ext.cli.reread import print_collection_changes
from supvisors_ext.cli.session import Session


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def proxy_at(options: Any, url: str) -> Any:
    """A connection to another instance with the controller's credentials (as getServerProxy)."""
    transport = SupervisorTransport(options.username, options.password, url)
    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport)


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _credentials(options: Any) -> tuple[str, str] | None:
    username = getattr(options, "username", None)
    return (username, getattr(options, "password", None) or "") if username else None


class _PluginBase(ControllerPluginBase):
    """Runs table commands against the controller's server; wraps its completer."""

    name = "supvisors"

    def __init__(self, controller: Any, **config: str) -> None:
        if config:
            raise ValueError(f"[ctlplugin:supvisors] takes no option, got {sorted(config)}")
        super().__init__(controller)
        completer = Completer(self.ctl.get_server_proxy, controller.complete)
        # cmd.Cmd registers self.complete with readline when the loop starts (cmdloop)
        controller.complete = completer.complete
        print_collection_changes(getattr(getattr(controller, "options", None), "plugins", []))

    def run(self, command: Command, arg: str) -> None:
        session = Session(
            self.ctl.get_server_proxy,
            self.ctl.output,
            _err,
            serverurl=self.ctl.options.serverurl,
            tty=_isatty(self.ctl.stdout),
            credentials=_credentials(self.ctl.options),
            connect_to=lambda url: proxy_at(self.ctl.options, url),
        )
        try:
            status = execute(command, session, arg)
        finally:
            session.close()
        if status:
            self.ctl.exitstatus = status


def _do(command: Command) -> Callable[[Any, str], None]:
    def do(self: _PluginBase, arg: str) -> None:
        self.run(command, arg)

    do.__name__ = f"do_{command.name}"
    do.__doc__ = command.forms[0][1]
    return do


def _help(command: Command) -> Callable[[Any], None]:
    def help_(self: _PluginBase) -> None:
        for line in help_lines(command.forms):
            self.ctl.output(line)

    help_.__name__ = f"help_{command.name}"
    return help_


def _members() -> dict[str, Any]:
    members: dict[str, Any] = {"__doc__": "supervisorctl commands over the supvisors namespace."}
    for command in COMMANDS:
        members[f"do_{command.name}"] = _do(command)
        members[f"help_{command.name}"] = _help(command)
    return members


SupvisorsControllerPlugin = type("SupvisorsControllerPlugin", (_PluginBase,), _members())


def make_supvisors_controller_plugin(controller: Any, **config: str) -> Any:
    """supervisorctl's factory for `[ctlplugin:supvisors]` (it takes no option)."""
    return SupvisorsControllerPlugin(controller, **config)
