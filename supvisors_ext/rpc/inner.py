"""`get_inner_process_info`, `get_all_inner_process_info`: the records this instance holds of
the processes of other instances (docs/api.md), for debugging; main thread, no I/O."""

from __future__ import annotations

from typing import Any

from supvisors_ext.cluster.context import Context, InstanceRecord, ProcessRecord
from supvisors_ext.faults import Faults, fault
from supvisors_ext.rpc.base import Guards

Payload = dict[str, Any]


class InnerProcessView:
    """The local process info records received from each instance, as this instance holds them."""

    def __init__(self, guards: Guards, context: Context) -> None:
        self.guards = guards
        self.context = context

    def all_inner_process_info(self, identifier: object) -> list[Payload]:
        return self.all_on(self.guards.instances(identifier))

    def inner_process_info(self, identifier: object, namespec: object) -> list[Payload]:
        instances = self.guards.instances(identifier)
        return self.some_on(instances, self.guards.processes(namespec))

    def all_on(self, instances: list[InstanceRecord]) -> list[Payload]:
        records = sorted(self.context.iter_processes(), key=lambda r: (r.group, r.name))
        return [
            payload
            for instance in instances
            for record in records
            for payload in self._held(record, instance.identifier)
        ]

    def some_on(
        self, instances: list[InstanceRecord], records: list[ProcessRecord]
    ) -> list[Payload]:
        """FAILED when one named process is not configured on one of the instances."""
        payloads: list[Payload] = []
        for instance in instances:
            for record in records:
                held = self._held(record, instance.identifier)
                if not held and len(records) == 1:
                    raise fault(
                        Faults.FAILED, f"{record.namespec} unknown on {instance.identifier}"
                    )
                payloads += held
        return payloads

    @staticmethod
    def _held(record: ProcessRecord, identifier: str) -> list[Payload]:
        observation = record.observations.get(identifier)
        if observation is None:
            return []
        payload = observation.info.to_payload()
        payload.update(identifier=identifier, received_monotonic=observation.received)
        return [payload]
