"""What the plugin's imports alone add to supervisord's RSS (issue 18, memory).

    python bench/import_cost.py            # prints a table, writes bench/reports/import_cost.json

In a fresh interpreter that has imported supervisord's own modules, imports the plugin's
dependencies, then its layers, one step at a time, and notes the RSS after each (VmRSS of
/proc/self/status): the floor of the plugin's memory share before it holds any data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

STEPS = (
    "supervisor.supervisord",
    "dataclasses",
    "lxml.etree",
    "zmq",
    "psutil",
    "supvisors_ext.messages",
    "supvisors_ext.message_decoder",
    "supvisors_ext.rules",
    "supvisors_ext.cluster.context",
    "supvisors_ext.jobs.control",
    "supvisors_ext.net.bus",
    "supvisors_ext.runtime.plugin",
    "supvisors_ext.rpcinterface",
)
PROBE = """
import json, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
rows, last = [], rss()
for name in sys.argv[1:]:
    before = len(sys.modules)
    __import__(name)
    now = rss()
    rows.append([name, now - last, len(sys.modules) - before])
    last = now
print(json.dumps(rows))
"""


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    output = subprocess.run(
        [sys.executable, "-c", PROBE, *STEPS], env=env, capture_output=True, text=True, check=True
    ).stdout
    rows = json.loads(output)
    print("| import | RSS added (MiB) | modules added |\n| --- | --- | --- |")
    for name, added, modules in rows:
        print(f"| `{name}` | {added:.1f} | {modules} |")
    plugin = sum(added for name, added, _ in rows if name != "supervisor.supervisord")
    print(f"| plugin total (everything after supervisord) | {plugin:.1f} | |")
    target = root / "bench" / "reports" / "import_cost.json"
    target.write_text(json.dumps({"steps": rows, "plugin_total_mib": plugin}, indent=1))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
