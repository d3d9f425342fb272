"""Scenario 2 program files for integration tests (docs/scenario2.md).

Writes `common/`, `server/` and `console/` include folders with the twelve scen2 programs
(autostart=false) grouped into `scen2_srv_NN` / `scen2_hci_NN`, and `common_data_bus`
(autostart=true). Programs are light stand-ins: sleepers for services and buses, programs
exiting 0 for the checks. A test can replace any command to inject a fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tests.harness import exit_command, group_section, program_section, sleeper_command
from tests.scenario2_facts import CONSOLE_PROGRAMS, RULES_FILE, SERVER_PROGRAMS

__all__ = ["CONSOLE_PROGRAMS", "RULES_FILE", "SERVER_PROGRAMS", "write_scenario2_etc"]


def default_command(program: str) -> str:
    return exit_command(0) if "_check_" in program else sleeper_command()


def write_scenario2_etc(
    root: Path,
    items: int = 3,
    commands: Mapping[str, str] | None = None,
    startsecs: Mapping[str, int] | None = None,
) -> Path:
    """Write the include folders under `root` and return it; `commands` and `startsecs`
    override by program (startsecs 0 by default)."""
    commands = dict(commands or {})
    startsecs = dict(startsecs or {})
    (root / "common").mkdir(parents=True, exist_ok=True)
    (root / "common" / "common.ini").write_text(
        program_section("common_data_bus", autostart=True, startsecs=0)
    )
    for kind, programs, prefix in (
        ("server", SERVER_PROGRAMS, "scen2_srv"),
        ("console", CONSOLE_PROGRAMS, "scen2_hci"),
    ):
        folder = root / kind
        folder.mkdir(parents=True, exist_ok=True)
        sections = [
            program_section(
                program,
                commands.get(program, default_command(program)),
                autostart=False,
                startsecs=startsecs.get(program, 0),
                autorestart=False,
            )
            for program in programs
        ]
        sections += [
            group_section(f"{prefix}_{index:02}", programs) for index in range(1, items + 1)
        ]
        (folder / f"programs_{kind}.ini").write_text("\n".join(sections))
    return root
