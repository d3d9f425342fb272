"""Supvisors 0.19.1's own `supvisorsctl -s URL` against a real cluster of ours (issue 15).

Supvisors is installed by the test extra for its client side only. Its `supvisorsctl` checks
`get_api_version() == '0.19.1'` before every command, then reads our payloads with its own
code: each of its commands is run here once, with its exit status and a line of its output.

Two instances `a` and `b`: the managed application `grp` (program `prog`, started automatically),
the unmanaged group `free` and the program `multi` (numprocs). Each case first puts the cluster
in the state it needs through our own XML-RPC, so the cases do not depend on each other.
"""

from __future__ import annotations

import subprocess
import sys
import xmlrpc.client
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Cluster, Instance, program_section
from tests.integration.cluster_helpers import (
    FAST,
    ORACLE_PROGRAMS,
    ORACLE_RULES,
    pair_cluster,
    safe_state,
    wait_operation,
)

pytestmark = pytest.mark.integration
supvisorsctl_module = pytest.importorskip("supvisors.supvisorsctl")

ORACLE = "import sys; from supvisors.supvisorsctl import main; main()"
RULES = ORACLE_RULES
PROGRAMS = [
    *ORACLE_PROGRAMS,
    program_section(
        "multi", autostart=False, numprocs=1, process_name="%(program_name)s_%(process_num)d"
    ),
]


def oracle(instance: Instance, *argv: str) -> tuple[int, str]:
    """Run Supvisors' supvisorsctl once; its status and its stdout (where it writes errors)."""
    command = [sys.executable, "-c", ORACLE, "-s", instance.url, *argv]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from pair_cluster(tmp_path_factory.mktemp("oracle"), "oracle", RULES, PROGRAMS)


def states(cluster: Cluster, namespec: str) -> set[str]:
    try:
        return {info["statename"] for info in cluster["a"].supvisors.get_process_info(namespec)}
    except (OSError, xmlrpc.client.Error):
        return set()


def stopped(*namespecs: str) -> Callable[[Cluster], None]:
    """Setup: the processes stopped everywhere (supervisor's own stop on each instance)."""

    def setup(cluster: Cluster) -> None:
        for instance in cluster:
            for info in instance.supervisor.getAllProcessInfo():
                namespec = f"{info['group']}:{info['name']}"
                if namespec in namespecs and info["statename"] in ("STARTING", "RUNNING"):
                    instance.supervisor.stopProcess(namespec)
        for namespec in namespecs:
            cluster.wait_until(
                lambda namespec=namespec: (
                    not states(cluster, namespec) & {"STARTING", "RUNNING", "STOPPING"}
                ),
                message=f"{namespec} still running",
            )

    return setup


def running(namespec: str) -> Callable[[Cluster], None]:
    """Setup: the process running somewhere (started on `a` if it runs nowhere)."""

    def setup(cluster: Cluster) -> None:
        if "RUNNING" not in states(cluster, namespec):
            cluster["a"].supervisor.startProcess(namespec)
        cluster.wait_until(lambda: states(cluster, namespec) == {"RUNNING"})

    return setup


def nothing(cluster: Cluster) -> None:
    return None


CASES: list[Any] = [
    ("sversion", [], nothing, 0, "0.19.1"),
    ("sstate", [], nothing, 0, "OPERATION"),
    ("sstate", ["all"], nothing, 0, "Supvisors identifier"),
    ("master", [], nothing, 0, "Nick identifier:"),
    pytest.param("core", [], nothing, 0, "Supvisors identifier"),
    ("strategies", [], nothing, 0, "Conciliation: USER"),
    pytest.param("stats_status", [], nothing, 0, "statistics"),
    ("instance_status", [], nothing, 0, "RUNNING"),
    ("application_info", [], nothing, 0, "grp"),
    ("application_rules", ["grp"], nothing, 0, "grp"),
    ("sstatus", [], nothing, 0, "grp"),
    ("local_status", [], nothing, 0, "free"),
    ("process_rules", ["grp:prog"], nothing, 0, "prog"),
    ("conflicts", [], nothing, 0, ""),  # no conflict: Supvisors prints nothing
    ("start_application", ["LOCAL", "grp"], stopped("grp:prog"), 0, "grp started: True"),
    pytest.param(
        "test_start_application",
        ["CONFIG", "grp"],
        stopped("grp:prog"),
        0,
        "prog",
    ),
    ("restart_application", ["CONFIG", "grp"], running("grp:prog"), 0, "grp restarted: True"),
    ("stop_application", ["grp"], running("grp:prog"), 0, "grp stopped: True"),
    ("all_start", ["free:free"], stopped("free:free"), 0, "free:free started on"),
    ("start_args", ["free:free", "-x", "1"], stopped("free:free"), 0, "free:free started: True"),
    ("all_start_args", ["free:free", "-y"], stopped("free:free"), 0, "free:free started on"),
    ("start_process", ["CONFIG", "grp:prog"], stopped("grp:prog"), 0, "grp:prog started: True"),
    pytest.param(
        "test_start_process",
        ["CONFIG", "grp:prog"],
        stopped("grp:prog"),
        0,
        "prog",
    ),
    pytest.param(
        "start_any_process",
        ["CONFIG", "grp:pr.g"],
        stopped("grp:prog"),
        0,
        "grp:prog started",
    ),
    (
        "start_process_args",
        ["CONFIG", "free:free", "-z"],
        stopped("free:free"),
        0,
        "free:free started: True",
    ),
    pytest.param(
        "start_any_process_args",
        ["CONFIG", "fr.e", "-z"],
        stopped("free:free"),
        0,
        "free started",  # supervisor's make_namespec: `free` for free:free
        marks=(),
    ),
    ("stop_process", ["grp:prog"], running("grp:prog"), 0, "grp:prog stopped"),
    ("restart_process", ["CONFIG", "grp:prog"], running("grp:prog"), 0, "restarted: True"),
    pytest.param("update_numprocs", ["multi", "2"], nothing, 0, "updated: True"),
    pytest.param("lazy_update_numprocs", ["multi", "1"], nothing, 0, "updated: True"),
    pytest.param("disable", ["multi"], nothing, 0, "multi disabled: True"),
    pytest.param("enable", ["multi"], nothing, 0, "multi enabled: True"),
    ("conciliate", ["SENICIDE"], nothing, 1, "ERROR (BAD_SUPVISORS_STATE"),
    # as in Supvisors, an application stopped on purpose is not started again: nothing to start
    ("restart_sequence", [], stopped("grp:prog"), 1, "ERROR (ABNORMAL_TERMINATION"),
    ("end_sync", [], nothing, 1, "ERROR ("),
    ("loglevel", ["debug"], nothing, 0, "Logger level changed: True"),
    pytest.param("enable_stats", [], nothing, 0, "enabled"),
    pytest.param("disable_stats", [], nothing, 0, "disabled"),
    pytest.param("stats_period", ["5"], nothing, 0, "updated"),
]


