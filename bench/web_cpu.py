"""CPU of a supervisord serving one connected dashboard (docs/web.md, "Cost").

One instance with 30 managed applications of 2 sleepers each (not started at boot). Measures
the supervisord process's CPU (psutil, user+system) over a window:
  1. at rest, no dashboard;            2. at rest, one dashboard open on the cluster page;
  3. a 30-application start burst with the dashboard open (from the first start_application
     to every application RUNNING), and the same burst without the dashboard.
The machine is shared: run it a few times and read the figures as orders of magnitude.

    .venv/bin/python bench/web_cpu.py [--rest-seconds 30]
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.browser import dashboard_url, launched  # noqa: E402
from tests.harness import Cluster, group_section, program_section  # noqa: E402

APPLICATIONS = 30
RULES = """<?xml version="1.0" encoding="UTF-8"?>
<root>
    <application pattern="burst_">
        <starting_strategy>CONFIG</starting_strategy>
        <programs>
            <program pattern="b">
                <start_sequence>1</start_sequence>
            </program>
        </programs>
    </application>
</root>
"""


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def window(process: psutil.Process, seconds: float) -> float:
    """% of one core used by `process` during `seconds`."""
    before, start = cpu_seconds(process), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(process) - before) / (time.monotonic() - start)


def burst(cluster: Cluster, process: psutil.Process) -> tuple[float, float]:
    """(% of one core, seconds) for starting the 30 applications, then stop them again."""
    supvisors = cluster["a"].supvisors
    names = [f"burst_{index:02}" for index in range(APPLICATIONS)]
    before, start = cpu_seconds(process), time.monotonic()
    for name in names:
        supvisors.start_application("CONFIG", name, False)
    cluster.wait_until(
        lambda: all(
            info["statename"] == "RUNNING"
            for info in supvisors.get_all_applications_info()
            if info["application_name"].startswith("burst_")
        ),
        timeout=120,
        interval=0.05,
        message="burst not RUNNING",
    )
    elapsed = time.monotonic() - start
    used = 100 * (cpu_seconds(process) - before) / elapsed
    for name in names:
        supvisors.stop_application(name, False)
    cluster.wait_until(
        lambda: all(
            info["statename"] == "STOPPED"
            for info in supvisors.get_all_applications_info()
            if info["application_name"].startswith("burst_")
        ),
        timeout=120,
        message="burst not STOPPED",
    )
    return used, elapsed


def main() -> int:
    # a SIGTERM must still close the cluster (the finally below)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rest-seconds", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rules = Path(folder) / "rules.xml"
        rules.write_text(RULES)
        cluster = Cluster(Path(folder) / "cluster", supvisors_options={"rules_files": str(rules)})
        try:
            programs: list[str] = []
            for index in range(APPLICATIONS):
                names = [f"b{index:02}_{n}" for n in range(2)]
                programs += [program_section(name, autostart=False) for name in names]
                programs.append(group_section(f"burst_{index:02}", names))
            cluster.add("a", programs=programs)
            cluster.start()
            cluster.wait_until(
                lambda: (
                    cluster["a"].supvisors.get_supvisors_state()["fsm_statename"] == "OPERATION"
                ),
                timeout=60,
                message="not in OPERATION",
            )
            process = psutil.Process(cluster["a"].pid)
            time.sleep(2)
            print(f"rest, no dashboard:   {window(process, args.rest_seconds):.2f} % of a core")
            used, elapsed = burst(cluster, process)
            print(f"burst, no dashboard:  {used:.1f} % of a core over {elapsed:.2f} s")
            with launched() as browser:
                page = browser.new_page()
                page.on("pageerror", lambda error: print(f"page error: {error}"))
                page.on("console", lambda message: print(f"console: {message.text}"))
                page.goto(dashboard_url(cluster["a"].http_port, "cluster"))
                page.wait_for_selector("#link-state.live", timeout=120_000)
                page.wait_for_selector("article.card")
                time.sleep(2)
                print(f"rest, one dashboard:  {window(process, args.rest_seconds):.2f} % of a core")
                used, elapsed = burst(cluster, process)
                print(f"burst, one dashboard: {used:.1f} % of a core over {elapsed:.2f} s")
        finally:
            cluster.close()
    print(f"load average during the run: {psutil.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
