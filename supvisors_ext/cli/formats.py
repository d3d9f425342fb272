"""The text of every table and report of docs/cli.md#commands, from XML-RPC payloads; pure.

`names` maps instance identifiers to nicks (from `get_all_instances_info`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from supvisors_ext.cli.tables import Column, format_table, nicks, yes_no

Payload = dict[str, Any]
Names = dict[str, str]

APPLICATION_INFO = (Column("Application"), Column("State", 10), Column("Major", 7), Column("Minor"))
PROCESS_STATUS = (
    Column("Application"),
    Column("Process"),
    Column("State", 12),
    Column("Expected", 10),
    Column("Instances"),
)
LOCAL_STATUS = (
    Column("Application"),
    Column("Process"),
    Column("State", 12),
    Column("Pid", 8),
    Column("Args"),
)
STATE_MODES = (
    Column("Nickname"),
    Column("Identifier"),
    Column("State", 16),
    Column("Degraded", 10),
    Column("Discovery", 11),
    Column("Master", 8),
    Column("Starting", 10),
    Column("Stopping"),
)
INSTANCE_STATUS = (
    Column("Nickname"),
    Column("Identifier"),
    Column("State", 11),
    Column("Load", 6),
    Column("Counter", 9),
    Column("Processes"),
)
APPLICATION_RULES = (
    Column("Application"),
    Column("Managed", 9),
    Column("Distribution", 17),
    Column("Identifiers"),
    Column("Start", 7),
    Column("Stop", 7),
    Column("Starting", 18),
    Column("Starting_Failure", 18),
    Column("Running_Failure"),
)
PROCESS_RULES = (
    Column("Application"),
    Column("Process"),
    Column("Start", 7),
    Column("Stop", 7),
    Column("Required", 10),
    Column("WaitExit", 10),
    Column("Loading", 9),
    Column("Strategy", 22),
    Column("Identifiers"),
)
CONFLICTS = (Column("Application"), Column("Process"), Column("State", 12), Column("Instances"))


def application_info(infos: Sequence[Payload]) -> list[str]:
    rows = [
        (
            info["application_name"],
            info["statename"],
            yes_no(info["major_failure"]),
            yes_no(info["minor_failure"]),
        )
        for info in infos
    ]
    return format_table(APPLICATION_INFO, rows)


def process_status(infos: Sequence[Payload], names: Names) -> list[str]:
    rows = [
        (
            info["application_name"],
            info["process_name"],
            info["statename"],
            yes_no(info["expected_exit"]) if info["statename"] == "EXITED" else "n/a",
            nicks(info["identifiers"], names),
        )
        for info in infos
    ]
    return format_table(PROCESS_STATUS, rows)


def local_status(infos: Sequence[Payload]) -> list[str]:
    rows = [
        (info["group"], info["name"], info["statename"], str(info["pid"]), info["extra_args"])
        for info in infos
    ]
    return format_table(LOCAL_STATUS, rows)


def _jobs(value: object, names: Names) -> str:
    """get_supvisors_state gives lists of identifiers, the state & modes entries booleans."""
    if isinstance(value, list | tuple):
        return nicks(value, names)
    return yes_no(value)


def state_modes(entries: Sequence[Payload], names: Names) -> list[str]:
    rows = [
        (
            entry["nick_identifier"],
            entry["identifier"],
            entry["fsm_statename"],
            yes_no(entry["degraded_mode"]),
            yes_no(entry["discovery_mode"]),
            yes_no(entry["master_identifier"] == entry["identifier"]),
            _jobs(entry["starting_jobs"], names),
            _jobs(entry["stopping_jobs"], names),
        )
        for entry in entries
    ]
    return format_table(STATE_MODES, rows)


def instance_status(infos: Sequence[Payload]) -> list[str]:
    rows = [
        (
            info["nick_identifier"],
            info["identifier"],
            info["statename"],
            f"{info['loading']}%",
            str(info["remote_sequence_counter"]),
            "error" if info["process_failure"] else "ok",
        )
        for info in infos
    ]
    return format_table(INSTANCE_STATUS, rows)


def application_rules(rules: Sequence[Payload], names: Names) -> list[str]:
    rows = []
    for rule in rules:
        if rule["managed"]:
            rows.append(
                (
                    rule["application_name"],
                    "True",
                    rule["distribution"],
                    nicks(rule["identifiers"], names),
                    str(rule["start_sequence"]),
                    str(rule["stop_sequence"]),
                    rule["starting_strategy"],
                    rule["starting_failure_strategy"],
                    rule["running_failure_strategy"],
                )
            )
        else:
            rows.append((rule["application_name"], "False", *(["n/a"] * 7)))
    return format_table(APPLICATION_RULES, rows)


def process_rules(rules: Sequence[Payload], names: Names) -> list[str]:
    rows = [
        (
            rule["application_name"],
            rule["process_name"],
            str(rule["start_sequence"]),
            str(rule["stop_sequence"]),
            yes_no(rule["required"]),
            yes_no(rule["wait_exit"]),
            f"{rule['expected_loading']}%",
            rule["running_failure_strategy"],
            nicks(rule["identifiers"], names),
        )
        for rule in rules
    ]
    return format_table(PROCESS_RULES, rows)


def conflicts(infos: Sequence[Payload], names: Names) -> list[str]:
    if not infos:
        return ["No conflict"]
    rows = [
        (
            info["application_name"],
            info["process_name"],
            info["statename"],
            nicks(info["identifiers"], names),
        )
        for info in infos
    ]
    return format_table(CONFLICTS, rows)


def master(payload: Payload) -> list[str]:
    if not payload:
        return ["No Master"]
    return [
        f"Nick identifier: {payload['nick_identifier']}",
        f"Identifier: {payload['identifier']}",
    ]


def strategies(payload: Payload) -> list[str]:
    return [
        f"Auto-fencing: {yes_no(payload['auto-fencing'])}",
        f"Failure: {payload['supvisors_failure']}",
        f"Conciliation: {payload['conciliation']}",
        f"Starting: {payload['starting']}",
    ]


def collection_list(collections: Sequence[Payload]) -> list[str]:
    """`collection status`: one line per collection, or the no-collection line."""
    if not collections:
        return ["No collections configured"]
    lines = []
    for collection in collections:
        parts = []
        if collection["program_names"]:
            parts.append("programs=" + ", ".join(collection["program_names"]))
        if collection["group_names"]:
            parts.append("groups=" + ", ".join(collection["group_names"]))
        lines.append(f"{collection['name']}\t\t{' '.join(parts)}")
    return lines


def member_result(result: Payload, success: str) -> str:
    """One line of `collection start|stop`: `<group>:<process>: started` or its error."""
    namespec = f"{result['group']}:{result['name']}"
    if result["status"] == SUCCESS_CODE:
        return f"{namespec}: {success}"
    return f"{namespec}: ERROR ({result['description']})"


SUCCESS_CODE = 80  # supervisor's Faults.SUCCESS