def _case_id(case: Any) -> str:
    values = case.values if hasattr(case, "values") else case
    return "-".join([values[0], *values[1][:1]])


@pytest.mark.parametrize(
    ("command", "argv", "setup", "status", "expected"), CASES, ids=[_case_id(c) for c in CASES]
)
def test_supvisors_command_against_our_cluster(
    cluster: Cluster,
    command: str,
    argv: list[str],
    setup: Callable[[Cluster], None],
    status: int,
    expected: str,
) -> None:
    setup(cluster)
    code, output = oracle(cluster["a"], command, *argv)
    assert "Traceback" not in output and "error: <class" not in output, output
    assert (code, expected in output) == (status, True), output


OURS: list[Any] = [
    ("sversion", [], nothing, 0, "0.19.1\nsupvisors_ext "),
    pytest.param("core", [], nothing, 0, "a         127.0.0.1:"),
    pytest.param(
        "test_start_application",
        ["CONFIG", "grp"],
        stopped("grp:prog"),
        0,
        "grp          prog",
    ),
    pytest.param(
        "start_any_process",
        ["CONFIG", "grp:pr.g"],
        stopped("grp:prog"),
        0,
        "grp:prog started",
    ),
    ("all_start", ["free:free"], stopped("free:free"), 0, "free:free started on a\n"),
    ("all_start_args", ["free:free", "-v"], stopped("free:free"), 0, "free:free started on b\n"),
    pytest.param("update_numprocs", ["multi", "2"], nothing, 0, "updated to 2"),
    pytest.param("lazy_update_numprocs", ["multi", "1"], nothing, 0, "to 1 (lazy)"),
    pytest.param("disable", ["multi"], nothing, 0, "multi disabled"),
    pytest.param("enable", ["multi"], nothing, 0, "multi enabled"),
]


@pytest.mark.parametrize(
    ("command", "argv", "setup", "status", "expected"), OURS, ids=[_case_id(c) for c in OURS]
)
def test_our_command_against_our_cluster(
    cluster: Cluster,
    command: str,
    argv: list[str],
    setup: Callable[[Cluster], None],
    status: int,
    expected: str,
) -> None:
    """Our own supvisorsctl, for the commands added for Supvisors parity."""
    setup(cluster)
    command_line = [sys.executable, "-m", "supvisors_ext.supvisorsctl", "-s", cluster["a"].url]
    result = subprocess.run(
        [*command_line, command, *argv], capture_output=True, text=True, timeout=60
    )
    output = result.stdout + result.stderr
    assert (result.returncode, expected in output) == (status, True), output


def test_every_supvisors_command_is_exercised() -> None:
    """The cases above, plus sreload and sshutdown below, are every command Supvisors has."""
    source = Path(supvisorsctl_module.__file__).read_text()
    commands = {
        line.split("def do_")[1].split("(")[0]
        for line in source.splitlines()
        if line.strip().startswith("def do_")
    }
    covered = {_case_id(case).split("-")[0] for case in CASES} | {"sreload", "sshutdown"}
    assert commands == covered


def test_sreload_then_sshutdown(make_cluster: Any, tmp_path: Path) -> None:
    """The two commands that end the cluster, on a cluster of their own."""
    cluster = make_cluster(supvisors_options=FAST)
    solo = cluster.add("solo")
    cluster.start()
    wait_operation(cluster, ["solo"])
    pid = solo.pid
    assert oracle(solo, "sreload") == (0, "Restarted: True\n")
    cluster.wait_until(
        lambda: (
            (safe_state(solo) or {}).get("fsm_statename") == "OPERATION"
            and solo.supervisor.getPID() == pid
        ),
        timeout=30,
        message="solo did not come back after sreload",
    )
    assert oracle(solo, "sshutdown") == (0, "Shut down: True\n")
    assert cluster.wait_exit("solo", timeout=30) == 0
