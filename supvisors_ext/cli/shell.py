"""`supvisorsctl`: supervisorctl with the supvisors commands always loaded
(docs/cli.md#supvisorsctl-options).

Options, configuration file, one-shot and interactive modes are supervisorctl's own
(`supervisor/supervisorctl.py` `main`); only the exit handling differs: `main` returns the
status instead of calling `sys.exit`, so that it can be run in-process.
"""

from __future__ import annotations

import sys
from typing import Any

from supervisor.options import ClientOptions
from supervisor.supervisorctl import Controller

from supvisors_ext.cli.ctlplugin import make_supvisors_controller_plugin

USAGE = """supvisorsctl -- supervisorctl with the Supvisors commands.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file path (searches if not given)
-h/--help -- print usage message and exit
-i/--interactive -- start an interactive shell after executing commands
-s/--serverurl URL -- URL on which supervisord server is listening
     (default "http://localhost:9001").
-u/--username USERNAME -- username to use for authentication with server
-p/--password PASSWORD -- password to use for authentication with server
-r/--history-file -- keep a readline history (if readline is available)

action [arguments] -- see below

Actions are commands like "application_info" or "start_application LOCAL appli", or the
stock ones like "status". If no action is specified on the command line, a "shell"
interprets actions typed interactively. Use the action "help" to find out about them.
Exit status: 0 success, 1 fault, 2 invalid arguments.
"""


def with_supvisors_plugin(options: Any) -> None:
    """Add our plugin unless the configuration file already loads it."""
    for name, factory, _ in options.plugin_factories:
        if name == "supvisors" or factory is make_supvisors_controller_plugin:
            return
    options.plugin_factories.append(("supvisors", make_supvisors_controller_plugin, {}))


def main(argv: list[str] | None = None, options: Any = None) -> int:
    """Run one command (one-shot) or the interactive shell; return the exit status."""
    if options is None:
        options = ClientOptions()
    # supervisor's Options bind the streams at import time: use the current ones
    options.stdout, options.stderr = sys.stdout, sys.stderr
    try:
        options.realize(argv, doc=USAGE, progname="supvisorsctl")
    except SystemExit as exc:  # usage errors (2) and -h (0), from supervisor's Options
        return int(exc.code or 0)
    with_supvisors_plugin(options)
    controller = Controller(options)
    if options.args:
        controller.onecmd(" ".join(options.args))
        return int(controller.exitstatus)
    controller.exec_cmdloop(argv, options)
    return 0  # interactive mode always exits 0, as supervisorctl
