"""The `supvisors.*` methods documented in docs/api.md: the single list the namespace must match.

Every row of a method table in docs/api.md names its methods in its first cell, as
`` `name(arguments)` ``; those names, across every table of the page, are the documented API.
"""

from __future__ import annotations

import re
from pathlib import Path

API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
_CALL = re.compile(r"`(\w+)\(")


def documented_methods(text: str | None = None) -> set[str]:
    """`supvisors.<name>` for each method named in the first cell of a table row."""
    text = API_DOC.read_text() if text is None else text
    names: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        first_cell = line.split("|")[1]
        names.update(_CALL.findall(first_cell))
    return {f"supvisors.{name}" for name in names}
