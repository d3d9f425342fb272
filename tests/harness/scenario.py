"""The Scenario 2 reference deployment (docs/scenario2.md) on 127.0.0.1.

Only the layout: six instances, their nicks, includes and common options. The program
files (``common/*.ini``, ``server/*.ini``, ``console/*.ini``) come from ``etc_dir``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tests.harness.cluster import Cluster
from tests.harness.config import OptionValue

SERVERS = ("server_1", "server_2", "server_3")
CONSOLES = ("console_1", "console_2", "console_3")
CORE_IDENTIFIERS = ",".join(SERVERS)


def scenario2_includes(kind: str, etc_dir: Path | None) -> tuple[str, ...]:
    """Include globs of a ``server`` or ``console`` instance: ``common/*.ini <kind>/*.ini``."""
    if etc_dir is None:
        return ()
    return (str(etc_dir / "common" / "*.ini"), str(etc_dir / kind / "*.ini"))


def add_scenario2(
    cluster: Cluster,
    *,
    etc_dir: Path | None = None,
    servers: int = 3,
    consoles: int = 3,
    supvisors_options: Mapping[str, OptionValue] | None = None,
    extra: str = "",
) -> str:
    """Add ``server_1..servers`` then ``console_1..consoles`` to ``cluster``.

    Every instance gets ``core_identifiers = server_1,...`` (the servers added) plus
    ``supvisors_options`` (e.g. ``rules_files``, ``tick_period``) and ``extra`` text.
    Return the cluster's ``supvisors_list`` (servers first, like
    docs/configuration.md#a-complete-example).
    """
    server_nicks = [f"server_{index}" for index in range(1, servers + 1)]
    options: dict[str, OptionValue] = {"core_identifiers": ",".join(server_nicks)}
    options.update(supvisors_options or {})
    for kind, count in (("server", servers), ("console", consoles)):
        for index in range(1, count + 1):
            cluster.add(
                f"{kind}_{index}",
                include=scenario2_includes(kind, etc_dir),
                supvisors_options=options,
                extra=extra,
            )
    return cluster.supvisors_list()
