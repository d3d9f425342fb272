"""The `collection` command (docs/cli.md#collection) against the server double."""

from __future__ import annotations

import pytest

from tests.unit.test_cli_doubles import Runner, fault


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Runner:
    return Runner(capsys)


HELP = [
    "collection status         List all collections",
    "collection status <name>  Show the processes of a collection",
    "collection start <name>   Start the processes of a collection",
    "collection stop <name>    Stop the processes of a collection",
]


def test_no_argument_prints_the_help_lines(run: Runner) -> None:
    status, out, _ = run("collection")
    assert status == 0
    assert out.splitlines() == HELP


def test_status_lists_collections_in_priority_order(run: Runner) -> None:
    assert run("collection", "status") == (
        0,
        "buses\t\tprograms=x, y groups=g\nlate\t\tprograms=b\n",
        "",
    )
    run.fake.collections = []
    assert run("collection", "status")[1] == "No collections configured\n"


def test_status_of_names_prints_their_members(run: Runner) -> None:
    status, out, err = run("collection", "status", "late", "ghost", "buses")
    assert status == 1
    assert err == "ghost: ERROR (no such collection)\n"
    lines = out.splitlines()
    assert lines[0] == "Collection: buses"
    assert lines[1].split() == ["Application", "Process", "State", "Expected", "Instances"]
    assert lines[2:4] == [
        "scen2_srv_01  scen2_check_internal_data_bus  EXITED      True      -",
        "scen2_srv_01  scen2_internal_data_bus        RUNNING     n/a       server_1",
    ]
    assert lines[4:] == ["Collection: late"]


def test_start_prints_member_results_and_fails_on_a_member_error(run: Runner) -> None:
    status, out, err = run("collection", "start", "late", "buses")
    assert status == 1
    assert out.splitlines() == ["x:x: started", "late: nothing to start"]
    assert err == "g:y: ERROR (ABNORMAL_TERMINATION: y)\n"
    assert [c[1] for c in run.fake.calls] == ["buses", "late"]  # ascending (priority, name)


def test_stop_goes_in_descending_priority_order(run: Runner) -> None:
    status, out, err = run("collection", "stop", "buses", "late")
    assert (status, err) == (0, "")
    assert out.splitlines() == ["b:b: stopped", "buses: nothing to stop"]
    assert [c[1] for c in run.fake.calls] == ["late", "buses"]


def test_usage_errors(run: Runner) -> None:
    assert run("collection", "start") == (
        2,
        "",
        "Error: collection start requires a collection name\n",
    )
    assert run("collection", "stop")[2] == "Error: collection stop requires a collection name\n"
    status, out, err = run("collection", "signal")
    assert (status, out) == (2, "")
    assert err.splitlines() == ["Error: unknown collection subcommand 'signal'", *HELP]


def test_server_without_collection_methods_is_a_fault(run: Runner) -> None:
    def missing() -> None:
        raise fault(1, "UNKNOWN_METHOD")

    run.fake.list_collections = missing  # type: ignore[method-assign]
    assert run("collection", "status") == (1, "", "ERROR (UNKNOWN_METHOD)\n")
