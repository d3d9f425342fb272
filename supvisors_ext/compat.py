"""Python 3.9 fallbacks for the few 3.10+ features the package uses (docs/install.md).

supervisord loads the plugin into its own interpreter, which is Python 3.9 on RHEL/Rocky 9.
Pure: stdlib only; every layer may import it.

- `SLOTS`: keyword arguments for `dataclass`: `slots=True` where the interpreter supports it
  (3.10+), nothing on 3.9, where instances then carry a `__dict__` (same fields, same values).
- `StrEnum`: `enum.StrEnum` on 3.11+; before, a `str` enum whose `str()` and `format()` give
  the value, as `enum.StrEnum` does.
"""

from __future__ import annotations

import sys
from enum import Enum

SLOTS: dict[str, bool] = {"slots": True} if sys.version_info >= (3, 10) else {}

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:

    class StrEnum(str, Enum):
        """`enum.StrEnum` of Python 3.11: members are strings; str() and format() give the value."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, format_spec: str) -> str:
            return format(str(self.value), format_spec)
