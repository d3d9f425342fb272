"""Facts of Supvisors 0.19.1, the interface we implement, kept as test data.

Source: the `supvisors==0.19.1` distribution on PyPI, `supvisors/rpcinterface.py`, class
`RPCInterface`: every public method, in file order (the `logger` property excluded).
"""

from __future__ import annotations

SUPVISORS_VERSION = "0.19.1"

SUPVISORS_METHODS = (
    "get_api_version",
    "get_supvisors_state",
    "get_all_instances_state_modes",
    "get_instance_state_modes",
    "get_master_identifier",
    "get_core_identifiers",
    "get_strategies",
    "get_statistics_status",
    "get_network_info",
    "get_all_instances_info",
    "get_instance_info",
    "get_all_applications_info",
    "get_application_info",
    "get_application_rules",
    "get_all_process_info",
    "get_process_info",
    "get_all_local_process_info",
    "get_local_process_info",
    "get_all_inner_process_info",
    "get_inner_process_info",
    "get_process_rules",
    "get_conflicts",
    "start_application",
    "test_start_application",
    "stop_application",
    "restart_application",
    "start_args",
    "start_process",
    "test_start_process",
    "start_any_process",
    "stop_process",
    "restart_process",
    "update_numprocs",
    "enable",
    "disable",
    "conciliate",
    "restart_sequence",
    "restart",
    "shutdown",
    "end_sync",
    "change_log_level",
    "enable_host_statistics",
    "enable_process_statistics",
    "update_collecting_period",
    "get_logger_levels",
)

# a static helper of RPCInterface that supervisor's introspection lists by accident
ACCIDENTAL = frozenset({"get_logger_levels"})
# added by the statistics issue, which then removes this exemption
STATISTICS = frozenset(
    {
        "get_statistics_status",
        "enable_host_statistics",
        "enable_process_statistics",
        "update_collecting_period",
    }
)
