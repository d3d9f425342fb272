"""Identifier lists: splitting, aliases, cycles and the `*`/`#`/`@` signs
(docs/rules.md#identifier-lists)."""

from __future__ import annotations

import pytest

from supvisors_ext.rules import application_rank
from supvisors_ext.rules.identifiers import (
    ListContext,
    dedupe,
    expand_aliases,
    find_alias_cycles,
    normalise_signs,
    split_items,
)


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a,b", ("a", "b")),
        ("  a , b  ,", ("a", "b")),
        (",,a,,", ("a",)),
        ("", ()),
        (" , ", ()),
        ("a,a", ("a", "a")),  # duplicates are removed after alias expansion
        ("host:60000, server_1", ("host:60000", "server_1")),
    ],
)
def test_split_items(text: str, items: tuple[str, ...]) -> None:
    assert split_items(text) == items


def test_dedupe_keeps_first_position() -> None:
    assert dedupe(["b", "a", "b", "c", "a"]) == ("b", "a", "c")


def test_expand_aliases_recursive_and_order_independent() -> None:
    definitions = {
        "anywhere": ("front", "backend"),  # uses an alias defined after it
        "front": ("web_1", "web_2"),
        "all_web": ("front", "web_1", "web_3"),
    }
    assert expand_aliases(("anywhere",), definitions) == ("web_1", "web_2", "backend")
    assert expand_aliases(("all_web",), definitions) == ("web_1", "web_2", "web_3")
    assert expand_aliases(("x", "front", "x"), definitions) == ("x", "web_1", "web_2")
    assert expand_aliases(("#", "front"), definitions) == ("#", "web_1", "web_2")
    assert expand_aliases((), definitions) == ()


def test_find_alias_cycles() -> None:
    assert find_alias_cycles({"a": ("b",), "b": ("c", "x"), "c": ("y",)}) == []
    assert find_alias_cycles({"a": ("a",)}) == [("a",)]
    assert find_alias_cycles({"a": ("b",), "b": ("c",), "c": ("a",)}) == [("a", "b", "c")]
    # one report per cycle, whatever alias the walk starts from; a tail before the cycle is cut
    assert find_alias_cycles({"z": ("a",), "a": ("b",), "b": ("a",)}) == [("a", "b")]
    # two independent cycles, and an alias reaching a cycle twice
    cycles = find_alias_cycles({"a": ("b", "b"), "b": ("a",), "c": ("d",), "d": ("c", "a")})
    assert cycles == [("a", "b"), ("c", "d")]
    # an alias naming a cycle member twice meets the same cycle twice: reported once
    assert find_alias_cycles({"a": ("b",), "b": ("a", "a")}) == [("a", "b")]


@pytest.mark.parametrize(
    ("items", "context", "expected", "notes"),
    [
        ((), ListContext.PROGRAM_NAME, ("*",), []),
        (("a", "b"), ListContext.PROGRAM_NAME, ("a", "b"), []),
        (("a", "*", "b"), ListContext.PROGRAM_PATTERN, ("*",), []),
        (("a", "#", "b"), ListContext.PROGRAM_PATTERN, ("#", "a", "b"), []),
        (("#",), ListContext.PROGRAM_PATTERN, ("#",), []),
        (("@", "a"), ListContext.PROGRAM_PATTERN, ("@", "a"), []),
        (("#", "*"), ListContext.PROGRAM_PATTERN, ("#", "*"), []),
        (("a", "#", "b"), ListContext.APPLICATION, ("#", "a", "b"), []),
        (("#", "a"), ListContext.PROGRAM_NAME, ("*",), ["'#' is only allowed in <program"]),
        (("@", "a"), ListContext.PROGRAM_NAME, ("*",), ["'@' is only allowed in <program"]),
        (("#", "@", "a"), ListContext.PROGRAM_PATTERN, ("@", "a"), ["both used"]),
        (
            ("a", "@", "#"),
            ListContext.PROGRAM_NAME,
            ("*",),
            ["both used", "'@' is only allowed in <program"],
        ),
        (("@", "a"), ListContext.APPLICATION, ("a",), ["'@' is not applicable to an application"]),
        (("@",), ListContext.APPLICATION, ("*",), ["'@' is not applicable"]),
        (("@", "#", "a"), ListContext.APPLICATION, ("a",), ["both used", "'@' is not applicable"]),
    ],
)
def test_normalise_signs(
    items: tuple[str, ...],
    context: ListContext,
    expected: tuple[str, ...],
    notes: list[str],
) -> None:
    result, found = normalise_signs(items, context)
    assert result == expected
    assert len(found) == len(notes)
    for note, text in zip(notes, found, strict=True):
        assert note in text


@pytest.mark.parametrize(
    ("name", "rank"),
    [
        ("report_2", 2),
        ("report-12", 12),
        ("scen2_srv_01", 1),
        ("app_007", 7),
        ("app_0", None),
        ("app_00", None),
        ("app2", None),
        ("app_", None),
        ("app_2b", None),
        ("3", None),
    ],
)
def test_application_rank(name: str, rank: int | None) -> None:
    assert application_rank(name) == rank
