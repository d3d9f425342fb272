"""`[collection:x]` parsing, diffing and membership resolution (pure; issue 7)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from supvisors_ext.collections import (
    DEFAULT_PRIORITY,
    CollectionDef,
    CollectionError,
    CollectionsDiff,
    MemberRef,
    RawSection,
    check_name,
    diff,
    ordered,
    parse_collections,
    parse_section,
    resolve,
)

PATH = "/etc/supervisord.conf"


def raw(name: str, path: str = PATH, expansions: dict[str, str] | None = None, **options: str):
    return RawSection(name, path, options, expansions or {})


def define(name: str, programs: str = "", groups: str = "", priority: int = 999) -> CollectionDef:
    programs_t = tuple(item for item in programs.split(",") if item)
    groups_t = tuple(item for item in groups.split(",") if item)
    return CollectionDef(name, priority, programs_t, groups_t)


# ----- parsing
def test_section_values_are_trimmed_deduplicated_and_expanded() -> None:
    section = raw(
        "web-tier",
        expansions={"here": "/srv", "ENV_TIER": "front"},
        programs=" nginx , ,gunicorn,nginx,%(ENV_TIER)s_proxy ",
        groups="%(here)s/ignored,",
        priority=" -5 ",
    )
    definition, warnings = parse_section(section)
    assert definition == CollectionDef(
        "web-tier", -5, ("nginx", "gunicorn", "front_proxy"), ("/srv/ignored",), PATH
    )
    assert warnings == []
    assert definition.to_payload() == {
        "name": "web-tier",
        "priority": -5,
        "program_names": ["nginx", "gunicorn", "front_proxy"],
        "group_names": ["/srv/ignored"],
    }


def test_priority_defaults_to_999_and_groups_alone_are_enough() -> None:
    definition, _ = parse_section(raw("metrics", groups="metrics"))
    assert definition.priority == DEFAULT_PRIORITY
    assert definition.programs == ()


def test_unknown_keys_are_warnings_naming_file_and_section() -> None:
    _, warnings = parse_section(raw("w", programs="a", colour="blue"))
    assert warnings == [f"{PATH}: [collection:w]: unknown key 'colour' ignored"]


@pytest.mark.parametrize(
    ("section", "reason"),
    [
        (raw("w"), "at least one of programs or groups must be non-empty"),
        (raw("w", programs=" , ", groups=""), "at least one of programs or groups"),
        (raw("w", programs="a", priority="high"), "priority: 'high' is not an integer"),
        (raw("w", programs="a", priority="1.5"), "priority: '1.5' is not an integer"),
        (raw("", programs="a"), "the collection name is empty"),
        (raw("a b", programs="a"), "invalid collection name 'a b'"),
        (raw("a:b", programs="a"), "invalid collection name"),
        (raw("a/b", programs="a"), "invalid collection name"),
        (raw("a[b]", programs="a"), "invalid collection name"),
        (raw("w", programs="%(ENV_NOPE)s"), "programs: cannot expand %(ENV_NOPE)s"),
        (raw("w", programs="a", priority="%(x"), "priority: bad %-expansion"),
    ],
)
def test_bad_sections_are_refused_naming_file_and_section(section: RawSection, reason: str) -> None:
    with pytest.raises(CollectionError) as info:
        parse_section(section)
    assert str(info.value).startswith(f"{PATH}: [collection:{section.name}]: ")
    assert reason in str(info.value)
    assert isinstance(info.value, ValueError)


def test_check_name_accepts_dots_dashes_and_underscores() -> None:
    assert check_name("web-tier.v2_a") == ""


def test_parse_collections_collects_warnings_and_stops_at_the_first_error() -> None:
    parsed = parse_collections([raw("a", programs="x", bad="1"), raw("b", groups="g")])
    assert sorted(parsed.definitions) == ["a", "b"]
    assert len(parsed.warnings) == 1
    with pytest.raises(CollectionError, match=r"other.ini: \[collection:c\]"):
        parse_collections([raw("a", programs="x"), raw("c", path="other.ini")])


# ----- order and diff
def test_ordered_by_priority_then_name() -> None:
    definitions = [define("b", "x", priority=10), define("a", "x"), define("c", "x", priority=10)]
    assert [d.name for d in ordered(definitions)] == ["b", "c", "a"]


def test_diff_reports_added_changed_removed_in_priority_order() -> None:
    old = {
        "keep": define("keep", "a"),
        "prio": define("prio", "a", priority=5),
        "prog": define("prog", "a"),
        "gone": define("gone", "a"),
    }
    new = {
        "keep": CollectionDef("keep", 999, ("a",), (), "/elsewhere.ini"),  # file does not count
        "prio": define("prio", "a", priority=6),
        "prog": define("prog", "a,b"),
        "new2": define("new2", groups="g", priority=1),
        "new1": define("new1", groups="g", priority=2),
    }
    changes = diff(old, new)
    assert changes == CollectionsDiff(("new2", "new1"), ("prio", "prog"), ("gone",))
    assert changes.as_lists() == [["new2", "new1"], ["prio", "prog"], ["gone"]]
    assert diff(new, new) == CollectionsDiff()


# ----- resolution
PROCESSES = [
    MemberRef("front", "nginx", "nginx"),
    MemberRef("app", "gunicorn_1", "gunicorn"),  # numprocs = 2
    MemberRef("app", "gunicorn_0", "gunicorn"),
    MemberRef("app", "worker", "worker"),
    MemberRef("metrics", "exporter", "exporter"),
    MemberRef("metrics", "collector", "collector"),
    MemberRef("edge", "exporter", "exporter"),  # the same program name in another group
    MemberRef("nginx", "nginx", "nginx"),  # a homogeneous group of its own
]


def names(refs: list[MemberRef]) -> list[str]:
    return [ref.namespec for ref in refs]


def test_programs_match_every_process_of_the_program_sorted_by_namespec() -> None:
    members = resolve(define("web", "nginx,gunicorn,exporter"), PROCESSES)
    assert names(members) == [
        "front:nginx",
        "nginx",
        "app:gunicorn_0",
        "app:gunicorn_1",
        "edge:exporter",
        "metrics:exporter",
    ]


def test_programs_match_process_names_too() -> None:
    assert names(resolve(define("one", "gunicorn_1"), PROCESSES)) == ["app:gunicorn_1"]


def test_groups_come_after_programs_sorted_by_process_name_without_duplicates() -> None:
    members = resolve(define("mon", "exporter", "metrics,app"), PROCESSES)
    assert names(members) == [
        "edge:exporter",
        "metrics:exporter",
        "metrics:collector",
        "app:gunicorn_0",
        "app:gunicorn_1",
        "app:worker",
    ]


def test_missing_programs_and_groups_are_skipped() -> None:
    assert names(resolve(define("x", "nope,worker", "ghost"), PROCESSES)) == ["app:worker"]
    assert resolve(define("y", "nope"), PROCESSES) == []


def test_written_order_of_entries_is_kept() -> None:
    members = resolve(define("z", "worker,nginx", "metrics"), PROCESSES)
    assert names(members)[:3] == ["app:worker", "front:nginx", "nginx"]


def test_a_process_may_belong_to_several_collections() -> None:
    first = resolve(define("a", "exporter"), PROCESSES)
    second = resolve(define("b", groups="metrics"), PROCESSES)
    assert set(names(first)) & set(names(second)) == {"metrics:exporter"}


def test_priority_does_not_order_members() -> None:
    low = resolve(define("a", "worker,nginx", priority=1), PROCESSES)
    high = resolve(define("a", "worker,nginx", priority=500), PROCESSES)
    assert low == high


def test_the_module_is_pure() -> None:
    code = (
        "import sys, supvisors_ext.collections\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('supervisor', 'zmq')))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
