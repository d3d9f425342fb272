"""Scenario 2 facts shared by unit and integration tests (docs/scenario2.md)."""

from __future__ import annotations

from pathlib import Path

RULES_FILE = (
    Path(__file__).resolve().parents[1] / "examples" / "scenario2" / "etc" / "supvisors_rules.xml"
)

SERVER_PROGRAMS = (
    "scen2_internal_data_bus",
    "scen2_check_internal_data_bus",
    "scen2_config_manager",
    "scen2_data_processing",
    "scen2_sensor_acquisition",
    "scen2_check_common_data_bus",
    "scen2_common_bus_interface",
)
CONSOLE_PROGRAMS = (
    "scen2_internal_data_bus",
    "scen2_check_internal_data_bus",
    "scen2_chart_view",
    "scen2_sensor_control",
    "scen2_sensor_view",
)

# resolved rules: program -> (start, required, wait_exit, load, running failure)
SRV_TABLE = {
    "scen2_internal_data_bus": (1, True, False, 2, "RESTART_APPLICATION"),
    "scen2_check_internal_data_bus": (2, True, True, 0, "CONTINUE"),
    "scen2_config_manager": (3, True, False, 10, "CONTINUE"),
    "scen2_data_processing": (3, True, False, 10, "CONTINUE"),
    "scen2_sensor_acquisition": (3, True, False, 10, "CONTINUE"),
    "scen2_check_common_data_bus": (3, True, True, 0, "CONTINUE"),
    "scen2_common_bus_interface": (4, True, False, 10, "CONTINUE"),
}
HCI_TABLE = {
    "scen2_internal_data_bus": (1, True, False, 2, "STOP_APPLICATION"),
    "scen2_check_internal_data_bus": (2, True, True, 0, "CONTINUE"),
    "scen2_chart_view": (3, False, False, 8, "CONTINUE"),
    "scen2_sensor_control": (3, False, False, 8, "CONTINUE"),
    "scen2_sensor_view": (3, False, False, 8, "CONTINUE"),
}
