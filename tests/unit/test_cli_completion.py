"""Tab completion: our commands' arguments, and delegation of every other line."""

from __future__ import annotations

from typing import Any

from supvisors_ext.cli.completion import Completer, position_of
from tests.unit.test_cli_doubles import FakeServer, FakeSupvisors, fault


def all_matches(completer: Completer, line: str) -> list[str]:
    text = "" if line.endswith(" ") else line.split()[-1]
    matches = []
    state = 0
    while (match := completer.complete(text, state, line)) is not None:
        matches.append(match)
        state += 1
    return matches


def make(fake: Any = None) -> tuple[Completer, list[str]]:
    delegated: list[str] = []

    def delegate(text: str, state: int, line: str) -> str | None:
        delegated.append(line)
        return None

    server = fake or FakeSupvisors()
    return Completer(
        lambda: FakeServer(server), delegate, line_buffer=lambda: "sversion"
    ), delegated


def test_position_of_the_word_being_completed() -> None:
    assert position_of("start_application ") == (["start_application"], 0)
    assert position_of("start_application LO") == (["start_application", "LO"], 0)
    assert position_of("start_application LOCAL s") == (["start_application", "LOCAL", "s"], 1)


def test_strategies_then_applications() -> None:
    completer, _ = make()
    assert all_matches(completer, "start_application LE") == ["LESS_LOADED ", "LESS_LOADED_NODE "]
    assert all_matches(completer, "start_application LOCAL scen2_h") == [
        "scen2_hci_01 ",
        "scen2_hci_02 ",
        "scen2_hci_03 ",
    ]


def test_namespecs_identifiers_and_fixed_values() -> None:
    completer, _ = make()
    assert all_matches(completer, "stop_process scen2_h") == [
        "scen2_hci_01:* ",
        "scen2_hci_01:scen2_hmi ",
    ]
    assert all_matches(completer, "sstate serv") == ["server_1 ", "server_2 "]
    assert all_matches(completer, "conciliate S") == ["SENICIDE ", "STOP "]
    assert all_matches(completer, "loglevel de") == ["debug "]
    assert all_matches(completer, "start_args scen2_srv_01:scen2_internal_data_bus ") == []


def test_collection_subcommands_then_names() -> None:
    completer, _ = make()
    assert all_matches(completer, "collection ") == ["status ", "start ", "stop ", "signal "]
    assert all_matches(completer, "collection st") == ["status ", "start ", "stop "]
    assert all_matches(completer, "collection start ") == ["buses ", "late "]
    assert all_matches(completer, "collection stop b") == ["buses "]


def test_rpc_error_gives_no_candidate() -> None:
    fake = FakeSupvisors()

    def broken() -> None:
        raise fault(101, "BAD_SUPVISORS_STATE: not yet")

    fake.list_collections = broken  # type: ignore[method-assign]
    fake.get_all_applications_info = broken  # type: ignore[method-assign]
    completer, _ = make(fake)
    assert all_matches(completer, "collection start ") == []
    assert all_matches(completer, "application_info ") == []


def test_other_lines_go_to_supervisorctl() -> None:
    completer, delegated = make()
    assert completer.complete("st", 0, "st") is None
    assert completer.complete("", 0, "status ") is None
    assert completer.complete("", 0, "") is None
    assert delegated == ["st", "status ", ""]
    assert completer.complete("", 0) is None  # line from readline's buffer: "sversion"
    assert delegated[-1] == "sversion"


def test_the_ctlplugin_wraps_the_controller_completer() -> None:
    from supervisor.supervisorctl import Controller

    from tests.unit.test_cli_doubles import FakeOptions

    options = FakeOptions(FakeSupvisors())
    options.realize(["-s", "http://127.0.0.1:9"], progname="test")
    from supvisors_ext.cli.shell import with_supvisors_plugin

    with_supvisors_plugin(options)
    with_supvisors_plugin(options)  # only once
    assert [name for name, _, _ in options.plugin_factories] == ["default", "supvisors"]
    controller = Controller(options)
    assert controller.complete("sta", 0, "sta") == "start "  # supervisorctl's own
    assert controller.complete("", 0, "collection ") == "status "
