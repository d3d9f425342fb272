"""The `supvisors` XML-RPC methods of application and process control.

Each function is a method of `SupvisorsNamespace` (rpc/namespace.py names them in its class
body, so supervisor lists them): a documented delegation to one handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from supvisors_ext.rpc.base import rpc_method

if TYPE_CHECKING:
    from supvisors_ext.rpc.namespace import SupvisorsNamespace

Payload = dict[str, Any]


@rpc_method
def start_application(
    self: SupvisorsNamespace, strategy: Any, application_name: str, wait: bool = True
) -> Any:
    """Start a managed application where its rules and the strategy allow.

    @param string strategy a starting strategy name or code
    @param string application_name the application (group) name
    @param boolean wait wait until the start job has ended
    @return boolean True
    """
    return self._applications.start_application(strategy, application_name, wait)


@rpc_method
def stop_application(self: SupvisorsNamespace, application_name: str, wait: bool = True) -> Any:
    """Stop every process of a managed application wherever it runs, by stop stages.

    @param string application_name the application (group) name
    @param boolean wait wait until the application is stopped
    @return boolean True
    """
    return self._applications.stop_application(application_name, wait)


@rpc_method
def restart_application(
    self: SupvisorsNamespace, strategy: Any, application_name: str, wait: bool = True
) -> Any:
    """Stop a managed application (if anything runs), then start it with the strategy.

    @param string strategy a starting strategy name or code
    @param string application_name the application (group) name
    @param boolean wait wait until the start job has ended
    @return boolean True
    """
    return self._applications.restart_application(strategy, application_name, wait)


@rpc_method
def start_args(
    self: SupvisorsNamespace, namespec: str, extra_args: str = "", wait: bool = True
) -> Any:
    """Start a process on THIS instance with extra arguments appended to its command.

    @param string namespec group:name or name
    @param string extra_args arguments appended for this start
    @param boolean wait wait until the process is RUNNING
    @return boolean True
    """
    return self._applications.start_args(namespec, extra_args, wait)


@rpc_method
def test_start_application(
    self: SupvisorsNamespace, strategy: Any, application_name: str
) -> list[Payload]:
    """Predict where a start of a managed application would place its processes.

    @param string strategy a starting strategy name or code
    @param string application_name the application (group) name
    @return array predictions: application_name, process_name, state, forced_reason,
        running_identifiers; nothing is started
    """
    return self._predictions.test_start_application(strategy, application_name)


@rpc_method
def start_process(
    self: SupvisorsNamespace, strategy: Any, namespec: str, extra_args: str = "", wait: bool = True
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
def stop_process(self: SupvisorsNamespace, namespec: str, wait: bool = True) -> Any:
    """Stop one process, or every process of group:*, wherever it runs.

    @param string namespec group:name, group:* or name
    @param boolean wait wait until the processes are stopped
    @return boolean True
    """
    return self._processes.stop_process(namespec, wait)


@rpc_method
def restart_process(
    self: SupvisorsNamespace, strategy: Any, namespec: str, extra_args: str = "", wait: bool = True
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
def test_start_process(self: SupvisorsNamespace, strategy: Any, namespec: str) -> list[Payload]:
    """Predict where a start of one process (or of group:*) would place it.

    @param string strategy a starting strategy name or code
    @param string namespec group:name, group:* or name
    @return array predictions: application_name, process_name, state, forced_reason,
        running_identifiers; nothing is started
    """
    return self._predictions.test_start_process(strategy, namespec)


@rpc_method
def start_any_process(
    self: SupvisorsNamespace, strategy: Any, regex: str, extra_args: str = "", wait: bool = True
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
    self: SupvisorsNamespace,
    program_name: str,
    numprocs: int,
    wait: bool = True,
    lazy: bool = False,
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
def enable(self: SupvisorsNamespace, program_name: str, wait: bool = True) -> Any:
    """Enable a program on this instance: its processes may be started again.

    @param string program_name the program name ([program:x] section)
    @param boolean wait kept for Supvisors compatibility (enabling is immediate)
    @return boolean always True unless error
    """
    return self._programs.enable(program_name, wait)


@rpc_method
def disable(self: SupvisorsNamespace, program_name: str, wait: bool = True) -> Any:
    """Disable a program on this instance: stop its processes and never spawn them again.

    @param string program_name the program name ([program:x] section)
    @param boolean wait wait until its processes are stopped
    @return boolean always True unless error
    """
    return self._programs.disable(program_name, wait)


@rpc_method
def restart_sequence(self: SupvisorsNamespace, wait: bool = True) -> Any:
    """Run the automatic start of applications again (those never started or failed).

    @param boolean wait wait until every start has ended
    @return boolean True
    """
    return self._processes.restart_sequence(wait)


@rpc_method
def admit_start(self: SupvisorsNamespace, key: str, requester: str, repair: bool = False) -> str:
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
def release_start(self: SupvisorsNamespace, key: str, requester: str) -> bool:
    """Used between peers: the requester's start job has ended, its grant is released.

    @param string key the application name or namespec that was granted
    @param string requester the identifier of the instance that held the grant
    @return boolean True if a grant was released
    """
    return self._processes.release_start(key, requester)


@rpc_method
def apply_numprocs(
    self: SupvisorsNamespace,
    program_name: str,
    numprocs: int,
    wait: bool = True,
    lazy: bool = False,
) -> Any:
    """Used between peers: apply update_numprocs on this instance only.

    @param string program_name the program name ([program:x] section)
    @param int numprocs the new number of processes (> 0)
    @param boolean wait wait until the processes in excess are stopped and removed
    @param boolean lazy processes in excess are removed once they stop by themselves
    @return boolean always True unless error
    """
    return self._numprocs.apply_numprocs(program_name, numprocs, wait, lazy)
