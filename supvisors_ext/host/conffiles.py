"""Read the files supervisord reads (main file + `[include]` globs) to recover what it forgets.

Supervisor keeps no program name on a process config (a `[group:x]` swallows its programs), so
`program_name` and `process_index` of a process are recovered from the files themselves. The
same reader serves the `[collection:x]` sections. Nothing here may stop supervisord: callers
catch `ValueError`/`OSError` and fall back.
"""

from __future__ import annotations

import glob
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from supervisor.options import UnhosedConfigParser, expand

from supvisors_ext.collections import SECTION_PREFIX, RawSection
from supvisors_ext.compat import SLOTS


@dataclass(frozen=True, **SLOTS)
class ProgramOrigin:
    """Where a process comes from: its `[program:x]` name and its rank among the numprocs copies."""

    program_name: str
    process_index: int


def environ_expansions(environ: Mapping[str, str]) -> dict[str, str]:
    """`%(ENV_X)s` expansions, as supervisor builds them."""
    return {f"ENV_{key}": value for key, value in environ.items()}


def read_config_files(configfile: str, environ: Mapping[str, str]) -> UnhosedConfigParser:
    """Parse the main file then its `[include] files` globs (sorted, relative to the main file)."""
    here = os.path.dirname(os.path.abspath(configfile))
    parser = UnhosedConfigParser()
    parser.expansions = environ_expansions(environ)
    if not parser.read([configfile]):
        raise OSError(f"cannot read {configfile}")
    if parser.has_section("include") and parser.has_option("include", "files"):
        expansions = {"here": here, "host_node_name": socket.gethostname()}
        expansions.update(parser.expansions)
        files = expand(parser.get("include", "files"), expansions, "include.files")
        for pattern in files.split():
            pattern = os.path.join(here, os.path.expanduser(pattern))
            for filename in sorted(glob.glob(pattern)):
                parser.read([filename])
    return parser


def section_folder(parser: UnhosedConfigParser, section: str, default: str) -> str:
    """Folder of the file a section came from, for `%(here)s`."""
    filename = parser.section_to_file.get(section)
    return os.path.dirname(os.path.abspath(filename)) if filename else default


def program_origins(
    parser: UnhosedConfigParser, default_here: str
) -> dict[tuple[str, str], ProgramOrigin]:
    """Map (group, process name) to the program that produced it."""
    group_of: dict[str, str] = {}
    for section in parser.sections():
        if section.startswith("group:"):
            programs = parser.get(section, "programs", fallback="")
            for program in (name.strip() for name in programs.split(",")):
                if program:
                    group_of[program] = section.split(":", 1)[1]
    origins: dict[tuple[str, str], ProgramOrigin] = {}
    for section in parser.sections():
        if not section.startswith("program:"):
            continue
        program = section.split(":", 1)[1]
        group = group_of.get(program, program)
        for index, name in enumerate(_process_names(parser, section, program, group, default_here)):
            origins[(group, name)] = ProgramOrigin(program, index)
    return origins


def _process_names(
    parser: UnhosedConfigParser, section: str, program: str, group: str, default_here: str
) -> list[str]:
    numprocs = int(parser.get(section, "numprocs", fallback="1"))
    numprocs_start = int(parser.get(section, "numprocs_start", fallback="0"))
    template = parser.get(section, "process_name", fallback="%(program_name)s")
    names = []
    for process_num in range(numprocs_start, numprocs_start + numprocs):
        expansions = {
            "here": section_folder(parser, section, default_here),
            "program_name": program,
            "group_name": group,
            "host_node_name": socket.gethostname(),
            "process_num": process_num,
            "numprocs": numprocs,
            "numprocs_start": numprocs_start,
        }
        expansions.update(parser.expansions)
        names.append(expand(template, expansions, "process_name"))
    return names


def collection_sections(
    parser: UnhosedConfigParser, default_here: str, expansions: Mapping[str, str]
) -> list[RawSection]:
    """The `[collection:x]` sections, in file order, with what `%(...)s` may use in each.

    `here` is the folder of the file the section came from (supervisor's `expand_here`).
    """
    sections = []
    for section in parser.sections():
        if not section.startswith(SECTION_PREFIX):
            continue
        path = parser.section_to_file.get(section, "")
        available = {
            **expansions,
            "here": section_folder(parser, section, default_here),
            "host_node_name": socket.gethostname(),
        }
        options = {key: parser.get(section, key) for key in parser.options(section)}
        sections.append(RawSection(section[len(SECTION_PREFIX) :], path, options, available))
    return sections
