"""The `[collection:x]` feature: section parsing, diffing and membership resolution; pure.

A collection is a named view over processes of several groups (docs/collections.md#the-section,
docs/design/collections.md): it owns nothing, so this module only turns raw section values into
definitions, compares two sets of definitions, and lists the members of a definition among the
processes given to it. It imports neither supervisor nor zmq; the files are read elsewhere
(`conffiles.collection_sections`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SECTION_PREFIX = "collection:"
DEFAULT_PRIORITY = 999
KNOWN_KEYS = frozenset({"programs", "groups", "priority"})
FORBIDDEN_NAME_CHARS = frozenset(":/[]")


class CollectionError(ValueError):
    """A bad `[collection:x]` section; the text names the file and the section."""

    def __init__(self, path: str, name: str, reason: str) -> None:
        super().__init__(f"{path}: [{SECTION_PREFIX}{name}]: {reason}")
        self.path, self.name, self.reason = path, name, reason


@dataclass(frozen=True, slots=True)
class RawSection:
    """One `[collection:x]` section as read from the files, values not yet expanded.

    `expansions` are the `%(name)s` values available to this section (`here`, `ENV_X`...).
    """

    name: str
    path: str
    options: Mapping[str, str]
    expansions: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CollectionDef:
    """One valid collection definition."""

    name: str
    priority: int
    programs: tuple[str, ...]
    groups: tuple[str, ...]
    path: str = ""

    @property
    def content(self) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
        """What a reread compares (the file it came from does not count)."""
        return self.priority, self.programs, self.groups

    def to_payload(self) -> dict[str, object]:
        """`list_collections` entry (docs/api.md#collections)."""
        return {
            "name": self.name,
            "priority": self.priority,
            "program_names": list(self.programs),
            "group_names": list(self.groups),
        }


@dataclass(frozen=True, slots=True)
class ParsedCollections:
    """Definitions by name, plus the warnings to log (unknown keys)."""

    definitions: dict[str, CollectionDef]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CollectionsDiff:
    """Names added, changed and removed by a reread, each in (priority, name) order."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def as_lists(self) -> list[list[str]]:
        return [list(self.added), list(self.changed), list(self.removed)]


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A process a collection may designate: its group, its name and its program's name."""

    group: str
    name: str
    program_name: str

    @property
    def namespec(self) -> str:
        return self.name if self.group == self.name else f"{self.group}:{self.name}"


def check_name(name: str) -> str:
    """The reason a collection name is invalid, '' if it is valid."""
    if not name:
        return "the collection name is empty"
    if any(char.isspace() or char in FORBIDDEN_NAME_CHARS for char in name):
        return f"invalid collection name {name!r} (no whitespace, ':', '/', '[' or ']')"
    return ""


def _expand(section: RawSection, key: str) -> str:
    value = section.options.get(key, "")
    try:
        return value % dict(section.expansions)
    except KeyError as exc:
        reason = f"{key}: cannot expand %({exc.args[0]})s in {value!r}"
    except (ValueError, TypeError) as exc:
        reason = f"{key}: bad %-expansion in {value!r} ({exc})"
    raise CollectionError(section.path, section.name, reason)


def _items(value: str) -> tuple[str, ...]:
    """Comma-separated items, trimmed, empty ones dropped, first occurrence kept."""
    items = (item.strip() for item in value.split(","))
    return tuple(dict.fromkeys(item for item in items if item))


def parse_section(section: RawSection) -> tuple[CollectionDef, list[str]]:
    """Validate one section; CollectionError on a bad one, warnings for unknown keys."""
    reason = check_name(section.name)
    if reason:
        raise CollectionError(section.path, section.name, reason)
    warnings = [
        f"{section.path}: [{SECTION_PREFIX}{section.name}]: unknown key {key!r} ignored"
        for key in sorted(section.options)
        if key not in KNOWN_KEYS
    ]
    programs = _items(_expand(section, "programs"))
    groups = _items(_expand(section, "groups"))
    if not programs and not groups:
        raise CollectionError(
            section.path, section.name, "at least one of programs or groups must be non-empty"
        )
    priority = DEFAULT_PRIORITY
    if "priority" in section.options:
        text = _expand(section, "priority").strip()
        try:
            priority = int(text)
        except ValueError:
            raise CollectionError(
                section.path, section.name, f"priority: {text!r} is not an integer"
            ) from None
    return CollectionDef(section.name, priority, programs, groups, section.path), warnings


def parse_collections(sections: Iterable[RawSection]) -> ParsedCollections:
    """Validate every section; the first bad one raises CollectionError."""
    definitions: dict[str, CollectionDef] = {}
    warnings: list[str] = []
    for section in sections:
        definition, found = parse_section(section)
        definitions[definition.name] = definition
        warnings.extend(found)
    return ParsedCollections(definitions, tuple(warnings))


def ordered(definitions: Iterable[CollectionDef]) -> list[CollectionDef]:
    """Definitions in (priority, name) order (list_collections, events, CLI)."""
    return sorted(definitions, key=lambda definition: (definition.priority, definition.name))


def diff(old: Mapping[str, CollectionDef], new: Mapping[str, CollectionDef]) -> CollectionsDiff:
    """What a reread changes: names only in `new`, in both but different, only in `old`."""
    added = [new[name] for name in new if name not in old]
    removed = [old[name] for name in old if name not in new]
    changed = [new[name] for name in new if name in old and new[name].content != old[name].content]
    return CollectionsDiff(
        added=tuple(definition.name for definition in ordered(added)),
        changed=tuple(definition.name for definition in ordered(changed)),
        removed=tuple(definition.name for definition in ordered(removed)),
    )


def resolve(definition: CollectionDef, candidates: Iterable[MemberRef]) -> list[MemberRef]:
    """The members of a collection among `candidates`, in member order
    (docs/design/collections.md#resolution-and-order).

    For each `programs` entry in written order, the processes whose process name or program
    name equals it, sorted by namespec; then for each `groups` entry in written order, the
    processes of that group sorted by process name. No duplicates: first occurrence kept.
    Entries that match nothing are skipped.
    """
    pool = list(candidates)
    members: dict[tuple[str, str], MemberRef] = {}
    for program in definition.programs:
        found = [ref for ref in pool if program in (ref.name, ref.program_name)]
        for ref in sorted(found, key=lambda ref: ref.namespec):
            members.setdefault((ref.group, ref.name), ref)
    for group in definition.groups:
        found = [ref for ref in pool if ref.group == group]
        for ref in sorted(found, key=lambda ref: ref.name):
            members.setdefault((ref.group, ref.name), ref)
    return list(members.values())
