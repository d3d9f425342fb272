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
from supvisors_ext.model import SupvisorsStates
from supvisors_ext.rpc.base import rpc_method
from supvisors_ext.rpc.cluster import ClusterHandler
from supvisors_ext.rpc.collections import CollectionHandler
from supvisors_ext.rpc.control import ApplicationHandler
from supvisors_ext.rpc.inner import InnerProcessView
from supvisors_ext.rpc.numprocs import NumprocsUpdate
from supvisors_ext.rpc.predictions import PredictionHandler
from supvisors_ext.rpc.processes import ProcessHandler
from supvisors_ext.rpc.programs import ProgramSwitch
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

    # ----- status
    @rpc_method
    def get_api_version(self) -> str:
        """Return the version of the Supvisors API implemented here (not the plugin's version).

        @return string version
        """
        return self._status.api_version()

    @rpc_method
    def get_supvisors_state(self) -> Payload:
        """Return the local state and modes of Supvisors.

        @return struct state, modes, master and instance states
        """
        return self._status.supvisors_state()

    @rpc_method
    def get_master_identifier(self) -> dict[str, str]:
        """Return the identifier and nick of the Master, or an empty struct when there is none.

        @return struct identifier and nick_identifier
        """
        return self._status.master_identifier()

    @rpc_method
    def get_core_identifiers(self) -> list[dict[str, str]]:
        """Return the instances designated by core_identifiers (names, nicks or stereotypes).

        @return array structs of identifier and nick_identifier
        """
        return self._status.core_identifiers()

    @rpc_method
    def get_strategies(self) -> dict[str, object]:
        """Return the cluster-wide strategies of this instance.

        @return struct auto-fencing, conciliation, starting and supvisors_failure strategies
        """
        return self._status.strategies()

    @rpc_method
    def get_all_instances_info(self) -> list[Payload]:
        """Return information about every instance, sorted by identifier.

        @return array instance info structs
        """
        return self._status.all_instances_info()

    @rpc_method
    def get_instance_info(self, identifier: str) -> list[Payload]:
        """Return information about the instances designated by an identifier, nick or stereotype.

        @param string identifier an identifier, a nick or a stereotype
        @return array instance info structs
        """
        return self._status.instance_info(identifier)

    @rpc_method
    def get_all_applications_info(self) -> list[Payload]:
        """Return the state and operational status of every application, sorted by name.

        @return array application info structs
        """
        return self._status.all_applications_info()

    @rpc_method
    def get_application_info(self, application_name: str) -> Payload:
        """Return the state and operational status of one application.

        @param string application_name the application (group) name
        @return struct application info
        """
        return self._status.application_info(application_name)

    @rpc_method
    def get_application_rules(self, application_name: str) -> Payload:
        """Return the rules of one application.

        @param string application_name the application (group) name
        @return struct application rules
        """
        return self._status.application_rules(application_name)

    @rpc_method
    def get_all_process_info(self) -> list[Payload]:
        """Return the synthesized status of every process of the cluster, sorted by namespec.

        @return array process info structs
        """
        return self._status.all_process_info()

    @rpc_method
    def get_process_info(self, namespec: str) -> list[Payload]:
        """Return the synthesized status of one process, or of every process of group:*.

        @param string namespec group:name, group:* or name
        @return array process info structs
        """
        return self._status.process_info(namespec)

    @rpc_method
    def get_all_local_process_info(self) -> list[Payload]:
        """Return supervisord's information on every process of this instance, sorted by namespec.

        @return array local process info structs
        """
        return self._status.all_local_process_info()

    @rpc_method
    def get_local_process_info(self, namespec: str) -> Payload:
        """Return supervisord's information on one process of this instance.

        @param string namespec group:name or name
        @return struct local process info
        """
        return self._status.local_process_info(namespec)

    @rpc_method
    def get_process_rules(self, namespec: str) -> list[Payload]:
        """Return the rules of one process, or of every process of group:*.

        @param string namespec group:name, group:* or name
        @return array process rules structs
        """
        return self._status.process_rules(namespec)

    @rpc_method
    def get_all_inner_process_info(self, identifier: str) -> list[Payload]:
        """Return the records this instance holds of every process of the designated instances.

        @param string identifier an identifier, a nick or a stereotype
        @return array local process info structs, with the identifier they come from
        """
        return self._inner.all_inner_process_info(identifier)

    @rpc_method
    def get_inner_process_info(self, identifier: str, namespec: str) -> list[Payload]:
        """Return the records this instance holds of one process (or group:*) on some instances.

        @param string identifier an identifier, a nick or a stereotype
        @param string namespec group:name, group:* or name
        @return array local process info structs, with the identifier they come from
        """
        return self._inner.inner_process_info(identifier, namespec)

    @rpc_method
    def get_conflicts(self) -> list[Payload]:
        """Return the managed processes running on more than one instance, sorted by namespec.

        @return array process info structs
        """
        return self._status.conflicts()

    # ----- cluster
    @rpc_method
    def get_all_instances_state_modes(self) -> list[Payload]:
        """Return the state & modes last published by every instance, sorted by identifier.

        @return array state & modes structs
        """
        return self._cluster.all_instances_state_modes()

    @rpc_method
    def get_instance_state_modes(self, identifier: str) -> list[Payload]:
        """Return the state & modes last published by the designated instances.

        @param string identifier an identifier, a nick or a stereotype
        @return array state & modes structs
        """
        return self._cluster.instance_state_modes(identifier)

    @rpc_method
    def get_network_info(self, identifier: str) -> list[Payload]:
        """Return the network facts of the designated instances (peers read them at handshake).

        @param string identifier an identifier, a nick or a stereotype
        @return array network info structs
        """
        return self._cluster.network_info(identifier)

    @rpc_method
    def change_log_level(self, level_param: Any) -> bool:
        """Change the level of the plugin's logger (and supervisord's when logfile is AUTO).

        @param string level_param a level name (critical ... blather) or its code
        @return boolean always True
        """
        return self._cluster.change_log_level(level_param)

    @rpc_method
    def conciliate(self, strategy: Any) -> bool:
        """Apply a conciliation strategy once to every conflict
        (docs/design/failures.md#conciliation).

        @param string strategy a conciliation strategy name or code
        @return boolean True, or False for USER (nothing done)
        """
        return self._cluster.conciliate(strategy)

    @rpc_method
    def end_sync(self, master: str = "") -> bool:
        """End the synchronization phase now, with the given Master or by election.

        @param string master an identifier or nick, or '' for an election
        @return boolean always True
        """
        return self._cluster.end_sync(master)

    @rpc_method
    def restart(self) -> bool:
        """Stop every application, then restart every supervisord of the cluster.

        @return boolean always True
        """
        return self._cluster.stop_cluster(SupvisorsStates.RESTARTING, "restart")

    @rpc_method
    def shutdown(self) -> bool:
        """Stop every application, then shut down every supervisord of the cluster.

        @return boolean always True
        """
        return self._cluster.stop_cluster(SupvisorsStates.SHUTTING_DOWN, "shutdown")

    # ----- applications
    @rpc_method
    def start_application(self, strategy: Any, application_name: str, wait: bool = True) -> Any:
        """Start a managed application where its rules and the strategy allow.

        @param string strategy a starting strategy name or code
        @param string application_name the application (group) name
        @param boolean wait wait until the start job has ended
        @return boolean True
        """
        return self._applications.start_application(strategy, application_name, wait)

    @rpc_method
    def stop_application(self, application_name: str, wait: bool = True) -> Any:
        """Stop every process of a managed application wherever it runs, by stop stages.

        @param string application_name the application (group) name
        @param boolean wait wait until the application is stopped
        @return boolean True
        """
        return self._applications.stop_application(application_name, wait)

    @rpc_method
    def restart_application(self, strategy: Any, application_name: str, wait: bool = True) -> Any:
        """Stop a managed application (if anything runs), then start it with the strategy.

        @param string strategy a starting strategy name or code
        @param string application_name the application (group) name
        @param boolean wait wait until the start job has ended
        @return boolean True
        """
        return self._applications.restart_application(strategy, application_name, wait)

    @rpc_method
    def start_args(self, namespec: str, extra_args: str = "", wait: bool = True) -> Any:
        """Start a process on THIS instance with extra arguments appended to its command.

        @param string namespec group:name or name
        @param string extra_args arguments appended for this start
        @param boolean wait wait until the process is RUNNING
        @return boolean True
        """
        return self._applications.start_args(namespec, extra_args, wait)

    @rpc_method
    def test_start_application(self, strategy: Any, application_name: str) -> list[Payload]:
        """Predict where a start of a managed application would place its processes.

        @param string strategy a starting strategy name or code
        @param string application_name the application (group) name
        @return array predictions: application_name, process_name, state, forced_reason,
            running_identifiers; nothing is started
        """
        return self._predictions.test_start_application(strategy, application_name)

    # ----- processes
    @rpc_method
    def start_process(
        self, strategy: Any, namespec: str, extra_args: str = "", wait: bool = True
    ) -> Any:
        """Start one process, or every process of group:*, where the strategy and rules allow.

        @param string strategy a starting strategy name or code
        @param string namespec group:name, group:* or name
        @param string extra_args arguments appended to the command for this start
        @param boolean wait wait until the processes are RUNNING
        @return boolean True
        """
        return self._processes.start_process(strategy, namespec, extra_args, wait)

    @rpc_method
    def stop_process(self, namespec: str, wait: bool = True) -> Any:
        """Stop one process, or every process of group:*, wherever it runs.

        @param string namespec group:name, group:* or name
        @param boolean wait wait until the processes are stopped
        @return boolean True
        """
        return self._processes.stop_process(namespec, wait)

    @rpc_method
    def restart_process(
        self, strategy: Any, namespec: str, extra_args: str = "", wait: bool = True
    ) -> Any:
        """Stop a process (if running), then start it again; placement is evaluated again.

        @param string strategy a starting strategy name or code
        @param string namespec group:name, group:* or name
        @param string extra_args arguments appended to the command for this start
        @param boolean wait wait until the processes are RUNNING
        @return boolean True
        """
        return self._processes.restart_process(strategy, namespec, extra_args, wait)

    @rpc_method
    def test_start_process(self, strategy: Any, namespec: str) -> list[Payload]:
        """Predict where a start of one process (or of group:*) would place it.

        @param string strategy a starting strategy name or code
        @param string namespec group:name, group:* or name
        @return array predictions: application_name, process_name, state, forced_reason,
            running_identifiers; nothing is started
        """
        return self._predictions.test_start_process(strategy, namespec)

    @rpc_method
    def start_any_process(
        self, strategy: Any, regex: str, extra_args: str = "", wait: bool = True
    ) -> Any:
        """Start one stopped process whose namespec matches the regex, where the strategy allows.

        @param string strategy a starting strategy name or code
        @param string regex a regular expression searched in the namespecs
        @param string extra_args arguments appended to the command for this start
        @param boolean wait wait until the process is RUNNING
        @return string the namespec of the process started
        """
        return self._predictions.start_any_process(strategy, regex, extra_args, wait)

    @rpc_method
    def update_numprocs(
        self, program_name: str, numprocs: int, wait: bool = True, lazy: bool = False
    ) -> Any:
        """Change the numprocs of a program on every instance where it is configured.

        @param string program_name the program name ([program:x] section)
        @param int numprocs the new number of processes (> 0)
        @param boolean wait wait until the processes in excess are removed here and every
            peer has answered
        @param boolean lazy processes in excess are removed once they stop by themselves
        @return boolean always True unless error
        """
        return self._numprocs.update_numprocs(program_name, numprocs, wait, lazy)

    @rpc_method
    def enable(self, program_name: str, wait: bool = True) -> Any:
        """Enable a program on this instance: its processes may be started again.

        @param string program_name the program name ([program:x] section)
        @param boolean wait kept for Supvisors compatibility (enabling is immediate)
        @return boolean always True unless error
        """
        return self._programs.enable(program_name, wait)

    @rpc_method
    def disable(self, program_name: str, wait: bool = True) -> Any:
        """Disable a program on this instance: stop its processes and never spawn them again.

        @param string program_name the program name ([program:x] section)
        @param boolean wait wait until its processes are stopped
        @return boolean always True unless error
        """
        return self._programs.disable(program_name, wait)

    @rpc_method
    def restart_sequence(self, wait: bool = True) -> Any:
        """Run the automatic start of applications again (those never started or failed).

        @param boolean wait wait until every start has ended
        @return boolean True
        """
        return self._processes.restart_sequence(wait)

    @rpc_method
    def admit_start(self, key: str, requester: str, repair: bool = False) -> str:
        """Used between peers: the Master grants (returns '') or refuses (returns why) a start.

        @param string key an application name or a namespec
        @param string requester the identifier of the instance that will drive the start
        @param boolean repair an automatic start completing a partly running application, or
            the start half of a restart whose stop the requester saw end (our view may lag):
            judged from grants and start jobs only
        @return string '' when granted, else the reason of the refusal
        """
        return self._processes.admit_start(key, requester, repair)

    @rpc_method
    def release_start(self, key: str, requester: str) -> bool:
        """Used between peers: the requester's start job has ended, its grant is released.

        @param string key the application name or namespec that was granted
        @param string requester the identifier of the instance that held the grant
        @return boolean True if a grant was released
        """
        return self._processes.release_start(key, requester)

    @rpc_method
    def apply_numprocs(
        self, program_name: str, numprocs: int, wait: bool = True, lazy: bool = False
    ) -> Any:
        """Used between peers: apply update_numprocs on this instance only.

        @param string program_name the program name ([program:x] section)
        @param int numprocs the new number of processes (> 0)
        @param boolean wait wait until the processes in excess are stopped and removed
        @param boolean lazy processes in excess are removed once they stop by themselves
        @return boolean always True unless error
        """
        return self._numprocs.apply_numprocs(program_name, numprocs, wait, lazy)

    # ----- collections
    @rpc_method
    def list_collections(self) -> list[dict[str, object]]:
        """The collections of this instance's configuration, by (priority, name).

        @return array list of {name, priority, program_names, group_names}
        """
        return self._collections.list_collections()

    @rpc_method
    def get_collection_process_info(self, collection_name: str) -> list[Payload]:
        """Process info of every member of a collection, in member order.

        @param string collection_name the collection name
        @return array list of process info
        """
        return self._collections.collection_process_info(collection_name)

    @rpc_method
    def start_collection(self, collection_name: str, wait: bool = True) -> Any:
        """Start every member that is not running, each with its application's strategy.

        @param string collection_name the collection name
        @param boolean wait wait until every start has ended
        @return array one member result per member started
        """
        return self._collections.start_collection(collection_name, wait)

    @rpc_method
    def stop_collection(self, collection_name: str, wait: bool = True) -> Any:
        """Stop every running member wherever it runs.

        @param string collection_name the collection name
        @param boolean wait wait until every member is stopped
        @return array one member result per member stopped
        """
        return self._collections.stop_collection(collection_name, wait)

    @rpc_method
    def signal_collection(self, collection_name: str, signal: Any) -> Any:
        """Send a signal to every member in STARTING/RUNNING/STOPPING, wherever it is so.

        @param string collection_name the collection name
        @param string signal a signal name (HUP, SIGHUP) or number
        @return array one member result per member signalled
        """
        return self._collections.signal_collection(collection_name, signal)
