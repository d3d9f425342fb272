"""`supvisors_breed`: duplicates template group definitions; the tool comes with issue 6.

Until then the entry point exists so that the installed script fails clearly.
"""

from __future__ import annotations

import sys

NOT_YET = "supvisors_breed: not yet implemented"


def main(argv: list[str] | None = None) -> int:
    print(f"Error: {NOT_YET}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
