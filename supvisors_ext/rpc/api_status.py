"""The `supvisors` XML-RPC methods of status and rules.

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
def get_api_version(self: SupvisorsNamespace) -> str:
    """Return the version of the Supvisors API implemented here (not the plugin's version).

    @return string version
    """
    return self._status.api_version()


@rpc_method
def get_supvisors_state(self: SupvisorsNamespace) -> Payload:
    """Return the local state and modes of Supvisors.

    @return struct state, modes, master and instance states
    """
    return self._status.supvisors_state()


@rpc_method
def get_master_identifier(self: SupvisorsNamespace) -> dict[str, str]:
    """Return the identifier and nick of the Master, or an empty struct when there is none.

    @return struct identifier and nick_identifier
    """
    return self._status.master_identifier()


@rpc_method
def get_core_identifiers(self: SupvisorsNamespace) -> list[dict[str, str]]:
    """Return the instances designated by core_identifiers (names, nicks or stereotypes).

    @return array structs of identifier and nick_identifier
    """
    return self._status.core_identifiers()


@rpc_method
def get_strategies(self: SupvisorsNamespace) -> dict[str, object]:
    """Return the cluster-wide strategies of this instance.

    @return struct auto-fencing, conciliation, starting and supvisors_failure strategies
    """
    return self._status.strategies()


@rpc_method
def get_all_instances_info(self: SupvisorsNamespace) -> list[Payload]:
    """Return information about every instance, sorted by identifier.

    @return array instance info structs
    """
    return self._status.all_instances_info()


@rpc_method
def get_instance_info(self: SupvisorsNamespace, identifier: str) -> list[Payload]:
    """Return information about the instances designated by an identifier, nick or stereotype.

    @param string identifier an identifier, a nick or a stereotype
    @return array instance info structs
    """
    return self._status.instance_info(identifier)


@rpc_method
def get_all_applications_info(self: SupvisorsNamespace) -> list[Payload]:
    """Return the state and operational status of every application, sorted by name.

    @return array application info structs
    """
    return self._status.all_applications_info()


@rpc_method
def get_application_info(self: SupvisorsNamespace, application_name: str) -> Payload:
    """Return the state and operational status of one application.

    @param string application_name the application (group) name
    @return struct application info
    """
    return self._status.application_info(application_name)


@rpc_method
def get_application_rules(self: SupvisorsNamespace, application_name: str) -> Payload:
    """Return the rules of one application.

    @param string application_name the application (group) name
    @return struct application rules
    """
    return self._status.application_rules(application_name)


@rpc_method
def get_all_process_info(self: SupvisorsNamespace) -> list[Payload]:
    """Return the synthesized status of every process of the cluster, sorted by namespec.

    @return array process info structs
    """
    return self._status.all_process_info()


@rpc_method
def get_process_info(self: SupvisorsNamespace, namespec: str) -> list[Payload]:
    """Return the synthesized status of one process, or of every process of group:*.

    @param string namespec group:name, group:* or name
    @return array process info structs
    """
    return self._status.process_info(namespec)


@rpc_method
def get_all_local_process_info(self: SupvisorsNamespace) -> list[Payload]:
    """Return supervisord's information on every process of this instance, sorted by namespec.

    @return array local process info structs
    """
    return self._status.all_local_process_info()


@rpc_method
def get_local_process_info(self: SupvisorsNamespace, namespec: str) -> Payload:
    """Return supervisord's information on one process of this instance.

    @param string namespec group:name or name
    @return struct local process info
    """
    return self._status.local_process_info(namespec)


@rpc_method
def get_process_rules(self: SupvisorsNamespace, namespec: str) -> list[Payload]:
    """Return the rules of one process, or of every process of group:*.

    @param string namespec group:name, group:* or name
    @return array process rules structs
    """
    return self._status.process_rules(namespec)


@rpc_method
def get_all_inner_process_info(self: SupvisorsNamespace, identifier: str) -> list[Payload]:
    """Return the records this instance holds of every process of the designated instances.

    @param string identifier an identifier, a nick or a stereotype
    @return array local process info structs, with the identifier they come from
    """
    return self._inner.all_inner_process_info(identifier)


@rpc_method
def get_inner_process_info(
    self: SupvisorsNamespace, identifier: str, namespec: str
) -> list[Payload]:
    """Return the records this instance holds of one process (or group:*) on some instances.

    @param string identifier an identifier, a nick or a stereotype
    @param string namespec group:name, group:* or name
    @return array local process info structs, with the identifier they come from
    """
    return self._inner.inner_process_info(identifier, namespec)


@rpc_method
def get_conflicts(self: SupvisorsNamespace) -> list[Payload]:
    """Return the managed processes running on more than one instance, sorted by namespec.

    @return array process info structs
    """
    return self._status.conflicts()
