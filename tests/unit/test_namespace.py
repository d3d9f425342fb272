"""The composed `supvisors` namespace: its public methods are the API of docs/api.md, each with a
docstring supervisor's `system.methodSignature` can read."""

from __future__ import annotations

import inspect

from supervisor.xmlrpc import gettags

from supvisors_ext.rpc.namespace import SupvisorsNamespace
from tests.api_methods import documented_methods


def public_methods() -> dict[str, object]:
    """What supervisor publishes: the public callables of the class body."""
    return {
        name: member
        for name, member in vars(SupvisorsNamespace).items()
        if callable(member) and not name.startswith("_")
    }


def test_the_documented_list_is_parsed() -> None:
    methods = documented_methods()
    assert {"supvisors.get_api_version", "supvisors.signal_collection"} <= methods
    assert {"supvisors.restart", "supvisors.shutdown", "supvisors.release_start"} <= methods
    assert len(methods) == 48


def test_the_class_body_is_the_documented_api() -> None:
    assert {f"supvisors.{name}" for name in public_methods()} == documented_methods()


def test_every_method_documents_its_parameters_and_result() -> None:
    for name, method in public_methods().items():
        tags = gettags(inspect.getdoc(method) or "")
        params = [tag for _, tag, *_ in tags if tag == "param"]
        returns = [tag for _, tag, *_ in tags if tag == "return"]
        arguments = list(inspect.signature(method).parameters)[1:]  # type: ignore[arg-type]
        assert len(params) == len(arguments), name
        assert len(returns) == 1, name
