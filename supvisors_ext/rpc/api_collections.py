"""The `supvisors` XML-RPC methods of collections (docs/collections.md).

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
def list_collections(self: SupvisorsNamespace) -> list[dict[str, object]]:
    """The collections of this instance's configuration, by (priority, name).

    @return array list of {name, priority, program_names, group_names}
    """
    return self._collections.list_collections()


@rpc_method
def get_collection_process_info(self: SupvisorsNamespace, collection_name: str) -> list[Payload]:
    """Process info of every member of a collection, in member order.

    @param string collection_name the collection name
    @return array list of process info
    """
    return self._collections.collection_process_info(collection_name)


@rpc_method
def start_collection(self: SupvisorsNamespace, collection_name: str, wait: bool = True) -> Any:
    """Start every member that is not running, each with its application's strategy.

    @param string collection_name the collection name
    @param boolean wait wait until every start has ended
    @return array one member result per member started
    """
    return self._collections.start_collection(collection_name, wait)


@rpc_method
def stop_collection(self: SupvisorsNamespace, collection_name: str, wait: bool = True) -> Any:
    """Stop every running member wherever it runs.

    @param string collection_name the collection name
    @param boolean wait wait until every member is stopped
    @return array one member result per member stopped
    """
    return self._collections.stop_collection(collection_name, wait)


@rpc_method
def signal_collection(self: SupvisorsNamespace, collection_name: str, signal: Any) -> Any:
    """Send a signal to every member in STARTING/RUNNING/STOPPING, wherever it is so.

    @param string collection_name the collection name
    @param string signal a signal name (HUP, SIGHUP) or number
    @return array one member result per member signalled
    """
    return self._collections.signal_collection(collection_name, signal)
