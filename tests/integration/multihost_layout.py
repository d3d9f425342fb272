"""A three-host cluster on network namespace hosts, for the multi-host tests and bench.

Host ``hN`` (``192.168.213.N``, see ``tests.harness.netns``) runs two supervisord instances,
``server_N`` and ``console_N``, like Scenario 2 spread over three machines. One managed
application, ``svc``, runs on one server: its ``bus`` (stage 1) restarts the whole
application when it fails or is lost (RESTART_APPLICATION), its ``worker`` follows (stage 2).
It is SINGLE_INSTANCE, placed with LESS_LOADED among the three servers.
"""

from __future__ import annotations

import time
import xmlrpc.client
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tests.harness import Cluster, group_section, program_section
from tests.harness.config import OptionValue
from tests.harness.netns import Network

HOSTS = ("h1", "h2", "h3")
SERVERS = tuple(f"server_{index}" for index in range(1, len(HOSTS) + 1))
CONSOLES = tuple(f"console_{index}" for index in range(1, len(HOSTS) + 1))
NAMESPECS = ("svc:bus", "svc:worker")
ALIVE = ("STARTING", "RUNNING", "BACKOFF")

RULES = """<?xml version="1.0" encoding="UTF-8"?>
<root>
    <alias name="servers">server_1,server_2,server_3</alias>
    <application name="svc">
        <distribution>SINGLE_INSTANCE</distribution>
        <identifiers>servers</identifiers>
        <start_sequence>1</start_sequence>
        <starting_strategy>LESS_LOADED</starting_strategy>
        <programs>
            <program name="bus">
                <start_sequence>1</start_sequence>
                <required>true</required>
                <expected_loading>20</expected_loading>
                <running_failure_strategy>RESTART_APPLICATION</running_failure_strategy>
            </program>
            <program name="worker">
                <start_sequence>2</start_sequence>
                <required>true</required>
                <expected_loading>20</expected_loading>
            </program>
        </programs>
    </application>
</root>
"""

SVC_PROGRAMS = "\n".join(
    [
        program_section("bus", autostart=False, autorestart=False),
        program_section("worker", autostart=False, autorestart=False),
        group_section("svc", ["bus", "worker"]),
    ]
)


def add_multihost(
    cluster: Cluster,
    network: Network,
    root: Path,
    options: Mapping[str, OptionValue] | None = None,
) -> list[str]:
    """Create hosts h1..h3 in ``network`` and add server_N + console_N on each; return nicks."""
    rules = root / "multihost_rules.xml"
    rules.parent.mkdir(parents=True, exist_ok=True)
    rules.write_text(RULES)
    common: dict[str, OptionValue] = {
        "rules_files": str(rules),
        "core_identifiers": ",".join(SERVERS),
        **(options or {}),
    }
    for index, label in enumerate(HOSTS, start=1):
        host = network.add_host(label)
        for nick, extra in ((f"server_{index}", SVC_PROGRAMS), (f"console_{index}", "")):
            cluster.add(
                nick, host=host.address, netns=host.netns, extra=extra, supvisors_options=common
            )
    return [*SERVERS, *CONSOLES]


def host_of_nick(nick: str) -> str:
    """``server_2`` -> ``h2``."""
    return HOSTS[int(nick.rsplit("_", 1)[1]) - 1]


def nicks_on(label: str) -> list[str]:
    """The instances running on host ``label``."""
    index = HOSTS.index(label) + 1
    return [f"server_{index}", f"console_{index}"]


def safe(call: Any, default: Any = None) -> Any:
    """``call()``, or ``default`` while the instance does not answer."""
    try:
        return call()
    except (OSError, xmlrpc.client.Error):
        return default


