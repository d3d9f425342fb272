"""`get_all_inner_process_info` and `get_inner_process_info` (docs/api.md): what this instance
knows of the processes of one instance, as that instance reported them; main thread, no I/O.

The dashboard reads pid and start time of processes on other instances from here, without a
call to them.
"""

from __future__ import annotations

from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.faults import Faults, fault
from supvisors_ext.model import split_namespec
from supvisors_ext.rpc.base import QUERY, Guards, string_arg

Payload = dict[str, Any]


class InnerProcessHandler:
    """Local process infos of one instance, read from the context."""

    def __init__(self, guards: Guards, context: Context) -> None:
        self.guards = guards
        self.context = context

    def _identifier(self, name: object) -> str:
        name = string_arg(name, "identifier")
        records = self.context.find_instances(name)
        if len(records) != 1:
            what = "no instance" if not records else "more than one instance"
            raise fault(Faults.BAD_NAME, f"{what} named {name!r}")
        return records[0].identifier

    def all_on(self, identifier: object) -> list[Payload]:
        self.guards.check_state(QUERY)
        found = self._identifier(identifier)
        infos = [r.info_on(found) for r in self.context.iter_processes()]
        known = sorted((i for i in infos if i is not None), key=lambda i: (i.group, i.name))
        return [info.to_payload() for info in known]

    def one_on(self, identifier: object, namespec: object) -> Payload:
        self.guards.check_state(QUERY)
        found = self._identifier(identifier)
        namespec = string_arg(namespec, "namespec")
        group, name = split_namespec(namespec)
        record = self.context.find_process(group, name) if name is not None else None
        info = record.info_on(found) if record is not None else None
        if info is None:
            raise fault(Faults.BAD_NAME, f"no process {namespec!r} known on {found!r}")
        return info.to_payload()
