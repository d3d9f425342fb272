"""A two-instance cluster with credentials for the access and scale tests: `a` holds 300
processes in one group (not started: only their rows matter), `b` is read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.harness import Cluster, group_section, program_section, python_command

USER, PASSWORD = "admin", "s3cret"
MANY = 300
CHATTY = python_command(
    "import time,itertools; [print('line', i, flush=True) or time.sleep(0.5)"
    " for i in itertools.count()]"
)


def with_credentials(cluster: Cluster, nick: str, root: Path) -> None:
    include = root / f"{nick}-http.ini"
    include.write_text(f"[inet_http_server]\nusername = {USER}\npassword = {PASSWORD}\n")
    cluster.reconfigure(nick, include=(*cluster[nick].spec.include, str(include)))


def build(make_cluster: Any, root: Path) -> Cluster:
    cluster: Cluster = make_cluster(supvisors_options={"tick_period": 0.5})
    names = [f"p{index:03}" for index in range(MANY)]
    programs = [program_section(name, autostart=False) for name in names]
    cluster.add("a", programs=[*programs, group_section("many", names)])
    cluster.add(
        "b",
        programs=[program_section("chatty", CHATTY)],
        supvisors_options={"dashboard_readonly": "true"},
    )
    for nick in ("a", "b"):
        with_credentials(cluster, nick, root)
    cluster.start(wait=False)
    return cluster
