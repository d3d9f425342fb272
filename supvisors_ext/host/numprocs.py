"""Change the number of processes of a program in the running supervisord (docs/api.md
`update_numprocs`); main thread, supervisor internals only.

New processes are built by supervisor's own `processes_from_section`, from the files supervisord
read, with the new `numprocs`: they are what supervisord would have built from edited files. They
join their group's `processes` and `config.process_configs` (so that `getAllConfigInfo` shows
them). Processes in excess are made obsolete: their spawn is blocked (host/disabilities.py), and
they leave the group once stopped (`sweep`, never while supervisord iterates its groups).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from supervisor.options import ProcessConfig, UnhosedConfigParser

from supvisors_ext.host.adapter import STOPPED_LIKE, SupervisorAdapter
from supvisors_ext.host.conffiles import ProgramOrigin, read_config_files
from supvisors_ext.host.disabilities import block_spawn, unblock_spawn
from supvisors_ext.host.log import PluginLogger


class NumprocsError(ValueError):
    """The program cannot change its numprocs (not a `[program:x]`, no `%(process_num)`...)."""


@dataclass
class Resized:
    """The outcome of one change on this instance."""

    added: list[Any]  # new process objects
    obsolete: list[Any]  # processes in excess, still to stop and remove
    removed: list[tuple[str, str]]  # (group, name) removed at once (they were stopped)


class NumprocsEditor:
    """Resize programs of one supervisord; remembers obsolete processes until they stop."""

    def __init__(self, supervisord: Any, adapter: SupervisorAdapter, logger: PluginLogger) -> None:
        self.supervisord = supervisord
        self.adapter = adapter
        self.logger = logger
        self.obsolete: dict[tuple[str, str], Any] = {}

    def resize(self, program: str, numprocs: int) -> Resized:
        parser = self._parser()
        section = f"program:{program}"
        if not parser.has_section(section):
            raise NumprocsError(f"{program} is not a [program:x] section of this supervisord")
        parser.set(section, "numprocs", str(numprocs))
        result = Resized([], [], [])
        for group in self._groups_of(program):
            try:
                configs = self.supervisord.options.processes_from_section(
                    parser, section, group.config.name, ProcessConfig
                )
            except ValueError as exc:
                raise NumprocsError(str(exc)) from None
            self._grow(group, program, configs, result)
            self._shrink(group, program, {config.name for config in configs}, result)
        return result

    def sweep(self) -> list[tuple[str, str]]:
        """Remove the obsolete processes that are stopped now; return their (group, name)."""
        removed = []
        for key, process in list(self.obsolete.items()):
            if _stopped(process):
                self._remove(process)
                removed.append(key)
        return removed

    # ----- internals
    def _parser(self) -> UnhosedConfigParser:
        options = self.supervisord.options
        try:
            parser = read_config_files(options.configfile, os.environ)
        except (OSError, ValueError) as exc:
            raise NumprocsError(f"cannot read {options.configfile}: {exc}") from None
        for section in parser.sections():  # `%(here)s` of each file, as supervisor does
            here = os.path.dirname(os.path.abspath(parser.section_to_file.get(section, "")))
            for key, value in parser.items(section, raw=True):
                if "%(here)s" in value:
                    parser.set(section, key, value.replace("%(here)s", here))
        return parser

    def _groups_of(self, program: str) -> list[Any]:
        groups = {id(p.group): p.group for p in self.adapter.program_processes(program)}
        return sorted(groups.values(), key=lambda group: group.config.name)

    def _grow(self, group: Any, program: str, configs: list[Any], result: Resized) -> None:
        for index, config in enumerate(configs):
            key = (group.config.name, config.name)
            existing = group.processes.get(config.name)
            if existing is not None:
                if self.obsolete.pop(key, None) is not None:  # wanted again before it stopped
                    if program not in self.adapter.disabled_programs:
                        unblock_spawn(existing)
                continue
            config.create_autochildlogs()
            process = config.make_process(group)
            self.adapter.origins[key] = ProgramOrigin(program, index)
            if program in self.adapter.disabled_programs:
                block_spawn(process)
            group.processes[config.name] = process
            group.config.process_configs.append(config)
            result.added.append(process)
            self.logger.info(f"{group.config.name}:{config.name}: added (numprocs)")

    def _shrink(self, group: Any, program: str, kept: set[str], result: Resized) -> None:
        for process in self.adapter.program_processes(program):
            if process.group is not group or process.config.name in kept:
                continue
            key = (group.config.name, process.config.name)
            block_spawn(process)  # neither autorestart nor a start may bring it back
            if _stopped(process):
                self._remove(process)
                result.removed.append(key)
            else:
                self.obsolete[key] = process
                result.obsolete.append(process)

    def _remove(self, process: Any) -> None:
        group = process.group
        name = process.config.name
        key = (group.config.name, name)
        self.obsolete.pop(key, None)
        group.processes.pop(name, None)
        configs = group.config.process_configs
        configs[:] = [config for config in configs if config.name != name]
        for table in (self.adapter.origins, self.adapter.extra_args):
            table.pop(key, None)  # type: ignore[attr-defined]
        self.logger.info(f"{key[0]}:{name}: removed (numprocs)")


def _stopped(process: Any) -> bool:
    """No child left: a stopped state, or BACKOFF (no pid) that a blocked spawn keeps there."""
    return process.get_state() in STOPPED_LIKE or not process.pid
