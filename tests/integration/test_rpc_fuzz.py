"""Property test of the argument checking of every `supvisors` XML-RPC method (issue 9).

One real supervisord with the plugin (module scope) receives random argument lists: random
types and values mixed with plausible names so that the checks past the type checks are
reached. Each call must answer a value or a Fault with our codes or supervisor's: never an
HTTP error (a 500 is an uncaught exception or an unmarshallable result), never a dead
supervisord. `restart` and `shutdown` are left out: they end supervisord by design.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from supervisor.xmlrpc import Faults

from supvisors_ext.faults import SupvisorsFaults
from supvisors_ext.rpcinterface import SupvisorsNamespace
from tests.harness import Cluster, Instance, group_section, program_section
from tests.integration.cluster_helpers import wait_operation

pytestmark = pytest.mark.integration

ENDING = {"restart", "shutdown"}  # they stop supervisord when the call is valid
METHODS = sorted(
    name
    for name, member in vars(SupvisorsNamespace).items()
    if callable(member) and not name.startswith("_") and name not in ENDING
)
SUPERVISOR_CODES = {value for name, value in vars(Faults).items() if name.isupper()}
ALLOWED_CODES = SUPERVISOR_CODES | {int(code) for code in SupvisorsFaults}
RULES = """<?xml version="1.0" encoding="UTF-8"?>
<root>
  <application name="grp">
    <start_sequence>1</start_sequence>
    <programs><program name="prog"><start_sequence>1</start_sequence></program></programs>
  </application>
</root>
"""
PLAUSIBLE = [
    "grp", "grp:prog", "grp:*", "prog", "other", "*", "", "solo", "127.0.0.1", "CONFIG",
    "LESS_LOADED", "LOCAL", "USER", "INFINITELY", "SENICIDE", "info", "debug", "BLATHER",
    "HUP", "TERM", "USR1", "9", "0", "-n 3", "--", "x" * 300,
]  # fmt: skip
xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n"),
    max_size=20,
)
scalars = (
    st.sampled_from(PLAUSIBLE)
    | xml_text
    | st.booleans()
    | st.integers(-(2**31), 2**31 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    # supervisor's parser decodes base64 as UTF-8 (`supervisor/xmlrpc.py` unmarshallers):
    # other bytes are refused with HTTP 400 before any plugin code runs
    | xml_text.map(lambda text: xmlrpc.client.Binary(text.encode()))
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(PLAUSIBLE) | xml_text, children, max_size=3)
    ),
    max_leaves=6,
)
arguments = st.lists(values, max_size=4)


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    root = tmp_path_factory.mktemp("rpc-fuzz")
    rules = root / "rules.xml"
    rules.write_text(RULES)
    cluster = Cluster(root / "cluster", name="rpc-fuzz", rpc_timeout=30.0)
    try:
        solo = cluster.add(
            "solo",
            programs=[program_section("prog"), group_section("grp", ["prog"])],
            supvisors_options={"rules_files": str(rules), "tick_period": 0.2},
        )
        cluster.start()
        wait_operation(cluster, ["solo"])
        yield solo
    finally:
        cluster.close()


def test_every_method_is_fuzzed(instance: Instance) -> None:
    listed = {
        name for name in instance.rpc("system").listMethods() if name.startswith("supvisors.")
    }
    assert listed == {f"supvisors.{name}" for name in [*METHODS, *ENDING]}


@pytest.mark.parametrize("method", METHODS)
def test_random_arguments_give_a_value_or_a_known_fault(instance: Instance, method: str) -> None:
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(arguments)
    def call(args: list[Any]) -> None:
        try:
            with instance.proxy() as proxy:
                getattr(proxy.supvisors, method)(*args)
        except xmlrpc.client.Fault as fault:
            assert fault.faultCode in ALLOWED_CODES, f"{method}{tuple(args)!r}: {fault}"
        except xmlrpc.client.ProtocolError as exc:  # an HTTP error: an uncaught exception
            raise AssertionError(f"{method}{tuple(args)!r}: HTTP {exc.errcode}") from None
        assert instance.is_alive(), f"supervisord died on {method}{tuple(args)!r}"
        assert instance.supervisor.getState()["statename"] == "RUNNING"

    call()
    log = Path(instance.log_path).read_text(errors="replace")
    assert "Traceback" not in log, f"a traceback after fuzzing {method}"
