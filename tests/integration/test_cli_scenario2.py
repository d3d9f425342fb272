"""supvisors_breed, supvisorsctl and the stock supervisorctl ctlplugin on a real Scenario 2 cluster.

The cluster's program files are produced by running `supvisors_breed` on a template folder
(docs/cli.md#supvisors_breed); each instance also loads `[ctlplugin:supvisors]` and two collections.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from supvisors_ext.supvisorsctl import main
from tests.harness import (
    CTLPLUGIN_SECTION,
    Cluster,
    Deadline,
    add_scenario2,
    group_section,
    program_section,
    write_ini,
)
from tests.integration.cluster_helpers import FAST, wait_operation
from tests.integration.scenario2_layout import default_command
from tests.scenario2_facts import CONSOLE_PROGRAMS, RULES_FILE, SERVER_PROGRAMS

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent
SRV = ("scen2_srv_01", "scen2_srv_02", "scen2_srv_03")
COLLECTIONS = """
[collection:screens]
programs = scen2_chart_view
priority = 5

[collection:buses]
programs = scen2_internal_data_bus
priority = 1
"""


def write_template(root: Path) -> Path:
    """The Scenario 2 template: one `[group:scen2_srv]` and one `[group:scen2_hci]`."""
    write_ini(root / "common" / "common.ini", program_section("common_data_bus", autostart=True))
    for kind, programs, group in (
        ("server", SERVER_PROGRAMS, "scen2_srv"),
        ("console", CONSOLE_PROGRAMS, "scen2_hci"),
    ):
        sections = [
            program_section(p, default_command(p), autostart=False, autorestart=False)
            for p in programs
        ]
        write_ini(root / kind / f"programs_{kind}.ini", *sections)
        write_ini(root / kind / f"group_{kind}.ini", group_section(group, programs))
    return root


def run_tool(name: str, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run an installed console script (the real entry point) with a deadline."""
    command = [str(BIN / name), *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=cwd)


def run_on_terminal(*argv: str, timeout: float = 60) -> tuple[int, str]:
    """Run supvisorsctl with its stdout on a pseudo-terminal; return its status and output."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []
    try:
        try:
            process = subprocess.Popen(
                [str(BIN / "supvisorsctl"), *argv], stdin=subprocess.DEVNULL, stdout=slave
            )
        finally:
            os.close(slave)  # the child keeps its copy: EOF (EIO) when it exits
        deadline = Deadline(timeout)
        while not deadline.expired():
            ready, _, _ = select.select([master], [], [], deadline.remaining())
            try:
                data = os.read(master, 4096) if ready else b""
            except OSError:  # EIO: the child closed the terminal
                data = b""
            if not data:
                break
            chunks.append(data)
        status = process.wait(timeout=deadline.remaining() + 1)
    finally:
        os.close(master)
    return status, b"".join(chunks).decode().replace("\r\n", "\n")


def breed_scenario2(tmp_path: Path) -> Path:
    template = write_template(tmp_path / "template_etc")
    result = run_tool(
        "supvisors_breed",
        *("-t", "template_etc", "-d", "etc", "-b", "scen2_srv=3", "scen2_hci=3", "-x", "-v"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "New File: server/group_scen2_srv_03.ini" in result.stdout
    assert "Writing file: etc/console/group_scen2_hci_02.ini" in result.stdout
    assert (template / "server" / "group_server.ini").exists()
    assert not (tmp_path / "etc" / "server" / "group_server.ini").exists()
    return tmp_path / "etc"


class Ctl:
    """supvisorsctl in-process: `ctl(nick, *argv) -> (status, stdout, stderr)`."""

    def __init__(self, cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
        self.cluster = cluster
        self.capsys = capsys

    def __call__(self, nick: str, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main(["-s", self.cluster[nick].url, *argv])
        out, err = self.capsys.readouterr()
        return status, out, err


def idle(cluster: Cluster) -> bool:
    states = [instance.supvisors.get_supvisors_state() for instance in cluster]
    return all(not s["starting_jobs"] and not s["stopping_jobs"] for s in states)


def servers_running(instance: Any) -> bool:
    infos = instance.supvisors.get_all_applications_info()
    return all(i["statename"] == "RUNNING" for i in infos if i["application_name"] in SRV)


@pytest.fixture
def scenario(make_cluster: Any, tmp_path: Path) -> Cluster:
    """Six instances on the bred configuration, servers' applications running, no job left."""
    etc = breed_scenario2(tmp_path)
    cluster = make_cluster()
    # tolerant heartbeats: these tests check outputs, not failure detection, on a busy host
    options = {"rules_files": str(RULES_FILE), **FAST, "tick_period": 0.5, "inactivity_ticks": 10}
    add_scenario2(
        cluster, etc_dir=etc, supvisors_options=options, extra=CTLPLUGIN_SECTION + COLLECTIONS
    )
    cluster.start()
    wait_operation(cluster, [instance.nick for instance in cluster], timeout=60)
    cluster.wait_until(lambda: servers_running(cluster["console_1"]), timeout=60)
    cluster.wait_until(lambda: idle(cluster), timeout=60, message="jobs still in progress")
    return cluster


