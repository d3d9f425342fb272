"""Expansion of the `rules_files` globs into the file order (docs/rules.md#loading); pure."""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence


def find_rules_files(patterns: Sequence[str], cwd: str) -> tuple[list[str], list[str]]:
    """Expand the globs, relative ones against `cwd` (supervisord's launch directory).

    Returns the matches made absolute, de-duplicated and sorted (the file order), and one
    warning text per glob that matches nothing. Substitutions such as %(here)s are already
    done by the configuration layer.
    """
    found: set[str] = set()
    warnings: list[str] = []
    for pattern in patterns:
        full_pattern = os.path.join(cwd, pattern)  # join keeps an absolute pattern as-is
        matches = glob.glob(full_pattern)
        if not matches:
            warnings.append(f"rules_files: '{pattern}' matches no file")
        found.update(os.path.abspath(match) for match in matches)
    return sorted(found), warnings