def running_copies(cluster: Cluster, namespec: str, nicks: Iterable[str] = SERVERS) -> list[str]:
    """Where ``namespec`` really runs, asked to each supervisord (not the plugin's view)."""
    found = []
    for nick in nicks:
        info = safe(lambda nick=nick: cluster[nick].supervisor.getProcessInfo(namespec))
        if info is not None and info["statename"] in ALIVE:
            found.append(nick)
    return found


def svc_hosts(instance: Any) -> set[str]:
    """The identifiers where any process of ``svc`` runs, in ``instance``'s view."""
    infos = instance.supvisors.get_process_info("svc:*")
    return {identifier for info in infos for identifier in info["identifiers"]}


def svc_placed_once(cluster: Cluster, observer: str) -> str | None:
    """The identifier of the one instance running svc, RUNNING in ``observer``'s view."""
    instance = cluster[observer]
    if instance.supvisors.get_application_info("svc")["statename"] != "RUNNING":
        return None
    hosts = svc_hosts(instance)
    return hosts.pop() if len(hosts) == 1 else None


def nick_of(cluster: Cluster, identifier: str) -> str:
    return next(inst.nick for inst in cluster if inst.identifier == identifier)


def fsm_states(cluster: Cluster, nicks: Iterable[str]) -> dict[str, str | None]:
    """Each instance's FSM state name (None when it does not answer)."""
    return {
        nick: safe(lambda nick=nick: cluster[nick].supvisors.get_supvisors_state()["fsm_statename"])
        for nick in nicks
    }


def instance_state(cluster: Cluster, observer: str, nick: str) -> str | None:
    """The state of ``nick`` as ``observer`` sees it."""
    target = cluster[nick].identifier
    infos = safe(lambda: cluster[observer].supvisors.get_instance_info(target))
    return infos[0]["statename"] if infos else None


def svc_settled(cluster: Cluster, nicks: Iterable[str]) -> str | None:
    """The identifier running svc once every named instance is in OPERATION with no job and
    sees svc RUNNING there only, and each named server's supervisord agrees; else None."""
    nicks = list(nicks)
    if set(fsm_states(cluster, nicks).values()) != {"OPERATION"}:
        return None
    states = [cluster[nick].supvisors.get_supvisors_state() for nick in nicks]
    if any(state["starting_jobs"] or state["stopping_jobs"] for state in states):
        return None
    placed = {svc_placed_once(cluster, nick) for nick in nicks}
    if len(placed) != 1 or None in placed:
        return None
    where = placed.pop()
    assert where is not None
    servers = [nick for nick in nicks if nick in SERVERS]
    for namespec in NAMESPECS:
        if running_copies(cluster, namespec, servers) != [nick_of(cluster, where)]:
            return None
    return where


def all_see_all_running(cluster: Cluster, nicks: Iterable[str]) -> bool:
    """Every named instance sees every named instance RUNNING."""
    nicks = list(nicks)
    return all(instance_state(cluster, o, n) == "RUNNING" for o in nicks for n in nicks)


def place_svc(cluster: Cluster, on_master: bool, timeout: float = 20) -> float:
    """Move svc onto (or off) the Master's server: stop it, wait until every instance sees it
    STOPPED (a start asked before the target's view has caught up is refused ALREADY_STARTED),
    then start it LOCAL on the wanted server. Return that start's duration (its start-up)."""
    observer = cluster["console_3"]
    master = observer.supvisors.get_master_identifier()["identifier"]
    servers = [cluster[nick].identifier for nick in SERVERS]
    wanted = master if on_master else next(ident for ident in servers if ident != master)
    observer.supvisors.stop_application("svc", True)

    def stopped_everywhere() -> bool:
        return all(
            cluster[inst.nick].supvisors.get_application_info("svc")["statename"] == "STOPPED"
            for inst in cluster
        )

    cluster.wait_until(stopped_everywhere, timeout=timeout, message="svc not STOPPED everywhere")
    began = time.monotonic()
    assert cluster[nick_of(cluster, wanted)].supvisors.start_application("LOCAL", "svc", True)
    return time.monotonic() - began
