"""The commands added for Supvisors parity, against the server double: output and exit status."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from supervisor.options import ClientOptions
from supervisor.supervisorctl import Controller

from supvisors_ext.cli import ctlplugin
from tests.unit.test_cli_completion import all_matches, make
from tests.unit.test_cli_doubles import C1, S1, S2, FakeServer, Runner, fault

# Supvisors 0.19.1 `supvisorsctl.py`: every do_<command> of its ControllerPlugin
SUPVISORS_COMMANDS = (
    "sversion sstate master core strategies stats_status instance_status application_info "
    "application_rules sstatus local_status process_rules conflicts start_application "
    "test_start_application restart_application stop_application all_start start_args "
    "all_start_args start_process test_start_process start_any_process start_process_args "
    "start_any_process_args stop_process restart_process update_numprocs lazy_update_numprocs "
    "enable disable conciliate restart_sequence sreload sshutdown end_sync loglevel "
    "enable_stats disable_stats stats_period"
).split()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Runner:
    return Runner(capsys)


def test_core_lists_the_core_instances_or_says_there_is_none(run: Runner) -> None:
    assert run("core") == (
        0,
        "Nickname  Identifier\nserver_1  127.0.0.1:61000\nserver_2  127.0.0.1:61002\n",
        "",
    )
    run.fake.get_core_identifiers = lambda: []  # type: ignore[method-assign]
    assert run("core") == (0, "No core instance\n", "")
    assert run("core", "x")[0] == 2


def test_test_start_application_prints_the_prediction_and_starts_nothing(run: Runner) -> None:
    status, out, err = run("test_start_application", "less_loaded", "scen2_hci_01", "scen2_hci_02")
    assert status == 1
    assert out.splitlines() == [
        "Application   Process    State       Instances  Reason",
        "scen2_hci_01  scen2_hmi  RUNNING     console_1",
    ]
    assert err == "scen2_hci_02: ERROR (ALREADY_STARTED: scen2_hci_02)\n"
    assert [c[0] for c in run.fake.calls] == ["test_start_application"] * 2
    assert run.fake.calls[0] == ("test_start_application", "LESS_LOADED", "scen2_hci_01")


def test_test_start_application_without_names_predicts_every_managed_one(run: Runner) -> None:
    status, _, _ = run("test_start_application", "CONFIG")
    names = [c[2] for c in run.fake.calls]
    assert names == ["scen2_hci_01", "scen2_hci_02", "scen2_hci_03", "scen2_srv_01"]
    assert status == 1  # the running ones are ALREADY_STARTED


def test_test_start_process_prints_the_reason(run: Runner) -> None:
    status, out, _ = run("test_start_process", "CONFIG", "scen2_hci_01:*")
    assert status == 0
    assert out.splitlines()[1] == "scen2_hci_01  scen2_hmi  FATAL       -          no place"
    assert run("test_start_process", "CONFIG")[0] == 2


def test_start_any_process_prints_the_namespec_started(run: Runner) -> None:
    assert run("start_any_process", "LOCAL", "hmi$") == (0, "scen2_hci_01:scen2_hmi started\n", "")
    assert run.fake.calls[-1] == ("start_any_process", "LOCAL", "hmi$", "", True)
    run.fake.failing["nomatch"] = fault(10, "BAD_NAME: nomatch")
    status, out, err = run("start_any_process", "CONFIG", "nomatch", "hmi")
    assert (status, out) == (1, "scen2_hci_01:scen2_hmi started\n")
    assert err == "nomatch: ERROR (BAD_NAME: nomatch)\n"
    assert run("start_any_process", "CONFIG")[0] == 2


def test_start_any_process_args_joins_the_arguments(run: Runner) -> None:
    assert run("start_any_process_args", "CONFIG", "hmi", "-x", "1")[0] == 0
    assert run.fake.calls[-1] == ("start_any_process", "CONFIG", "hmi", "-x 1", True)
    assert run("start_any_process_args", "CONFIG", "hmi")[0] == 2


class Instance:
    """The two namespaces of one instance reached by `all_start`, recording their calls."""

    def __init__(self, url: str, calls: list[tuple[Any, ...]]) -> None:
        self.supervisor = self
        self.supvisors = self
        self.url, self.calls = url, calls

    def startProcess(self, namespec: str) -> bool:  # noqa: N802 - supervisor's name
        self.calls.append((self.url, "startProcess", namespec))
        if self.url.endswith("61002"):
            raise fault(60, f"ALREADY_STARTED: {namespec}")
        return True

    def start_args(self, namespec: str, extra: str, wait: bool) -> bool:
        self.calls.append((self.url, "start_args", namespec, extra, wait))
        return True

    def __call__(self, attr: str) -> Any:
        return lambda: None


def test_all_start_calls_every_running_instance(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(ctlplugin, "proxy_at", lambda options, url: Instance(url, calls))
    status, out, err = run("all_start", "g:p")
    assert status == 1
    assert out.splitlines() == ["g:p started on server_1", "g:p started on console_1"]
    assert err == "g:p on server_2: ERROR (ALREADY_STARTED: g:p)\n"
    assert sorted(c[0] for c in calls) == [
        "http://127.0.0.1:61000",
        "http://127.0.0.1:61002",
        "http://127.0.0.1:61004",
    ]
    calls.clear()
    assert run("all_start_args", "g:p", "-v", "2")[0] == 0
    assert {c[1:] for c in calls} == {("start_args", "g:p", "-v 2", True)}
    assert run("all_start")[0] == 2
    assert run("all_start_args", "g:p")[0] == 2


def test_all_start_without_running_instance_is_an_error(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    infos = run.fake.get_all_instances_info()
    for info in infos:
        info["statename"] = "SILENT"
    run.fake.get_all_instances_info = lambda: infos  # type: ignore[method-assign]
    assert run("all_start", "g:p") == (1, "", "ERROR (no running instance)\n")


def test_update_numprocs_checks_its_value(run: Runner) -> None:
    assert run("update_numprocs", "prog", "3") == (0, "prog numprocs updated to 3\n", "")
    assert run.fake.calls[-1] == ("update_numprocs", "prog", 3, True, False)
    assert run("lazy_update_numprocs", "prog", "1")[1] == "prog numprocs updated to 1 (lazy)\n"
    assert run.fake.calls[-1] == ("update_numprocs", "prog", 1, True, True)
    for bad in (["prog"], ["prog", "0"], ["prog", "-1"], ["prog", "x"], ["prog", "2", "3"]):
        status, out, err = run("update_numprocs", *bad)
        assert (status, out) == (2, "")
        assert "update_numprocs <program> <numprocs>" in err


def test_enable_and_disable_each_program(run: Runner) -> None:
    assert run("disable", "a", "b") == (0, "a disabled\nb disabled\n", "")
    assert run.fake.calls == [("disable", "a", True), ("disable", "b", True)]
    run.fake.failing["c"] = fault(10, "BAD_NAME: c")
    assert run("enable", "c") == (1, "", "c: ERROR (BAD_NAME: c)\n")
    assert run("enable")[0] == 2


def test_statistics_commands(run: Runner) -> None:
    assert run("stats_status")[1].splitlines() == [
        "Host statistics: True",
        "Process statistics: False",
        "Collecting period: 5.0",
    ]
    assert run("enable_stats") == (0, "Host statistics enabled\nProcess statistics enabled\n", "")
    assert run("disable_stats", "process") == (0, "Process statistics disabled\n", "")
    assert run.fake.calls[-1] == ("enable_process_statistics", False)
    assert run("enable_stats", "disk")[0] == 2
    assert run("stats_period", "2.5") == (0, "Statistics period set to 2.5\n", "")
    assert run("stats_period", "0")[0] == 2
    assert run("stats_period", "x")[0] == 2


def test_the_ctlplugin_help_lists_every_command_of_supvisors(tmp_path: Path) -> None:
    """Stock supervisorctl with `[ctlplugin:supvisors]` from a configuration file."""
    conf = tmp_path / "ctl.conf"
    conf.write_text(
        "[supervisorctl]\nserverurl = http://127.0.0.1:9\n\n[ctlplugin:supvisors]\n"
        "supervisor.ctl_factory = supvisors_ext.supvisorsctl:make_supvisors_controller_plugin\n"
    )
    options = ClientOptions()
    options.realize(["-c", str(conf), "help"])
    stdout = io.StringIO()
    controller = Controller(options, stdout=stdout)
    controller.onecmd("help")
    text = stdout.getvalue()
    assert "supvisors commands (type help <topic>):" in text
    listed = set(text.split("supvisors commands")[1].split())
    assert sorted(set(SUPVISORS_COMMANDS) - listed) == []
    controller.onecmd("help update_numprocs")
    assert "update_numprocs <program> <numprocs>" in stdout.getvalue()


def test_the_command_list_matches_supvisors_source() -> None:
    """When the Supvisors sources are at hand, the list above is checked against them."""
    source = Path("/work/scratch/supvisors-0.19.1/supvisors/supvisorsctl.py")
    try:
        import supvisors.supvisorsctl as module

        source = Path(module.__file__)
    except ImportError:
        if not source.exists():
            pytest.skip("supvisors 0.19.1 not installed")
    names = [line.split("def do_")[1].split("(")[0] for line in source.read_text().splitlines()
             if line.strip().startswith("def do_")]  # fmt: skip
    assert sorted(names) == sorted(SUPVISORS_COMMANDS)


def test_completion_of_the_new_commands() -> None:
    completer, _ = make()
    assert all_matches(completer, "test_start_application LOC") == ["LOCAL "]
    assert all_matches(completer, "test_start_application LOCAL scen2_hci_0") == [
        "scen2_hci_01 ",
        "scen2_hci_02 ",
        "scen2_hci_03 ",
    ]
    assert all_matches(completer, "test_start_process CONFIG scen2_hci_01:") == [
        "scen2_hci_01:* ",
        "scen2_hci_01:scen2_hmi ",
    ]
    assert all_matches(completer, "start_any_process_args CONFIG scen2_hci_01:s") == [
        "scen2_hci_01:scen2_hmi "
    ]
    assert all_matches(completer, "start_any_process_args CONFIG x ") == []
    assert all_matches(completer, "all_start scen2_srv_01:scen2_i") == [
        "scen2_srv_01:scen2_internal_data_bus "
    ]
    assert all_matches(completer, "update_numprocs ") == ["bus ", "check "]
    assert all_matches(completer, "update_numprocs bus ") == []
    assert all_matches(completer, "disable ch") == ["check "]
    assert all_matches(completer, "enable_stats h") == ["host "]
    assert all_matches(completer, "events hs") == ["hstats "]
    assert all_matches(completer, "collection signal ") == [
        "HUP ", "INT ", "QUIT ", "KILL ", "TERM ", "USR1 ", "USR2 ", "STOP ", "CONT "
    ]  # fmt: skip
    assert all_matches(completer, "collection signal HUP b") == ["buses "]


def test_every_command_argument_has_a_completion_kind() -> None:
    from supvisors_ext.cli.commands import COMMANDS, Arg

    takes_names = {c.name for c in COMMANDS if any(kind is not Arg.NONE for kind in c.args)}
    no_argument = {
        "sversion", "master", "core", "strategies", "conflicts", "restart_sequence",
        "sreload", "sshutdown", "stats_status", "stats_period",
    }  # fmt: skip
    assert takes_names | no_argument == {c.name for c in COMMANDS}


def test_program_completion_prefers_the_program_name() -> None:
    completer, _ = make()
    fake = completer._connect().supvisors
    infos = fake.get_all_local_process_info()
    for info in infos:
        info["program_name"] = "prog"
    fake.get_all_local_process_info = lambda: infos
    assert all_matches(completer, "enable ") == ["prog "]


def test_sversion_without_our_key_prints_the_api_version_only(run: Runner) -> None:
    run.fake.get_supvisors_state = lambda: {"fsm_statename": "OPERATION"}  # type: ignore
    assert run("sversion") == (0, "0.19.1\n", "")


def test_fake_instances(run: Runner) -> None:
    assert {info["port"] for info in run.fake.get_all_instances_info()} == {61000, 61002, 61004}
    assert FakeServer(run.fake).supvisors is run.fake and {S1, S2, C1}


RELOAD = [[["added_group"], [], ["gone_group"]], [["c_new"], ["c_changed"], ["c_gone"]]]


@pytest.fixture
def reloading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """supervisor's namespace answering reloadConfig with group and collection changes."""
    from tests.unit import test_cli_doubles

    calls: list[str] = []
    supervisor = test_cli_doubles.FakeSupervisor
    monkeypatch.setattr(supervisor, "reloadConfig", lambda self: RELOAD, raising=False)
    for name in ("addProcessGroup", "removeProcessGroup"):
        recorder = lambda self, group, name=name: calls.append(f"{name} {group}")  # noqa: E731
        monkeypatch.setattr(supervisor, name, recorder, raising=False)
    monkeypatch.setattr(supervisor, "stopProcessGroup", lambda self, g: [], raising=False)
    return calls


def test_reread_prints_the_collection_changes(run: Runner, reloading: list[str]) -> None:
    status, out, _ = run("reread")
    assert status == 0
    assert out.splitlines() == [
        "added_group: available",
        "gone_group: disappeared",
        "collection:c_new: available",
        "collection:c_changed: changed",
        "collection:c_gone: disappeared",
    ]


def test_update_prints_the_collection_changes_applied(run: Runner, reloading: list[str]) -> None:
    status, out, _ = run("update")
    assert status == 0
    assert out.splitlines()[-3:] == [
        "collection:c_new: added",
        "collection:c_changed: updated",
        "collection:c_gone: removed",
    ]
    assert "added_group: added process group" in out
    assert reloading == ["removeProcessGroup gone_group", "addProcessGroup added_group"]


def test_reread_from_a_server_without_collections_prints_supervisors_lines(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit import test_cli_doubles

    reload = lambda self: [[[], [], []]]  # noqa: E731
    monkeypatch.setattr(test_cli_doubles.FakeSupervisor, "reloadConfig", reload, raising=False)
    assert run("reread") == (0, "No config updates to processes\n", "")
