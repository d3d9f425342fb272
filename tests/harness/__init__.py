"""Real-process test harness: supervisord instances on 127.0.0.1 driven from pytest.

Typical use (fixtures from ``tests.harness.fixtures``)::

    def test_x(make_cluster):
        cluster = make_cluster(plugin=False)
        cluster.add("a", programs=[program_section("sleeper")])
        cluster.start()
        assert cluster["a"].supervisor.getState()["statename"] == "RUNNING"
"""

from tests.harness.cluster import Cluster
from tests.harness.config import (
    COLLECTIONS_SECTION,
    CTLPLUGIN_SECTION,
    InstanceSpec,
    render_supervisord_conf,
    supvisors_item,
    supvisors_list,
    write_supervisord_conf,
)
from tests.harness.instance import Instance
from tests.harness.ports import PortBlock, reserve_ports
from tests.harness.programs import (
    exit_command,
    group_section,
    program_section,
    python_command,
    sleeper_command,
    write_ini,
)
from tests.harness.rpc import RpcNamespace, TimeoutTransport, make_proxy
from tests.harness.scenario import CONSOLES, CORE_IDENTIFIERS, SERVERS, add_scenario2
from tests.harness.waiting import Deadline, WaitAborted, wait_until

__all__ = [
    "COLLECTIONS_SECTION",
    "CONSOLES",
    "CORE_IDENTIFIERS",
    "CTLPLUGIN_SECTION",
    "SERVERS",
    "Cluster",
    "Deadline",
    "Instance",
    "InstanceSpec",
    "PortBlock",
    "RpcNamespace",
    "TimeoutTransport",
    "WaitAborted",
    "add_scenario2",
    "exit_command",
    "group_section",
    "make_proxy",
    "program_section",
    "python_command",
    "render_supervisord_conf",
    "reserve_ports",
    "sleeper_command",
    "supvisors_item",
    "supvisors_list",
    "wait_until",
    "write_ini",
    "write_supervisord_conf",
]
