"""`get_all_inner_process_info` and `get_inner_process_info`: what this instance knows of the
processes of one instance, as that instance reported them (xmlrpc-api.md §5); main thread.

The dashboard reads pid and start time of processes on other instances from here, without a
call to them.
"""

from __future__ import annotations

from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.faults import Faults, fault
from supvisors_ext.model import split_namespec
from supvisors_ext.rpc.base import QUERY, NamespaceBase, rpc_method, string_arg


class InnerProcessViews:
    """Local process infos of one instance, from the context (no I/O)."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def identifier_of(self, name: str) -> str:
        records = self.context.find_instances(name)
        if len(records) != 1:
            what = "no instance" if not records else "more than one instance"
            raise fault(Faults.BAD_NAME, f"{what} named {name!r}")
        return records[0].identifier

    def all_on(self, identifier: str) -> list[dict[str, Any]]:
        infos = []
        for record in self.context.iter_processes():
            info = record.info_on(identifier)
            if info is not None:
                infos.append(info)
        return [info.to_payload() for info in sorted(infos, key=lambda i: (i.group, i.name))]

    def one_on(self, identifier: str, namespec: str) -> dict[str, Any]:
        group, name = split_namespec(namespec)
        record = self.context.find_process(group, name) if name is not None else None
        info = record.info_on(identifier) if record is not None else None
        if info is None:
            raise fault(Faults.BAD_NAME, f"no process {namespec!r} known on {identifier!r}")
        return info.to_payload()


class InnerMethods(NamespaceBase):
    """Thin namespace methods over `InnerProcessViews`."""

    @rpc_method
    def get_all_inner_process_info(self, identifier: str) -> list[dict[str, Any]]:
        """Return what this instance knows of every process of one instance, sorted by namespec.

        @param string identifier the identifier or nick of the instance
        @return array local process info structs, as that instance reported them
        """
        self._check_state(QUERY)
        views = InnerProcessViews(self.plugin.context)
        return views.all_on(views.identifier_of(string_arg(identifier, "identifier")))

    @rpc_method
    def get_inner_process_info(self, identifier: str, namespec: str) -> dict[str, Any]:
        """Return what this instance knows of one process of one instance.

        @param string identifier the identifier or nick of the instance
        @param string namespec group:name or name
        @return struct local process info, as that instance reported it
        """
        self._check_state(QUERY)
        views = InnerProcessViews(self.plugin.context)
        found = views.identifier_of(string_arg(identifier, "identifier"))
        return views.one_on(found, string_arg(namespec, "namespec"))
