"""Scenario 2 acceptance tests on the example's own files (docs/scenario2.md).

One test per requirement, named after it. The instances run examples/scenario2 as shipped
(etc/, bin/, the rules file) with dynamic ports. `TestScenario2` shares one class-scoped
cluster: each test starts with `baseline()`, which brings it back to the state after boot
(every scen2_srv running once, every scen2_hci stopped, no injected fault); the boot state
itself is recorded once, before any test acts, for the requirements about the automatic
start. `TestScenario2Failures` (requirements 14-16 and 24-26, issue 5) shares a second
cluster. Class scope (not module scope) so that the two clusters never run at the same time,
even when pytest-xdist gives both classes to one worker. Requirement 5 and X = 5 need
clusters of their own.
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.scenario2_example import (
    CONSOLES,
    EXAMPLE_DIR,
    SERVERS,
    Example,
    assert_stage_order,
    fault_code,
    launcher,
    local_infos,
)

pytestmark = pytest.mark.integration

ITEMS = 3
SRV = tuple(f"scen2_srv_{n:02}" for n in range(1, ITEMS + 1))
HCI = tuple(f"scen2_hci_{n:02}" for n in range(1, ITEMS + 1))
ABNORMAL_TERMINATION, ALREADY_STARTED = 40, 60
STOPPED_STATES = ("STOPPED", "EXITED", "FATAL")
TICK = 0.5  # tick_period of etc/supervisord_*.conf
BIN = Path(sys.executable).parent


# ----- cluster states
def running_names(ex: Example, nick: str, group: str) -> set[str]:
    """Processes of a group in STARTING, RUNNING or BACKOFF on one instance (supervisor view)."""
    return {
        p["name"]
        for p in ex[nick].supervisor.getAllProcessInfo()
        if p["group"] == group and p["statename"] in ("STARTING", "RUNNING", "BACKOFF")
    }


def srv_healthy(ex: Example, application: str) -> bool:
    """RUNNING without failure on one instance, every program but the checks running."""
    if ex.status(application) != ("RUNNING", False, False) or len(ex.where(application)) != 1:
        return False
    infos = ex["console_1"].supvisors.get_process_info(f"{application}:*")
    return all(
        info["statename"] == "RUNNING" for info in infos if "_check_" not in info["process_name"]
    )


def baseline(ex: Example) -> Example:
    """Back to the state after boot: srv running once each, hci stopped, no fault, buses up."""
    ex.set_faults()
    for inst in ex:
        if inst.spec.listed and not inst.is_alive() and inst.sids:
            ex.start([inst.nick])  # killed by a previous test
    ex.wait_ready()
    for inst in ex:
        if inst.supervisor.getProcessInfo("common_data_bus")["statename"] in STOPPED_STATES:
            inst.supervisor.startProcess("common_data_bus")
    ex.cluster.wait_until(
        lambda: all(
            inst.supervisor.getProcessInfo("common_data_bus")["statename"] == "RUNNING"
            for inst in ex
        ),
        timeout=20,
        message="common_data_bus not RUNNING everywhere",
    )
    for application in HCI:
        if ex.app(application)["statename"] != "STOPPED":
            stop_everywhere(ex, application)
    for application in SRV:
        if not srv_healthy(ex, application):
            if ex.app(application)["statename"] != "STOPPED" or ex.where(application):
                stop_everywhere(ex, application)
            ex.slow("console_1").start_application("LESS_LOADED", application)
    ex.wait_ready()
    return ex


def stop_everywhere(ex: Example, application: str) -> None:
    """stop_application, then wait until every live instance shows it STOPPED, jobs done."""
    ex.slow("console_1").stop_application(application)
    live = [inst.nick for inst in ex if inst.is_alive()]
    ex.cluster.wait_until(
        lambda: all(ex.app(application, nick)["statename"] == "STOPPED" for nick in live),
        timeout=10,
        message=f"{application} not STOPPED everywhere",
    )
    ex.wait_ready(live)


def snapshot(ex: Example) -> dict[str, Any]:
    """What a test can observe right after boot, before anything else acts."""
    return {
        "applications": {
            info["application_name"]: info
            for info in ex["console_1"].supvisors.get_all_applications_info()
        },
        "where": {application: ex.where(application) for application in SRV},
        "loading": {nick: ex.loading(nick) for nick in SERVERS},
        "running": {(nick, srv): running_names(ex, nick, srv) for nick in SERVERS for srv in SRV},
    }


def stays(predicate: Callable[[], bool], duration: float, message: str) -> None:
    """Assert that `predicate` holds at every poll during `duration` seconds."""
    end = time.monotonic() + duration
    while time.monotonic() < end:
        assert predicate(), message
        time.sleep(0.1)


def booted(folder: Path, faults: str = "") -> Iterator[Example]:
    """The six instances of the example, X = 3, default options; boot state recorded."""
    ex = Example(folder)
    try:
        if faults:
            ex.set_faults(faults)
        ex.start()
        ex.wait_ready()
        ex.boot = snapshot(ex)
        yield ex
    finally:
        ex.close()


@pytest.fixture(scope="class")
def scen2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    yield from booted(tmp_path_factory.mktemp("scenario2"))


@pytest.fixture
def ready(scen2: Example) -> Example:
    return baseline(scen2)


@pytest.fixture(scope="class")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    """A second cluster for the failure tests, booted with a faulty scen2_srv_02."""
    yield from booted(
        tmp_path_factory.mktemp("scenario2_failures"), "scen2_srv_02:scen2_data_processing"
    )


@pytest.fixture
def failing_ready(failing: Example) -> Example:
    return baseline(failing)


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a console script of this virtual environment."""
    return subprocess.run(
        [str(BIN / argv[0]), *argv[1:]],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_req_01_etc_is_bred_from_the_template(tmp_path: Path) -> None:
    """Req 1 mechanism: etc/ is exactly what supvisors_breed makes of template_etc/."""
    etc = tmp_path / "etc"
    argv = ["-t", str(EXAMPLE_DIR / "template_etc"), "-d", str(etc), "-x"]
    result = cli("supvisors_breed", *argv, "-b", "scen2_srv=3", "scen2_hci=3")
    assert result.returncode == 0, result.stderr
    bred = sorted(path.relative_to(etc) for path in etc.rglob("*.ini"))
    shipped = sorted(
        path.relative_to(EXAMPLE_DIR / "etc") for path in EXAMPLE_DIR.glob("etc/**/*.ini")
    )
    assert bred == shipped
    _, mismatch, errors = filecmp.cmpfiles(etc, EXAMPLE_DIR / "etc", bred, shallow=False)
    assert not mismatch and not errors


def test_req_01_x_instances_started_five_items(tmp_path: Path) -> None:
    """Req 1 with X = 5: the launcher breeds five copies of each application."""
    ex = Example(tmp_path, items=5)
    try:
        ex.start()
        ex.wait_ready()
        infos = ex["server_1"].supvisors.get_all_applications_info()
        managed = sorted(info["application_name"] for info in infos if info["managed"])
        assert managed == [f"scen2_{kind}_{n:02}" for kind in ("hci", "srv") for n in range(1, 6)]
        # 5 x 42 % fits on three servers (at most two per server): all of them run
        for n in range(1, 6):
            assert ex.status(f"scen2_srv_{n:02}") == ("RUNNING", False, False)
    finally:
        ex.close()


def test_req_05_limited_by_resources(tmp_path: Path) -> None:
    ex = Example(
        tmp_path, core_identifiers="server_1", synchro_options="CORE,TIMEOUT", synchro_timeout=3
    )
    try:
        nicks = ["server_1", *CONSOLES]
        ex.start(nicks)
        ex.wait_ready(nicks)
        running = [name for name in SRV if ex.app(name)["statename"] == "RUNNING"]
        assert len(running) == 2
        server_1 = ex["server_1"].identifier
        assert all(ex.where(name) == {server_1} for name in running)
        assert ex.loading("server_1") == 84
        [third] = [name for name in SRV if name not in running]
        assert ex.status(third)[:2] == ("STOPPED", True)
        code = fault_code(ex.slow("console_1").start_application, "CONFIG", third)
        assert code == ABNORMAL_TERMINATION
        assert ex.loading("server_1") == 84
    finally:
        ex.close()


def test_launcher_application_table_is_the_cli_format() -> None:
    """The launcher prints the `application_info` table of docs/cli.md#status, byte for byte."""
    rows = [
        ("common_data_bus", "STOPPED", False, False),
        ("scen2_hci_02", "RUNNING", False, False),
        ("scen2_hci_03", "STOPPED", True, True),
        ("scen2_hci_01", "STOPPED", False, False),
    ]
    infos = [
        {"application_name": a, "statename": s, "major_failure": ma, "minor_failure": mi}
        for a, s, ma, mi in rows
    ]
    assert launcher.application_table(infos).splitlines() == [
        "Application      State     Major  Minor",
        "common_data_bus  STOPPED   False  False",
        "scen2_hci_01     STOPPED   False  False",
        "scen2_hci_02     RUNNING   False  False",
        "scen2_hci_03     STOPPED   True   True",
    ]


class TestScenario2:
    """Requirements checked on one cluster booted with the example as shipped."""

    def test_req_01_x_instances_started(self, ready: Example) -> None:
        infos = {
            info["application_name"]: info
            for info in ready["console_1"].supvisors.get_all_applications_info()
        }
        assert set(infos) == {*SRV, *HCI, "common_data_bus"}
        assert all(infos[name]["managed"] is True for name in (*SRV, *HCI))
        assert infos["common_data_bus"]["managed"] is False

    def test_req_02_not_distributed(self, ready: Example) -> None:
        for application in ("scen2_srv_01", "scen2_hci_01"):
            rules = ready["console_1"].supvisors.get_application_rules(application)
            assert rules["distribution"] == "SINGLE_INSTANCE"
        for application in SRV:
            assert len(ready.where(application)) == 1, application
        assert ready.slow("console_3").start_application("LOCAL", "scen2_hci_02") is True
        assert len(ready.where("scen2_hci_02", "console_3")) == 1

    def test_req_03_operational_status(self, ready: Example) -> None:
        for application in SRV:
            assert ready.status(application) == ("RUNNING", False, False)
        [host] = ready.where("scen2_srv_01")
        ready[ready.nick_of(host)].supervisor.stopProcess("scen2_srv_01:scen2_data_processing")
        ready.wait_status("scen2_srv_01", ("RUNNING", True, False))
        ready.set_faults("scen2_hci_01:scen2_sensor_view")
        assert ready.slow("console_1").start_application("LOCAL", "scen2_hci_01") is True
        ready.wait_status("scen2_hci_01", ("RUNNING", False, True))
        result = cli("supvisorsctl", "-s", ready["server_1"].url, "application_info")
        assert result.returncode == 0, result.stderr
        infos = ready["server_1"].supvisors.get_all_applications_info()
        lines = [line.rstrip() for line in result.stdout.splitlines()]
        assert lines == launcher.application_table(infos).splitlines()

    def test_req_04_start_order(self, ready: Example) -> None:
        for application in SRV:
            [host] = ready.where(application)
            assert_stage_order(ready[ready.nick_of(host)], application)
        assert ready.slow("console_3").start_application("LOCAL", "scen2_hci_02") is True
        assert_stage_order(ready["console_3"], "scen2_hci_02")
        # a bus that exits at once: no later stage ever starts (starting failure STOP)
        before = {nick: ready[nick].supervisor.getAllProcessInfo() for nick in SERVERS}
        ready.slow("console_1").stop_application("scen2_srv_01")
        ready.set_faults("scen2_srv_01:scen2_internal_data_bus")
        assert fault_code(ready.slow("console_1").start_application, "LESS_LOADED", "scen2_srv_01")
        ready.wait_ready()
        for nick in SERVERS:
            after = {(p["group"], p["name"]): p for p in ready[nick].supervisor.getAllProcessInfo()}
            for old in before[nick]:
                if old["group"] == "scen2_srv_01" and old["name"] != "scen2_internal_data_bus":
                    new = after[(old["group"], old["name"])]
                    assert new["start"] == old["start"], old["name"]  # never started again
                    assert old["name"] not in running_names(ready, nick, "scen2_srv_01")

    def test_req_10_srv_on_servers_only(self, ready: Example) -> None:
        servers = {ready[nick].identifier for nick in SERVERS}
        for application in SRV:
            assert ready.where(application) <= servers, application
        ready.slow("console_1").stop_application("scen2_srv_01")
        code = fault_code(ready.slow("console_1").start_application, "LOCAL", "scen2_srv_01")
        assert code == ABNORMAL_TERMINATION
        assert ready.where("scen2_srv_01") == set()
        for nick in CONSOLES:
            groups = {p["group"] for p in ready[nick].supervisor.getAllProcessInfo()}
            assert not any(group.startswith("scen2_srv_") for group in groups)

    def test_req_11_srv_start_automatically(self, scen2: Example) -> None:
        boot = scen2.boot
        for application in SRV:
            info = boot["applications"][application]
            assert (info["statename"], info["major_failure"], info["minor_failure"]) == (
                "RUNNING",
                False,
                False,
            ), application
        for application in HCI:
            info = boot["applications"][application]
            assert (info["statename"], info["major_failure"], info["minor_failure"]) == (
                "STOPPED",
                False,
                False,
            ), application

    def test_req_12_srv_started_once(self, ready: Example) -> None:
        [host] = before = ready.where("scen2_srv_01")
        for nick in ("server_1", "server_3", "console_2"):
            code = fault_code(ready.slow(nick).start_application, "LESS_LOADED", "scen2_srv_01")
            assert code == ALREADY_STARTED, nick
        assert ready.where("scen2_srv_01") == before
        other = next(nick for nick in SERVERS if ready[nick].identifier != host)
        ready[other].supervisor.startProcess("scen2_srv_01:scen2_config_manager")

        def conflict() -> bool:
            conflicts = ready["console_1"].supvisors.get_conflicts()
            return [
                (c["application_name"], c["process_name"], len(c["identifiers"])) for c in conflicts
            ] == [("scen2_srv_01", "scen2_config_manager", 2)]

        ready.cluster.wait_until(conflict, timeout=10, message="no conflict listed")
        master = ready["console_1"].supvisors.get_master_identifier()["identifier"]
        master_nick = ready.nick_of(master)

        def in_conciliation() -> bool:
            return (
                ready[master_nick].supvisors.get_supvisors_state()["fsm_statename"]
                == "CONCILIATION"
            )

        ready.cluster.wait_until(in_conciliation, timeout=10, message="no CONCILIATION")
        stays(in_conciliation, 5 * TICK, "USER conciliation must wait for the user")
        assert ready["console_1"].supvisors.conciliate("SENICIDE") is True
        ready.wait_ready()
        assert ready["console_1"].supvisors.get_conflicts() == []
        info = ready["console_1"].supvisors.get_process_info("scen2_srv_01:scen2_config_manager")[0]
        assert info["identifiers"] == [ready[other].identifier]  # the younger copy

    def test_req_13_load_balancing(self, scen2: Example) -> None:
        boot = scen2.boot
        hosts = [boot["where"][application] for application in SRV]
        assert all(len(host) == 1 for host in hosts), hosts
        assert set().union(*hosts) == {scen2[nick].identifier for nick in SERVERS}
        assert boot["loading"] == {nick: 42 for nick in SERVERS}

    def test_req_17_common_bus_interface_waits(self, ready: Example) -> None:
        [host] = ready.where("scen2_srv_01")
        infos = local_infos(ready[ready.nick_of(host)], "scen2_srv_01")
        interface, check = infos["scen2_common_bus_interface"], infos["scen2_check_common_data_bus"]
        assert interface["start_monotonic"] >= check["stop_monotonic"]
        # no common data bus on any server, then a restart of scen2_srv_01
        for nick in SERVERS:
            ready[nick].supervisor.stopProcess("common_data_bus")
        assert ready["console_1"].supvisors.restart_application(
            "LESS_LOADED", "scen2_srv_01", False
        )
        checking = "scen2_srv_01:scen2_check_common_data_bus"

        def waiting_host() -> str | None:
            [info] = ready["console_1"].supvisors.get_process_info(checking)
            return info["identifiers"][0] if info["statename"] == "RUNNING" else None

        host = ready.cluster.wait_until(waiting_host, timeout=20, message="the check never ran")
        nick = ready.nick_of(host)
        assert "scen2_common_bus_interface" not in running_names(ready, nick, "scen2_srv_01")
        ready[nick].supervisor.startProcess("common_data_bus")
        ready.wait_ready()
        assert srv_healthy(ready, "scen2_srv_01")
        infos = local_infos(ready[nick], "scen2_srv_01")
        bus = ready[nick].supvisors.get_local_process_info("common_data_bus:common_data_bus")
        interface, check = infos["scen2_common_bus_interface"], infos["scen2_check_common_data_bus"]
        assert check["stop_monotonic"] >= bus["start_monotonic"]
        assert interface["start_monotonic"] >= check["stop_monotonic"]

    def test_req_20_hci_start_on_request(self, ready: Example) -> None:
        for application in HCI:
            assert ready.app(application)["statename"] == "STOPPED"
        assert ready.slow("console_3").start_application("LOCAL", "scen2_hci_02") is True
        assert ready.app("scen2_hci_02", "console_3")["statename"] == "RUNNING"

    def test_req_21_hci_on_requesting_console(self, ready: Example) -> None:
        assert ready.slow("console_3").start_application("LOCAL", "scen2_hci_02") is True
        console_3 = ready["console_3"].identifier
        assert ready.where("scen2_hci_02", "console_3") == {console_3}
        ready.cluster.wait_until(lambda: ready.where("scen2_hci_02", "server_2") == {console_3}, 5)
        code = fault_code(ready.slow("server_1").start_application, "LOCAL", "scen2_hci_03")
        assert code == ABNORMAL_TERMINATION
        ready.wait_status("scen2_hci_03", ("STOPPED", True, True))
        url = ready["console_1"].url
        result = cli("supvisorsctl", "-s", url, "start_application", "LOCAL", "scen2_hci_01")
        assert (result.returncode, result.stdout.strip()) == (0, "scen2_hci_01 started")
        assert ready.where("scen2_hci_01", "console_1") == {ready["console_1"].identifier}

    def test_req_22_user_chooses_item(self, ready: Example) -> None:
        assert ready.slow("console_1").start_application("LOCAL", "scen2_hci_01") is True
        assert ready.slow("console_2").start_application("LOCAL", "scen2_hci_03") is True
        ready.wait_ready()
        running = {name for name in HCI if ready.app(name)["statename"] == "RUNNING"}
        assert running == {"scen2_hci_01", "scen2_hci_03"}
        assert ready.where("scen2_hci_01") == {ready["console_1"].identifier}
        assert ready.where("scen2_hci_03") == {ready["console_2"].identifier}

    def test_req_23_one_hci_per_item(self, ready: Example) -> None:
        assert ready.slow("console_3").start_application("LOCAL", "scen2_hci_02") is True
        before = ready.where("scen2_hci_02", "console_3")
        code = fault_code(ready.slow("console_1").start_application, "LOCAL", "scen2_hci_02")
        assert code == ALREADY_STARTED
        assert ready.where("scen2_hci_02", "console_3") == before == {ready["console_3"].identifier}
        url = ready["console_1"].url
        result = cli("supvisorsctl", "-s", url, "start_application", "LOCAL", "scen2_hci_02")
        assert result.returncode == 1
        # the stream is not specified (supervisorctl prints errors on stdout)
        assert (
            "scen2_hci_02: ERROR (ALREADY_STARTED: scen2_hci_02)" in result.stdout + result.stderr
        )
        assert ready.where("scen2_hci_02", "console_3") == before

    def test_req_27_hci_stop_on_request(self, ready: Example) -> None:
        assert ready.slow("console_3").start_application("LOCAL", "scen2_hci_02") is True
        assert ready.slow("server_1").stop_application("scen2_hci_02") is True
        assert ready.app("scen2_hci_02", "server_1")["statename"] == "STOPPED"
        ready.cluster.wait_until(lambda: ready.where("scen2_hci_02") == set(), 5)
        # the extended supervisorctl, with the example's server configuration file
        assert ready.slow("console_1").start_application("LOCAL", "scen2_hci_01") is True
        conf = ready.layout.conf_path("server_1")
        env = {**launcher.instance_env(ready.layout, "server_1"), "PATH": str(BIN)}
        result = cli("supervisorctl", "-c", str(conf), "stop_application", "scen2_hci_01", env=env)
        assert (result.returncode, result.stdout.strip()) == (0, "scen2_hci_01 stopped")
        assert ready.app("scen2_hci_01")["statename"] == "STOPPED"


class TestScenario2Failures:
    """Failure handling (issue 5): a cluster booted with a faulty scen2_srv_02."""

    def test_req_14_srv_stopped_on_starting_failure(self, failing: Example) -> None:
        boot = failing.boot
        for nick in SERVERS:
            assert boot["running"][(nick, "scen2_srv_02")] == set(), nick
        info = boot["applications"]["scen2_srv_02"]
        assert (info["statename"], info["major_failure"]) == ("STOPPED", True)
        assert boot["where"]["scen2_srv_02"] == set()
        for application in ("scen2_srv_01", "scen2_srv_03"):
            assert boot["applications"][application]["statename"] == "RUNNING"
        assert sorted(boot["loading"].values()) == [0, 42, 42]

    def test_req_15_srv_restarted_when_bus_crashes(self, failing_ready: Example) -> None:
        ex = failing_ready
        [host] = ex.where("scen2_srv_01")
        nick = ex.nick_of(host)
        before = {p["name"]: p["pid"] for p in ex[nick].supervisor.getAllProcessInfo() if p["pid"]}
        killed_at = time.time()
        ex[nick].supervisor.signalProcess("scen2_srv_01:scen2_internal_data_bus", "KILL")

        def restarted() -> bool:
            [new_host] = ex.where("scen2_srv_01") or [None]
            if new_host is None or not srv_healthy(ex, "scen2_srv_01"):
                return False
            infos = ex[ex.nick_of(new_host)].supervisor.getAllProcessInfo()
            return all(
                p["pid"] != before.get(p["name"]) for p in infos if p["group"] == "scen2_srv_01"
            )

        ex.cluster.wait_until(restarted, timeout=30, message="scen2_srv_01 not restarted")
        ex.wait_ready()
        [new_host] = ex.where("scen2_srv_01")
        for process in ex[ex.nick_of(new_host)].supervisor.getAllProcessInfo():
            if process["group"] == "scen2_srv_01":
                assert process["start"] >= int(killed_at), process["name"]
        assert_stage_order(ex[ex.nick_of(new_host)], "scen2_srv_01")

    def test_req_24_hci_start_continues_on_failure(self, failing_ready: Example) -> None:
        ex = failing_ready
        ex.set_faults("scen2_hci_01:scen2_check_internal_data_bus")
        assert ex.slow("console_1").start_application("LOCAL", "scen2_hci_01") is True
        stage_3 = {"scen2_chart_view", "scen2_sensor_control", "scen2_sensor_view"}
        assert stage_3 <= running_names(ex, "console_1", "scen2_hci_01")
        ex.wait_status("scen2_hci_01", ("RUNNING", True, False))

    def test_req_25_hci_stopped_when_bus_crashes(self, failing_ready: Example) -> None:
        ex = failing_ready
        assert ex.slow("console_3").start_application("LOCAL", "scen2_hci_02") is True
        ex["console_3"].supervisor.signalProcess("scen2_hci_02:scen2_internal_data_bus", "KILL")

        def stopped() -> bool:
            return (
                ex.app("scen2_hci_02")["statename"] == "STOPPED"
                and not any(running_names(ex, nick, "scen2_hci_02") for nick in CONSOLES)
                and ex.where("scen2_hci_02") == set()
            )

        ex.cluster.wait_until(stopped, timeout=20, message="scen2_hci_02 not stopped")
        stays(stopped, 5 * TICK, "scen2_hci_02 restarted")

    def test_req_16_srv_moves_on_server_loss(self, failing_ready: Example) -> None:
        ex = failing_ready
        lost = [name for name in SRV if ex.where(name) == {ex["server_2"].identifier}]
        assert lost, "server_2 hosts no scen2_srv"
        ex.cluster.kill("server_2")

        def server_2_down() -> bool:
            state = ex["server_1"].supvisors.get_instance_info("server_2")[0]["statename"]
            return state in ("STOPPED", "ISOLATED")

        ex.cluster.wait_until(server_2_down, timeout=20, message="server_2 loss not detected")
        survivors = {ex[nick].identifier for nick in ("server_1", "server_3")}

        def moved() -> bool:
            return all(
                ex.status(name)[0] == "RUNNING"
                and len(ex.where(name)) == 1
                and ex.where(name) <= survivors
                for name in lost
            )

        ex.cluster.wait_until(moved, timeout=30, message=f"{lost} not restarted elsewhere")
        assert all(ex.loading(nick) <= 100 for nick in ("server_1", "server_3"))
        hosts = {name: ex.where(name) for name in SRV}
        ex.start(["server_2"])
        ex.cluster.wait_until(
            lambda: (
                ex["server_1"].supvisors.get_instance_info("server_2")[0]["statename"] == "RUNNING"
            ),
            timeout=30,
            message="server_2 did not rejoin",
        )
        ex.wait_ready()
        assert {name: ex.where(name) for name in SRV} == hosts
        assert ex["console_1"].supvisors.get_conflicts() == []

    def test_req_26_hci_not_moved_on_console_loss(self, failing_ready: Example) -> None:
        ex = failing_ready
        assert ex.slow("console_3").start_application("LOCAL", "scen2_hci_02") is True
        ex.cluster.kill("console_3")

        def console_3_down() -> bool:
            state = ex["console_1"].supvisors.get_instance_info("console_3")[0]["statename"]
            return state in ("STOPPED", "ISOLATED")

        ex.cluster.wait_until(console_3_down, timeout=20, message="console_3 loss not detected")

        def not_moved() -> bool:
            return (
                ex.app("scen2_hci_02")["statename"] == "STOPPED"
                and ex.where("scen2_hci_02") == set()
                and not any(running_names(ex, nick, name) for nick in CONSOLES[:2] for name in HCI)
            )

        stays(not_moved, 5 * TICK, "scen2_hci_02 moved or still shown running")
        ex.start(["console_3"])
        ex.wait_ready()
