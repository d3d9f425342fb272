"""`supvisorsctl` and the `[ctlplugin:supvisors]` factory: the operator commands come with issue 6.

Until then the entry points exist so that installed scripts and configurations fail clearly
instead of with an import error.
"""

from __future__ import annotations

import sys
from typing import Any

from supervisor.supervisorctl import ControllerPluginBase

NOT_YET = "supvisorsctl: not yet implemented; use the supvisors XML-RPC namespace meanwhile"


class SupvisorsControllerPlugin(ControllerPluginBase):
    """An empty supervisorctl plugin: loading it is harmless, it adds no command yet."""

    name = "supvisors"


def make_supvisors_controller_plugin(controller: Any, **config: str) -> SupvisorsControllerPlugin:
    """supervisorctl's factory for `[ctlplugin:supvisors]` (it takes no option)."""
    return SupvisorsControllerPlugin(controller, **config)


def main(argv: list[str] | None = None) -> int:
    print(f"Error: {NOT_YET}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
