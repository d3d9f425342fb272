"""The shipped rules files: Scenario 2's resolved-rules table and the example rules file."""

from __future__ import annotations

from pathlib import Path

import pytest

from supvisors_ext.rules import Rules, load_rules
from tests.scenario2_facts import HCI_TABLE, RULES_FILE, SRV_TABLE

ROOT = Path(__file__).resolve().parents[2]
SCENARIO2 = RULES_FILE
EXAMPLE = Path(__file__).parent / "rules_files" / "example_section8.xml"


@pytest.fixture(scope="module")
def scenario2() -> Rules:
    return load_rules([str(SCENARIO2)])


def test_scenario2_loads_without_warning(scenario2: Rules) -> None:
    assert scenario2.warnings == []
    assert scenario2.files == (str(SCENARIO2),)
    assert dict(scenario2.aliases) == {
        "servers": ("server_1", "server_2", "server_3"),
        "consoles": ("console_1", "console_2", "console_3"),
    }


@pytest.mark.parametrize("group", ["scen2_srv_01", "scen2_srv_02", "scen2_srv_05"])
def test_scenario2_srv_application(scenario2: Rules, group: str) -> None:
    application = scenario2.application_rules(group)
    assert application is not None
    assert application.as_dict() == {
        "managed": True,
        "distribution": "SINGLE_INSTANCE",
        "identifiers": ["server_1", "server_2", "server_3"],
        "start_sequence": 1,
        "stop_sequence": 1,
        "starting_strategy": "LESS_LOADED",
        "starting_failure_strategy": "STOP",
        "running_failure_strategy": "CONTINUE",
        "status_formula": "",
    }


@pytest.mark.parametrize("group", ["scen2_hci_01", "scen2_hci_02"])
def test_scenario2_hci_application(scenario2: Rules, group: str) -> None:
    application = scenario2.application_rules(group)
    assert application is not None
    assert application.as_dict() == {
        "managed": True,
        "distribution": "SINGLE_INSTANCE",
        "identifiers": ["console_1", "console_2", "console_3"],
        "start_sequence": 0,
        "stop_sequence": 0,
        "starting_strategy": "LOCAL",
        "starting_failure_strategy": "CONTINUE",
        "running_failure_strategy": "CONTINUE",
        "status_formula": "",
    }


def _expected(row: tuple[int, bool, bool, int, str], starting_failure: str) -> dict[str, object]:
    start, required, wait_exit, loading, running_failure = row
    return {
        "identifiers": ["*"],
        "start_sequence": start,
        "stop_sequence": start,
        "required": required,
        "wait_exit": wait_exit,
        "expected_loading": loading,
        "starting_failure_strategy": starting_failure,
        "running_failure_strategy": running_failure,
    }


@pytest.mark.parametrize("process", sorted(SRV_TABLE))
def test_scenario2_srv_programs(scenario2: Rules, process: str) -> None:
    rules = scenario2.program_rules("scen2_srv_01", process)
    assert rules.as_dict() == _expected(SRV_TABLE[process], "STOP")


@pytest.mark.parametrize("process", sorted(HCI_TABLE))
def test_scenario2_hci_programs(scenario2: Rules, process: str) -> None:
    rules = scenario2.program_rules("scen2_hci_02", process)
    assert rules.as_dict() == _expected(HCI_TABLE[process], "CONTINUE")


def test_scenario2_application_loads(scenario2: Rules) -> None:
    # Req 5 and Req 13 rely on these totals
    srv = sum(scenario2.program_rules("scen2_srv_01", p).expected_loading for p in SRV_TABLE)
    hci = sum(scenario2.program_rules("scen2_hci_02", p).expected_loading for p in HCI_TABLE)
    assert (srv, hci) == (42, 26)


def test_scenario2_common_data_bus_is_unmanaged(scenario2: Rules) -> None:
    assert scenario2.application_rules("common_data_bus") is None
    rules = scenario2.program_rules("common_data_bus", "common_data_bus")
    assert rules.as_dict() == _expected((0, False, False, 0, "CONTINUE"), "ABORT")


def test_section8_example() -> None:
    rules = load_rules([str(EXAMPLE)])
    assert rules.warnings == []
    assert dict(rules.aliases) == {
        "front": ("web_1", "web_2"),
        "anywhere": ("web_1", "web_2", "backend"),
    }
    shop = rules.application_rules("shop")
    assert shop is not None
    assert (shop.start_sequence, shop.starting_failure_strategy.name) == (1, "STOP")
    assert rules.program_rules("shop", "http_proxy").as_dict() == {
        "identifiers": ["web_1", "web_2"],
        "start_sequence": 2,
        "stop_sequence": 2,
        "required": True,
        "wait_exit": False,
        "expected_loading": 15,
        "starting_failure_strategy": "STOP",
        "running_failure_strategy": "RESTART_PROCESS",
    }
    worker = rules.program_rules("shop", "worker_3")
    assert worker.identifiers == ("#", "backend")
    assert (worker.start_sequence, worker.required, worker.expected_loading) == (2, True, 15)
    assert rules.program_rules("shop", "worker_x").expected_loading == 0  # '$' anchors
    migrate = rules.program_rules("shop", "db_migrate")
    assert (migrate.start_sequence, migrate.required, migrate.wait_exit) == (1, True, True)
    report = rules.application_rules("report_2")
    assert report is not None
    assert report.distribution.name == "SINGLE_INSTANCE"
    assert report.identifiers == ("#", "web_1", "web_2", "backend")
    assert report.operational_status is not None
    assert report.as_dict()["status_formula"] == "'collector' and any('render_.*')"
    formula = report.operational_status
    assert formula.evaluate({"collector": True, "render_1": False, "render_2": True})
    assert not formula.evaluate({"collector": False, "render_1": True})
    assert not formula.evaluate({"collector": True, "render_1": False})
    assert rules.application_rules("report_x") is None
