"""Expansion of the rules_files globs into the file order (docs/rules.md#loading)."""

from __future__ import annotations

import os
from pathlib import Path

from supvisors_ext.rules import find_rules_files


def touch(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("<root/>")
    return str(path)


def test_globs_sorted_deduplicated_absolute(tmp_path: Path) -> None:
    b = touch(tmp_path / "rules" / "b.xml")
    a = touch(tmp_path / "rules" / "a.xml")
    c = touch(tmp_path / "other" / "c.xml")
    files, warnings = find_rules_files(
        ["rules/*.xml", str(tmp_path / "other" / "*.xml"), "rules/a.xml", "./rules/../rules/b*"],
        str(tmp_path),
    )
    assert files == sorted([a, b, c])
    assert all(os.path.isabs(path) for path in files)
    assert warnings == []


def test_glob_matching_nothing_is_a_warning(tmp_path: Path) -> None:
    a = touch(tmp_path / "a.xml")
    files, warnings = find_rules_files(["*.xml", "missing/*.xml", "none.xml"], str(tmp_path))
    assert files == [a]
    assert warnings == [
        "rules_files: 'missing/*.xml' matches no file",
        "rules_files: 'none.xml' matches no file",
    ]


def test_no_pattern(tmp_path: Path) -> None:
    assert find_rules_files([], str(tmp_path)) == ([], [])
