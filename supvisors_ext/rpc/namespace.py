"""The `supvisors` XML-RPC namespace: one explicit class whose public methods are the API.

Every method is a thin, documented delegation to a handler (status, cluster, applications,
processes, collections); handlers receive their collaborators in their constructor
(`rpcinterface.py` builds them). supervisor publishes the public callables of the class body
(`supervisor/xmlrpc.py` `SystemNamespaceRPCInterface._listMethods`) and reads their docstrings
for `system.methodHelp` and `system.methodSignature` (`@param type name`, `@return type`).
docs/api.md lists the same methods; a test compares both lists.
"""

from __future__ import annotations

from typing import Any

from supvisors_ext.host.log import PluginLogger
from supvisors_ext.rpc import api_cluster, api_collections, api_control, api_statistics, api_status
from supvisors_ext.rpc.cluster import ClusterHandler
from supvisors_ext.rpc.collections import CollectionHandler
from supvisors_ext.rpc.control import ApplicationHandler
from supvisors_ext.rpc.inner import InnerProcessView
from supvisors_ext.rpc.numprocs import NumprocsUpdate
from supvisors_ext.rpc.predictions import PredictionHandler
from supvisors_ext.rpc.processes import ProcessHandler
from supvisors_ext.rpc.programs import ProgramSwitch
from supvisors_ext.rpc.statistics import StatisticsHandler
from supvisors_ext.rpc.status import StatusHandler

Payload = dict[str, Any]


class SupvisorsNamespace:
    """The `supvisors` namespace (docs/api.md)."""

    def __init__(
        self,
        logger: PluginLogger,
        status: StatusHandler,
        cluster: ClusterHandler,
        applications: ApplicationHandler,
        processes: ProcessHandler,
        collections: CollectionHandler,
        predictions: PredictionHandler,
        programs: ProgramSwitch,
        numprocs: NumprocsUpdate,
        inner: InnerProcessView,
        statistics: StatisticsHandler,
    ) -> None:
        self._logger = logger
        self._status = status
        self._cluster = cluster
        self._applications = applications
        self._processes = processes
        self._collections = collections
        self._predictions = predictions
        self._programs = programs
        self._numprocs = numprocs
        self._inner = inner
        self._statistics = statistics

    # ----- status
    get_api_version = api_status.get_api_version
    get_supvisors_state = api_status.get_supvisors_state
    get_master_identifier = api_status.get_master_identifier
    get_core_identifiers = api_status.get_core_identifiers
    get_strategies = api_status.get_strategies
    get_all_instances_info = api_status.get_all_instances_info
    get_instance_info = api_status.get_instance_info
    get_all_applications_info = api_status.get_all_applications_info
    get_application_info = api_status.get_application_info
    get_application_rules = api_status.get_application_rules
    get_all_process_info = api_status.get_all_process_info
    get_process_info = api_status.get_process_info
    get_all_local_process_info = api_status.get_all_local_process_info
    get_local_process_info = api_status.get_local_process_info
    get_process_rules = api_status.get_process_rules
    get_all_inner_process_info = api_status.get_all_inner_process_info
    get_inner_process_info = api_status.get_inner_process_info
    get_conflicts = api_status.get_conflicts

    # ----- cluster
    get_all_instances_state_modes = api_cluster.get_all_instances_state_modes
    get_instance_state_modes = api_cluster.get_instance_state_modes
    get_network_info = api_cluster.get_network_info
    change_log_level = api_cluster.change_log_level
    conciliate = api_cluster.conciliate
    end_sync = api_cluster.end_sync
    restart = api_cluster.restart
    shutdown = api_cluster.shutdown

    # ----- applications
    start_application = api_control.start_application
    stop_application = api_control.stop_application
    restart_application = api_control.restart_application
    start_args = api_control.start_args
    test_start_application = api_control.test_start_application

    # ----- processes
    start_process = api_control.start_process
    stop_process = api_control.stop_process
    restart_process = api_control.restart_process
    test_start_process = api_control.test_start_process
    start_any_process = api_control.start_any_process
    update_numprocs = api_control.update_numprocs
    enable = api_control.enable
    disable = api_control.disable
    restart_sequence = api_control.restart_sequence
    admit_start = api_control.admit_start
    release_start = api_control.release_start
    apply_numprocs = api_control.apply_numprocs

    # ----- collections
    list_collections = api_collections.list_collections
    get_collection_process_info = api_collections.get_collection_process_info
    start_collection = api_collections.start_collection
    stop_collection = api_collections.stop_collection
    signal_collection = api_collections.signal_collection

    # ----- statistics (docs/statistics.md)
    get_statistics_status = api_statistics.get_statistics_status
    enable_host_statistics = api_statistics.enable_host_statistics
    enable_process_statistics = api_statistics.enable_process_statistics
    update_collecting_period = api_statistics.update_collecting_period
    get_host_statistics = api_statistics.get_host_statistics
    get_process_statistics = api_statistics.get_process_statistics
