"""Entry module of `supvisorsctl` and of the `[ctlplugin:supvisors]` factory (docs/cli.md).

The commands live in `supvisors_ext.cli`; this module only names the two entry points that
`pyproject.toml` and supervisord configurations refer to.
"""

from __future__ import annotations

import sys

from supvisors_ext.cli.ctlplugin import SupvisorsControllerPlugin, make_supvisors_controller_plugin
from supvisors_ext.cli.shell import main

__all__ = ["SupvisorsControllerPlugin", "main", "make_supvisors_controller_plugin"]

if __name__ == "__main__":
    sys.exit(main())
