"""Discovery mode (docs/configuration.md#discovery-mode, issue 9 part 4) on namespace hosts.

Scenario 2 over three hosts (tests/integration/multihost_layout.py layout, X = 3): each host
runs server_N (stereotype ``server``) and console_N (stereotype ``console``). Every
``supvisors_list`` names only its own instance: the others are found through the multicast
heartbeats. The rules are the example's, written with stereotypes instead of aliases, and
``core_identifiers = server``. All six must discover each other, reach OPERATION, and the
scen2_srv applications must run on the servers only, one per server (LESS_LOADED).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Cluster
from tests.harness.netns import Network, unavailable
from tests.harness.scenario import scenario2_includes
from tests.integration.cluster_helpers import FAST, wait_operation
from tests.integration.multihost_layout import CONSOLES, HOSTS, SERVERS, instance_state, safe
from tests.integration.scenario2_layout import RULES_FILE, write_scenario2_etc

pytestmark = pytest.mark.integration
ALL = [*SERVERS, *CONSOLES]
ITEMS = 3
SRV = [f"scen2_srv_{index:02}" for index in range(1, ITEMS + 1)]
MULTICAST_GROUP = "239.255.213.1:61999"  # inside the private bridge only


@pytest.fixture
def network() -> Iterator[Network]:
    """Namespace hosts on a private bridge, deleted at teardown; skip where forbidden."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    with Network() as made:
        yield made


def stereotype_rules(folder: Path) -> Path:
    """The Scenario 2 rules with the stereotypes `server`/`console` instead of the aliases."""
    text = RULES_FILE.read_text()
    replaced = text
    for alias, stereotype in (("servers", "server"), ("consoles", "console")):
        alias_line = f'    <alias name="{alias}">'
        start = replaced.index(alias_line)
        replaced = replaced[:start] + replaced[replaced.index("\n", start) + 1 :]
        written = f"<identifiers>{alias}</identifiers>"
        assert replaced.count(written) == 1, alias
        replaced = replaced.replace(written, f"<identifiers>{stereotype}</identifiers>")
    assert "alias" not in replaced.replace("<!--", "").split("-->")[-1]
    path = folder / "supvisors_rules.xml"
    path.write_text(replaced)
    return path


def add_discovering_cluster(cluster: Cluster, network: Network, root: Path) -> None:
    """server_N and console_N on host hN, each listing only itself, in discovery mode."""
    etc = write_scenario2_etc(root / "etc", items=ITEMS)
    common = {
        **FAST,
        "rules_files": str(stereotype_rules(root)),
        "core_identifiers": "server",
        # STRICT would hold at once (only the local instance is listed): wait for the core
        # instances, which the heartbeats bring in well within the synchro_timeout
        "synchro_options": "CORE",
        "synchro_timeout": 10,
        "multicast_group": MULTICAST_GROUP,
    }
    for index, label in enumerate(HOSTS, start=1):
        host = network.add_host(label)
        for kind in ("server", "console"):
            nick = f"{kind}_{index}"
            options = {**common, "stereotypes": kind, "multicast_interface": host.address}
            instance = cluster.add(
                nick,
                host=host.address,
                netns=host.netns,
                include=scenario2_includes(kind, etc),
                supvisors_options=options,
            )
            own = {**options, "supvisors_list": instance.spec.supvisors_item}
            cluster.reconfigure(nick, supvisors_options=own)


def where(instance: Any, application: str) -> set[str]:
    """The identifiers where a process of ``application`` runs, in ``instance``'s view."""
    infos = instance.supvisors.get_process_info(f"{application}:*")
    return {identifier for info in infos for identifier in info["identifiers"]}


def srv_balanced(cluster: Cluster, observer: str) -> list[str] | None:
    """The server running each scen2_srv application once all are RUNNING, one per server."""
    instance = cluster[observer]
    if any(instance.supvisors.get_application_info(app)["statename"] != "RUNNING" for app in SRV):
        return None
    hosts = [where(instance, application) for application in SRV]
    if any(len(found) != 1 for found in hosts):
        return None
    return [found.pop() for found in hosts]


def test_six_instances_discover_each_other_and_balance_scen2_srv(
    network: Network, make_cluster: Any, tmp_path: Path
) -> None:
    cluster = make_cluster()
    add_discovering_cluster(cluster, network, tmp_path)
    for nick in ALL:  # really alone in its list: everything else must be discovered
        assert cluster.options_for(nick)["supvisors_list"] == cluster[nick].spec.supvisors_item
    cluster.start()

    def all_known_running() -> bool:
        return all(instance_state(cluster, o, n) == "RUNNING" for o in ALL for n in ALL)

    cluster.wait_until(all_known_running, timeout=40, message="the six never saw each other")
    master = wait_operation(cluster, ALL, timeout=30)
    assert master == cluster["server_1"].identifier  # core (stereotype) and smallest nick

    placed = cluster.wait_until(
        lambda: safe(lambda: srv_balanced(cluster, "console_3")),
        timeout=30,
        message="scen2_srv applications not running once per server",
    )
    servers = {cluster[nick].identifier for nick in SERVERS}
    assert sorted(placed) == sorted(servers)  # one per server: load-balanced
    for nick in ALL:
        state = cluster[nick].supvisors.get_supvisors_state()
        assert (state["fsm_statename"], state["discovery_mode"]) == ("OPERATION", True)
        assert len(state["instance_states"]) == len(ALL)
        for application in SRV:  # every view agrees with console_3's
            assert where(cluster[nick], application) <= servers
    # a stereotype designates the discovered instances over XML-RPC too
    infos = cluster["console_1"].supvisors.get_instance_info("server")
    assert sorted(info["identifier"] for info in infos) == sorted(servers)
    # the consoles run no scen2_srv process (they do not even have them)
    for nick in CONSOLES:
        groups = {p["group"] for p in cluster[nick].supervisor.getAllProcessInfo()}
        assert not any(group.startswith("scen2_srv_") for group in groups)
