"""The pure part of `supvisors_breed`: which sections go to which files
(docs/cli.md#supvisors_breed).

No file is read or written here: files come in as parsed sections, the plan comes out as the
files to write (in write order) and the verbose lines describing the duplication.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Items = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Section:
    """One INI section: its name (`group:x`) and its (key, value) pairs in file order."""

    name: str
    items: Items


@dataclass(frozen=True, slots=True)
class IniFile:
    """A file, by its POSIX path relative to the template folder, and its sections."""

    path: str
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """Files to write in order (a file with no section is not written), report, missing groups."""

    files: tuple[IniFile, ...]
    lines: tuple[str, ...]
    missing: tuple[str, ...]


def parse_breed_item(text: str) -> tuple[str, int]:
    """`app=nb` -> (app, nb); ValueError with docs/cli.md's wording otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError("breed format must be: key=value")
    try:
        count = int(value)
    except ValueError:
        raise ValueError("breed value must be an integer") from None
    if count < 1:
        raise ValueError("breed value must be strictly positive")
    return name, count


def copy_names(application: str, count: int) -> list[str]:
    """`app_01` ... `app_NN`: two-digit zero padding, wider when count >= 100."""
    width = max(2, len(str(count)))
    return [f"{application}_{index:0{width}d}" for index in range(1, count + 1)]


def _holder(files: dict[str, list[Section]], name: str) -> str | None:
    for path, sections in files.items():
        if any(section.name == name for section in sections):
            return path
    return None


def make_plan(templates: Sequence[IniFile], breed: Mapping[str, int], extra: bool) -> Plan:
    """Replace each `[group:app]` by its copies, in place or (extra) one new file per copy."""
    files = {template.path: list(template.sections) for template in templates}
    lines = ["Template group elements found:"]
    lines += [
        f"\t{section.name}"
        for template in templates
        for section in template.sections
        if section.name.startswith("group:")
    ]
    new_files: list[IniFile] = []
    missing: list[str] = []
    for application, count in breed.items():
        path = _holder(files, f"group:{application}")
        if path is None:
            missing.append(application)
            continue
        sections = files[path]
        index = next(i for i, s in enumerate(sections) if s.name == f"group:{application}")
        template = sections.pop(index)
        copies = [
            Section(f"group:{name}", template.items) for name in copy_names(application, count)
        ]
        for copy in copies:
            if extra:
                group = copy.name.partition(":")[2]
                new_path = posixpath.join(posixpath.dirname(path), f"group_{group}.ini")
                lines.append(f"New File: {new_path}")
                new_files.append(IniFile(new_path, (copy,)))
            lines.append(f"New [{copy.name}]")
        if not extra:
            sections[index:index] = copies
    written = [IniFile(path, tuple(sections)) for path, sections in files.items()]
    return Plan(tuple(written + new_files), tuple(lines), tuple(missing))


def serialize(ini: IniFile) -> str:
    """`[name]` then `key = value` lines; continuation lines of a value are indented."""
    chunks = []
    for section in ini.sections:
        body = "".join(
            f"{key} = {value}".replace("\n", "\n    ") + "\n" for key, value in section.items
        )
        chunks.append(f"[{section.name}]\n{body}")
    return "\n".join(chunks)
