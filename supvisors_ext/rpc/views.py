"""Build the XML-RPC dictionaries (docs/api.md) from the context; main thread, no I/O.

The typed records (state & modes, network info, process and instance records) become dicts
here only, at the XML-RPC edge.

XML-RPC cannot carry None nor ints >= 2**31, so every value here is a str, bool, int, float,
list or dict; absent values are '' or 0.
"""

from __future__ import annotations

import time
from typing import Any

from supvisors_ext.cluster.context import ApplicationRecord, Context, InstanceRecord, ProcessRecord
from supvisors_ext.messages import StateModes
from supvisors_ext.model import NetworkInfo, SupvisorsStates
from supvisors_ext.rules import Rules

# what we report for an instance that has published nothing yet
UNKNOWN_STATE_MODES = StateModes(SupvisorsStates.OFF, False, False, "", False, False, (), "", ())

Payload = dict[str, Any]


def instance_info(context: Context, record: InstanceRecord) -> Payload:
    tick = record.tick
    return {
        "identifier": record.identifier,
        "nick_identifier": record.id.nick,
        "node_name": record.id.host,
        "port": record.id.http_port,
        "statecode": int(record.state),
        "statename": record.state.name,
        "loading": context.loading(record.identifier),
        "process_failure": context.process_failure(record.identifier),
        "remote_sequence_counter": tick.remote_sequence_counter,
        "remote_mtime": tick.remote_mtime,
        "remote_time": tick.remote_time,
        "local_sequence_counter": tick.local_sequence_counter,
        "local_mtime": tick.local_mtime,
        "local_time": tick.local_time,
    }


def application_info(record: ApplicationRecord) -> Payload:
    status = record.status()
    return {
        "application_name": record.name,
        "managed": record.managed,
        "now_monotonic": time.monotonic(),
        "statecode": int(status.state),
        "statename": status.state.name,
        "major_failure": status.major_failure,
        "minor_failure": status.minor_failure,
    }


def application_rules(record: ApplicationRecord, assigned: list[str] | None = None) -> Payload:
    """`assigned`: the instances a `#` gives (jobs/assignment.py), shown as `identifiers`."""
    payload: Payload = {"application_name": record.name, "managed": record.managed}
    if record.rules is not None:
        payload.update(record.rules.as_dict())
        payload["managed"] = True
        _show_assignment(payload, assigned)
    return payload


def _show_assignment(payload: Payload, assigned: list[str] | None) -> None:
    payload["written_identifiers"] = list(payload["identifiers"])
    if assigned is not None:
        payload["identifiers"] = list(assigned)


def process_info(record: ProcessRecord) -> Payload:
    view = record.view()
    extra_args = ""
    for identifier in view.running_identifiers:
        info = record.info_on(identifier)
        if info is not None:
            extra_args = info.extra_args
            break
    return {
        "application_name": record.group,
        "process_name": record.name,
        "now_monotonic": time.monotonic(),
        "last_event_mtime": record.last_event_mtime,
        "statecode": int(view.state),
        "statename": view.state.name,
        "expected_exit": view.expected,
        "identifiers": list(view.running_identifiers),
        "extra_args": extra_args,
    }


def process_rules(
    rules: Rules, record: ProcessRecord, assigned: list[str] | None = None
) -> Payload:
    payload: Payload = {"application_name": record.group, "process_name": record.name}
    payload.update(record.rules.as_dict())
    _show_assignment(payload, assigned)
    return payload


def sorted_processes(records: list[ProcessRecord]) -> list[ProcessRecord]:
    return sorted(records, key=lambda record: (record.group, record.name))


def state_modes_info(record: InstanceRecord, modes: StateModes | None) -> Payload:
    """State & modes of one instance (jobs as booleans) plus `starting_applications`."""
    if modes is None:
        modes = UNKNOWN_STATE_MODES
    return {
        "fsm_statecode": int(modes.fsm_state),
        "fsm_statename": modes.fsm_state.name,
        "degraded_mode": modes.degraded_mode,
        "discovery_mode": modes.discovery_mode,
        "master_identifier": modes.master_identifier,
        "starting_jobs": modes.starting_jobs,
        "stopping_jobs": modes.stopping_jobs,
        "instance_states": {ident: state.name for ident, state in modes.instance_states},
        "rules_error": modes.rules_error,
        "starting_applications": list(modes.starting_applications),
        "identifier": record.identifier,
        "nick_identifier": record.id.nick,
        "now_monotonic": time.monotonic(),
    }


def network_info(network: NetworkInfo) -> Payload:
    """Identity of an instance and of its machine, the nested form peers read at handshake."""
    return {
        "identifier": network.identifier,
        "nick_identifier": network.nick_identifier,
        "host_id": network.host_id,
        "http_port": network.http_port,
        "internal_port": network.internal_port,
        "stereotypes": list(network.stereotypes),
        "network": {
            "fqdn": network.fqdn,
            "machine_id": network.machine_id,
            "addresses": {
                nic.nic_name: {
                    "host_name": nic.host_name,
                    "aliases": list(nic.aliases),
                    "ipv4_addresses": [nic.ipv4_address],
                    "nic_info": {
                        "nic_name": nic.nic_name,
                        "ipv4_address": nic.ipv4_address,
                        "netmask": nic.netmask,
                    },
                }
                for nic in network.addresses
            },
        },
    }
