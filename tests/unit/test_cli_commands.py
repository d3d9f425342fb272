"""supvisorsctl in-process against a hand-written server double: outputs, faults, usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_cli_doubles import C1, S1, Runner, fault


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Runner:
    return Runner(capsys)


def test_application_info_prints_the_scenario2_table(run: Runner) -> None:
    status, out, err = run("application_info")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "Application      State     Major  Minor",
        "common_data_bus  STOPPED   False  False",
        "scen2_hci_01     STOPPED   False  False",
        "scen2_hci_02     RUNNING   False  False",
        "scen2_hci_03     STOPPED   True   True",
        "scen2_srv_01     RUNNING   False  False",
    ]


def test_application_info_with_an_unknown_name_says_so_and_exits_1(run: Runner) -> None:
    status, out, err = run("application_info", "scen2_hci_02", "nope")
    assert status == 1
    assert out.splitlines()[1].startswith("scen2_hci_02")
    assert err == "nope: ERROR (no such application)\n"


def test_sstatus_prints_nicks_and_expected_only_when_exited(run: Runner) -> None:
    status, out, _ = run("sstatus")
    assert status == 0
    assert out.splitlines() == [
        "Application   Process                        State       Expected  Instances",
        "scen2_srv_01  scen2_check_internal_data_bus  EXITED      True      -",
        "scen2_srv_01  scen2_internal_data_bus        RUNNING     n/a       server_1",
        "scen2_hci_01  scen2_hmi                      STOPPED     n/a       -",
    ]
    status, out, err = run("sstatus", "scen2_srv_01:*", "x:y")
    assert status == 1 and len(out.splitlines()) == 3
    assert err == "x:y: ERROR (no such process)\n"


def test_sversion_master_and_strategies(run: Runner) -> None:
    assert run("sversion") == (0, "0.19.1\nsupvisors_ext 0.2.0\n", "")
    assert run("master")[1] == "Nick identifier: server_1\nIdentifier: 127.0.0.1:61000\n"
    assert run("strategies")[1].splitlines() == [
        "Auto-fencing: False",
        "Failure: CONTINUE",
        "Conciliation: USER",
        "Starting: CONFIG",
    ]


def test_master_when_there_is_none(run: Runner) -> None:
    run.fake.get_master_identifier = lambda: {}  # type: ignore[method-assign]
    assert run("master")[1] == "No Master\n"


def test_sstate_local_all_and_named(run: Runner) -> None:
    _, out, _ = run("sstate")
    assert out.splitlines() == [
        "Nickname  Identifier       State           Degraded  Discovery  Master  "
        "Starting  Stopping",
        "server_2  127.0.0.1:61002  OPERATION       False     False      False   console_1 -",
    ]
    _, out, _ = run("sstate", "all")
    assert [line.split()[0] for line in out.splitlines()] == [
        "Nickname", "server_1", "server_2", "console_1",
    ]  # fmt: skip
    assert out.splitlines()[1].split()[5:] == ["True", "False", "False"]
    status, out, err = run("sstate", "console_1", "ghost")
    assert status == 1 and out.splitlines()[1].split()[-2:] == ["True", "False"]
    assert err == "ghost: ERROR (no such instance)\n"


def test_instance_status_shows_load_counter_and_process_failure(run: Runner) -> None:
    _, out, _ = run("instance_status")
    assert out.splitlines()[0] == (
        "Nickname   Identifier       State      Load  Counter  Processes"
    )
    assert out.splitlines()[1] == "server_1   127.0.0.1:61000  RUNNING    42%   17       ok"
    assert out.splitlines()[3].endswith("0%    17       error")
    _, out, _ = run("instance_status", "server_2")
    assert len(out.splitlines()) == 2


def test_local_status_and_its_group_wildcard(run: Runner) -> None:
    _, out, _ = run("local_status")
    assert out.splitlines() == [
        "Application   Process  State       Pid     Args",
        "scen2_srv_01  bus      RUNNING     1234    -x 1",
        "scen2_srv_01  check    EXITED      0",
    ]
    assert run("local_status", "scen2_srv_01:*")[1] == out
    status, _, err = run("local_status", "other:*", "scen2_srv_01:nope")
    assert status == 1
    assert err.splitlines() == [
        "other:*: ERROR (no such process)",
        "scen2_srv_01:nope: ERROR (no such process)",
    ]


def test_application_rules_managed_and_unmanaged(run: Runner) -> None:
    _, out, _ = run("application_rules", "scen2_srv_01", "common_data_bus")
    lines = out.splitlines()
    assert lines[0].split() == [
        "Application", "Managed", "Distribution", "Identifiers", "Start", "Stop",
        "Starting", "Starting_Failure", "Running_Failure",
    ]  # fmt: skip
    assert lines[1].split() == [
        "scen2_srv_01", "True", "SINGLE_INSTANCE", "server_1,server_2", "1", "0",
        "LESS_LOADED", "STOP", "CONTINUE",
    ]  # fmt: skip
    assert lines[2].split() == ["common_data_bus", "False"] + ["n/a"] * 7
    _, out, _ = run("application_rules")
    assert len(out.splitlines()) == 6


def test_process_rules_of_every_application(run: Runner) -> None:
    _, out, _ = run("process_rules", "scen2_srv_01:*")
    assert out.splitlines() == [
        "Application   Process                        Start  Stop   Required  WaitExit  "
        "Loading  Strategy              Identifiers",
        "scen2_srv_01  scen2_check_internal_data_bus  1      2      True      False     "
        "10%      RESTART_APPLICATION   *",
        "scen2_srv_01  scen2_internal_data_bus        1      2      True      False     "
        "10%      RESTART_APPLICATION   *",
    ]
    assert len(run("process_rules")[1].splitlines()) == 4


def test_conflicts_none_then_one(run: Runner) -> None:
    assert run("conflicts") == (0, "No conflict\n", "")
    run.fake.processes[1]["identifiers"] = [S1, C1]
    assert run("conflicts")[1].splitlines()[1].split() == [
        "scen2_srv_01", "scen2_internal_data_bus", "RUNNING", "server_1,console_1",
    ]  # fmt: skip


def test_control_commands_print_their_line(run: Runner) -> None:
    assert run("loglevel", "DEBUG") == (0, "loglevel set to debug\n", "")
    assert run("conciliate", "senicide") == (0, "conciliate: True\n", "")
    assert run("conciliate", "USER")[1] == "conciliate: False\n"
    assert run("restart_sequence")[1] == "restart_sequence completed\n"
    assert run("sreload")[1] == "Supvisors restart requested\n"
    assert run("sshutdown")[1] == "Supvisors shutdown requested\n"
    assert run("end_sync")[1] == "end of synchronization requested\n"
    assert run("end_sync", "server_1")[0] == 0
    assert [call[0] for call in run.fake.calls] == [
        "change_log_level", "conciliate", "conciliate", "restart_sequence", "restart",
        "shutdown", "end_sync", "end_sync",
    ]  # fmt: skip
    assert run.fake.calls[-1] == ("end_sync", "server_1")


def test_a_fault_prints_error_with_its_text_and_exits_1(run: Runner) -> None:
    run.fake.failing["server_1"] = fault(101, "BAD_SUPVISORS_STATE: a Master is already set")
    status, out, err = run("end_sync", "server_1")
    assert (status, out) == (1, "")
    assert err == "ERROR (BAD_SUPVISORS_STATE: a Master is already set)\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["start_application"], "ERROR: start_application requires a strategy"),
        (
            ["restart_application", "BEST"],
            "ERROR: unknown strategy BEST (expected one of CONFIG, LESS_LOADED, MOST_LOADED, "
            "LOCAL, LESS_LOADED_NODE, MOST_LOADED_NODE)",
        ),
        (["start_process"], "ERROR: start_process requires a strategy"),
        (["conciliate"], "ERROR: conciliate requires a conciliation strategy"),
        (["loglevel", "loud"], "ERROR: unknown log level loud (expected one of critical, "
         "error, warn, info, debug, trace, blather)"),
        (["start_args", "a:b"], "ERROR: start_args requires a process name and arguments"),
        (["sversion", "x"], "ERROR: sversion takes no argument"),
    ],
)  # fmt: skip
def test_usage_errors_print_the_help_lines_and_exit_2(
    run: Runner, argv: list[str], message: str
) -> None:
    status, out, err = run(*argv)
    assert (status, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == message
    assert lines[1].startswith(argv[0])
    assert run.fake.calls == []


def test_start_application_per_name_results(run: Runner) -> None:
    run.fake.failing["scen2_hci_02"] = fault(60, "ALREADY_STARTED: scen2_hci_02")
    status, out, err = run(
        "start_application", "local", "scen2_hci_01", "scen2_hci_02", "common_data_bus", "nope"
    )
    assert status == 1
    assert out == "scen2_hci_01 started\n"
    assert err.splitlines() == [
        "common_data_bus: IGNORED (unmanaged, use start|stop common_data_bus:*)",
        "nope: ERROR (no such application)",
        "scen2_hci_02: ERROR (ALREADY_STARTED: scen2_hci_02)",
    ]
    assert ("start_application", "LOCAL", "scen2_hci_01", True) in run.fake.calls


def test_application_commands_without_names_apply_to_every_managed_one(run: Runner) -> None:
    status, out, _ = run("stop_application")
    assert status == 0
    assert out.splitlines() == [
        f"scen2_{name} stopped" for name in ("hci_01", "hci_02", "hci_03", "srv_01")
    ]
    _, out, _ = run("restart_application", "CONFIG", "all")
    assert out.splitlines()[-1] == "scen2_srv_01 restarted"
    assert run.fake.calls[-1] == ("restart_application", "CONFIG", "scen2_srv_01", True)


def test_process_commands(run: Runner) -> None:
    _, out, _ = run("start_process", "1")
    # every process not running, strategy given by its code
    assert out.splitlines() == [
        "scen2_srv_01:scen2_check_internal_data_bus started",
        "scen2_hci_01:scen2_hmi started",
    ]
    assert run.fake.calls[0] == (
        "start_process", "LESS_LOADED", "scen2_srv_01:scen2_check_internal_data_bus", "", True,
    )  # fmt: skip
    assert run("stop_process")[1] == "scen2_srv_01:scen2_internal_data_bus stopped\n"
    assert run("restart_process", "CONFIG", "a:b")[1] == "a:b restarted\n"
    assert run("start_args", "a:b", "-x", "2")[1] == "a:b started\n"
    assert run.fake.calls[-1] == ("start_args", "a:b", "-x 2", True)
    assert run("start_process_args", "LOCAL", "a:b", "-v")[1] == "a:b started\n"
    assert run.fake.calls[-1] == ("start_process", "LOCAL", "a:b", "-v", True)
    run.fake.failing["a:b"] = fault(70, "NOT_RUNNING: a:b")
    assert run("stop_process", "a:b") == (1, "", "a:b: ERROR (NOT_RUNNING: a:b)\n")


def test_help_lists_our_commands_and_each_usage(run: Runner) -> None:
    status, out, _ = run("help")
    assert status == 0
    assert "supvisors commands (type help <topic>):" in out
    for name in ("application_info", "collection", "sstatus", "start_process_args"):
        assert name in out
    _, out, _ = run("help", "stop_application")
    assert out.splitlines()[-2:] == [
        "stop_application                  Stop every managed application",
        "stop_application <appli> <appli>  Stop the named applications",
    ]


def test_unreachable_server_keeps_supervisorctl_status() -> None:
    from supvisors_ext.supvisorsctl import main

    assert main(["-s", "http://127.0.0.1:9", "application_info"]) == 4


def test_option_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from supvisors_ext.supvisorsctl import main

    assert main(["--no-such-option"]) == 2
    assert "Error: option --no-such-option not recognized" in capsys.readouterr().err
    assert main(["-h"]) == 0
    assert "supvisorsctl" in capsys.readouterr().out


def test_every_connection_of_a_command_is_closed(run: Runner) -> None:
    from tests.unit.test_cli_doubles import FakeServer

    before = FakeServer.closed
    assert run("sstatus")[0] == 0  # one connection, for the upcheck and every call
    assert FakeServer.closed == before + 1


def test_interactive_mode_reads_commands_and_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from supvisors_ext.cli.shell import main
    from tests.unit.test_cli_doubles import FakeOptions, FakeSupvisors

    monkeypatch.setattr("sys.stdin", io.StringIO("sversion\napplication_info nope\n"))
    status = main(["-s", "http://127.0.0.1:9"], options=FakeOptions(FakeSupvisors()))
    captured = capsys.readouterr()
    assert status == 0  # even after a fault, as supervisorctl
    assert "0.19.1\n" in captured.out
    assert "nope: ERROR (no such application)" in captured.err


def test_the_ctlplugin_takes_no_option() -> None:
    from supvisors_ext.supvisorsctl import make_supvisors_controller_plugin

    class Controller:
        def complete(self, text: str, state: int, line: str | None = None) -> None:
            return None

        def get_server_proxy(self, namespace: str | None = None) -> None:
            return None

    with pytest.raises(ValueError, match="takes no option"):
        make_supvisors_controller_plugin(Controller(), colour="blue")
    plugin = make_supvisors_controller_plugin(Controller())
    assert hasattr(plugin, "do_application_info") and hasattr(plugin, "help_collection")


def test_credentials_and_configuration_options_are_supervisorctls(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from supvisors_ext.cli.shell import main
    from tests.unit.test_cli_doubles import FakeOptions, FakeSupvisors

    options = FakeOptions(FakeSupvisors())
    assert main(["-s", "http://127.0.0.1:9", "-u", "ops", "-p", "pw", "sversion"], options) == 0
    assert (options.username, options.password) == ("ops", "pw")
    conf = tmp_path / "ctl.conf"
    conf.write_text(
        "[supervisorctl]\nserverurl = http://127.0.0.1:9\n\n[ctlplugin:supvisors]\n"
        "supervisor.ctl_factory = supvisors_ext.supvisorsctl:make_supvisors_controller_plugin\n"
    )
    options = FakeOptions(FakeSupvisors())
    assert main(["-c", str(conf), "master"], options) == 0
    assert capsys.readouterr().out.endswith("Identifier: 127.0.0.1:61000\n")
    assert [name for name, _, _ in options.plugin_factories] == ["default", "supvisors"]