def host_of(instance: Any, application: str) -> set[str]:
    return {
        identifier
        for info in instance.supvisors.get_process_info(f"{application}:*")
        for identifier in info["identifiers"]
    }


def test_bred_groups_status_tables_errors_and_collections(
    scenario: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    """One cluster for the read-mostly checks: starting a Scenario 2 cluster costs seconds."""
    ctl = Ctl(scenario, capsys)
    check_status_commands(scenario, ctl)
    check_error_paths(ctl)
    check_collections(ctl)


def check_status_commands(cluster: Cluster, ctl: Ctl) -> None:
    infos = cluster["server_1"].supvisors.get_all_applications_info()
    managed = {i["application_name"]: i["managed"] for i in infos}
    assert managed == {
        "common_data_bus": False,
        **{f"scen2_{kind}_0{n}": True for kind in ("srv", "hci") for n in (1, 2, 3)},
    }
    nicks = {instance.identifier: instance.nick for instance in cluster}

    assert ctl("console_1", "sversion") == (
        0,
        cluster["console_1"].supvisors.get_api_version() + "\n",
        "",
    )
    status, out, err = ctl("console_1", "application_info")
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "Application      State     Major  Minor"
    assert "scen2_hci_01     STOPPED   False  False" in out.splitlines()
    assert "scen2_srv_02     RUNNING   False  False" in out.splitlines()
    assert len(out.splitlines()) == 8

    status, out, _ = ctl("server_2", "sstatus", "scen2_srv_01:*")
    lines = out.splitlines()
    assert lines[0].split() == ["Application", "Process", "State", "Expected", "Instances"]
    [host] = host_of(cluster["server_2"], "scen2_srv_01")
    bus = [line for line in lines if "scen2_internal_data_bus" in line]
    assert bus[0].split() == [
        "scen2_srv_01",
        "scen2_internal_data_bus",
        "RUNNING",
        "n/a",
        nicks[host],
    ]
    check = [line for line in lines if "scen2_check_internal_data_bus" in line]
    assert check[0].split()[2:] == ["EXITED", "True", "-"]
    assert len(lines) == 1 + len(SERVER_PROGRAMS)

    status, out, _ = ctl("console_2", "sstate", "all")
    rows = [line.split() for line in out.splitlines()[1:]]
    assert status == 0 and len(rows) == 6
    assert {row[2] for row in rows} == {"OPERATION"}
    master = cluster["console_2"].supvisors.get_master_identifier()
    assert [row[0] for row in rows if row[5] == "True"] == [master["nick_identifier"]]
    assert ctl("console_2", "master")[1] == (
        f"Nick identifier: {master['nick_identifier']}\nIdentifier: {master['identifier']}\n"
    )
    assert ctl("server_3", "sstate")[1].splitlines()[1].split()[:3] == [
        "server_3", cluster["server_3"].identifier, "OPERATION",
    ]  # fmt: skip
    assert [line.split(":")[0] for line in ctl("server_1", "strategies")[1].splitlines()] == [
        "Auto-fencing", "Failure", "Conciliation", "Starting",
    ]  # fmt: skip

    status, out, _ = ctl("server_1", "instance_status", "server_1", "server_2", "server_3")
    loads = {row.split()[0]: row.split()[3] for row in out.splitlines()[1:]}
    assert loads == {"server_1": "42%", "server_2": "42%", "server_3": "42%"}
    assert all(row.endswith("ok") for row in out.splitlines()[1:])

    host_nick = nicks[host]
    status, out, _ = ctl(host_nick, "local_status", "scen2_srv_01:*")
    assert out.splitlines()[0].split() == ["Application", "Process", "State", "Pid", "Args"]
    assert len(out.splitlines()) == 1 + len(SERVER_PROGRAMS)

    status, out, _ = ctl("console_3", "application_rules", "scen2_srv_01", "common_data_bus")
    stop = cluster["console_3"].supvisors.get_application_rules("scen2_srv_01")["stop_sequence"]
    assert out.splitlines()[1].split() == [
        "scen2_srv_01", "True", "SINGLE_INSTANCE", "server_1,server_2,server_3", "1", str(stop),
        "LESS_LOADED", "STOP", "CONTINUE",
    ]  # fmt: skip
    assert out.splitlines()[2].split() == ["common_data_bus", "False"] + ["n/a"] * 7
    bus = "scen2_hci_01:scen2_internal_data_bus"
    status, out, _ = ctl("console_3", "process_rules", bus)
    [rules] = cluster["console_3"].supvisors.get_process_rules(bus)
    assert out.splitlines()[1].split() == [
        "scen2_hci_01", "scen2_internal_data_bus", "1", str(rules["stop_sequence"]), "True",
        "False", "2%",
        "STOP_APPLICATION", ",".join(nicks.get(i, i) for i in rules["identifiers"]),
    ]  # fmt: skip
    assert ctl("server_1", "conflicts") == (0, "No conflict\n", "")
    assert ctl("server_1", "loglevel", "debug") == (0, "loglevel set to debug\n", "")


def check_error_paths(ctl: Ctl) -> None:
    assert ctl("server_1", "application_info", "nope") == (
        1, "", "nope: ERROR (no such application)\n",
    )  # fmt: skip
    status, out, err = ctl("server_1", "start_application", "BEST", "scen2_hci_01")
    assert (status, out) == (2, "")
    assert err.startswith("ERROR: unknown strategy BEST (expected one of CONFIG,")
    # faults of the server, with their names
    status, _, err = ctl("server_1", "end_sync")
    assert status == 1 and err.startswith("ERROR (BAD_SUPVISORS_STATE: ")
    status, _, err = ctl("server_1", "conciliate", "USER")
    assert status == 1 and err.startswith("ERROR (BAD_SUPVISORS_STATE: ")
    status, _, err = ctl("server_1", "restart_sequence")
    assert status == 1 and err.startswith("ERROR (ABNORMAL_TERMINATION")
    status, _, err = ctl("server_1", "stop_process", "scen2_hci_01:scen2_chart_view")
    assert status == 1 and err.startswith("scen2_hci_01:scen2_chart_view: ERROR (NOT_RUNNING")
    status, _, err = ctl("server_1", "sstatus", "scen2_srv_01:nope")
    assert (status, err) == (1, "scen2_srv_01:nope: ERROR (no such process)\n")


def check_collections(ctl: Ctl) -> None:
    assert ctl("console_2", "collection", "status") == (
        0,
        "buses\t\tprograms=scen2_internal_data_bus\nscreens\t\tprograms=scen2_chart_view\n",
        "",
    )
    status, out, _ = ctl("console_2", "collection", "status", "screens")
    lines = out.splitlines()
    assert lines[0] == "Collection: screens"
    assert [line.split()[:3] for line in lines[2:]] == [
        [f"scen2_hci_0{n}", "scen2_chart_view", "STOPPED"] for n in (1, 2, 3)
    ]
    status, out, err = ctl("console_2", "collection", "start", "screens", "ghost")
    assert status == 1
    assert err == "ghost: ERROR (no such collection)\n"
    assert out.splitlines() == [f"scen2_hci_0{n}:scen2_chart_view: started" for n in (1, 2, 3)]
    assert ctl("console_2", "collection", "start", "screens")[1] == "screens: nothing to start\n"
    status, out, _ = ctl("console_1", "collection", "stop", "screens")
    assert status == 0
    assert out.splitlines() == [f"scen2_hci_0{n}:scen2_chart_view: stopped" for n in (1, 2, 3)]


def test_application_and_process_control_then_cluster_shutdown(
    scenario: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster, ctl = scenario, Ctl(scenario, capsys)
    console = {nick: cluster[nick].identifier for nick in ("console_1", "console_3")}
    # Req 21, the real script on a console: LOCAL starts it there
    result = run_tool("supvisorsctl", "-s", cluster["console_1"].url, "start_application",
                      "LOCAL", "scen2_hci_01")  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, "scen2_hci_01 started\n", "")
    assert host_of(cluster["server_1"], "scen2_hci_01") == {console["console_1"]}
    # Req 23: a second LOCAL start of a running application is refused
    assert ctl("console_3", "start_application", "LOCAL", "scen2_hci_02")[1] == (
        "scen2_hci_02 started\n"
    )
    assert ctl("console_1", "start_application", "LOCAL", "scen2_hci_02") == (
        1, "", "scen2_hci_02: ERROR (ALREADY_STARTED: scen2_hci_02)\n",
    )  # fmt: skip
    assert ctl("console_1", "stop_application", "common_data_bus")[2] == (
        "common_data_bus: IGNORED (unmanaged, use start|stop common_data_bus:*)\n"
    )
    # Req 27, stock supervisorctl with the ctlplugin of the server's configuration
    conf = str(cluster["server_1"].conf_path)
    result = run_tool("supervisorctl", "-c", conf, "stop_application", "scen2_hci_01")
    assert (result.returncode, result.stdout) == (0, "scen2_hci_01 stopped\n")
    result = run_tool("supervisorctl", "-c", conf, "help")
    assert "supvisors commands (type help <topic>):" in result.stdout
    result = run_tool("supervisorctl", "-c", conf, "application_info", "nope")
    assert (result.returncode, result.stderr) == (1, "nope: ERROR (no such application)\n")
    result = run_tool("supervisorctl", "-c", conf, "start_process", "WHERE")
    assert result.returncode == 2
    # supvisorsctl -c with a configuration that already loads the plugin
    result = run_tool("supvisorsctl", "-c", conf, "sversion")
    assert (result.returncode, result.stderr) == (0, "")

    # process control on the console where scen2_hci_02 runs
    view = "scen2_hci_02:scen2_chart_view"
    assert ctl("console_3", "stop_process", view) == (0, f"{view} stopped\n", "")
    assert ctl("console_3", "start_args", view, "--flag", "7") == (0, f"{view} started\n", "")
    row = ctl("console_3", "local_status", view)[1].splitlines()[1].split()
    assert (row[2], row[4:]) == ("RUNNING", ["--flag", "7"])
    assert ctl("console_3", "stop_process", view) == (0, f"{view} stopped\n", "")
    assert ctl("console_3", "start_process_args", "LOCAL", view, "-q") == (
        0, f"{view} started\n", "",
    )  # fmt: skip
    assert host_of(cluster["server_1"], "scen2_hci_02") == {console["console_3"]}
    # restarts, sent to the Master for an application it hosts: sent elsewhere, the Master may
    # admit the start half against a view that has not seen the stop yet (ALREADY_STARTED)
    master = cluster["server_1"].supvisors.get_master_identifier()
    nick = master["nick_identifier"]
    hosted = [name for name in SRV if host_of(cluster[nick], name) == {master["identifier"]}]
    process = f"{hosted[0]}:scen2_config_manager"
    result = ctl(nick, "restart_process", "CONFIG", process)
    assert result == (0, f"{process} restarted\n", ""), result
    cluster.wait_until(lambda: idle(cluster), message="jobs still in progress")
    result = ctl(nick, "restart_application", "LESS_LOADED", hosted[0])
    assert result == (0, f"{hosted[0]} restarted\n", ""), result
    assert ctl("server_2", "stop_application", "scen2_hci_02") == (0, "scen2_hci_02 stopped\n", "")
    # on a terminal, a start shows its stages
    status, out = run_on_terminal("-s", cluster["console_2"].url, "start_application", "LOCAL",
                                  "scen2_hci_03")  # fmt: skip
    assert status == 0
    assert out.splitlines()[-1] == "scen2_hci_03 started"
    assert any(line.startswith("  scen2_hci_03: stage 1 ") for line in out.splitlines()), out

    assert ctl("console_2", "sshutdown") == (0, "Supvisors shutdown requested\n", "")
    for instance in cluster:
        assert cluster.wait_exit(instance.nick, timeout=30) == 0


def test_unreachable_server_uses_supervisorctl_status() -> None:
    result = run_tool("supvisorsctl", "-s", "http://127.0.0.1:9", "application_info")
    assert result.returncode == 4
    assert "refused connection" in result.stdout
    result = run_tool("supvisorsctl", "--nope")
    assert result.returncode == 2
