"""Table layout (docs/cli.md#tables), the pure formatters and the progress display."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from supvisors_ext.cli import formats, progress
from supvisors_ext.cli.session import Session
from supvisors_ext.cli.tables import Column, format_table, nicks, yes_no
from tests.unit.test_cli_doubles import FakeServer


def test_name_columns_fit_the_longest_value_plus_two_and_last_is_not_padded() -> None:
    lines = format_table(
        (Column("Name"), Column("State", 6), Column("Last")),
        [("a", "RUNNING", ""), ("longer_name", "OK", "x")],
    )
    assert lines == [
        "Name         State   Last",  # a fixed column widens to keep a space after its values
        "a            RUNNING",
        "longer_name  OK      x",
    ]


def test_booleans_and_instance_lists() -> None:
    assert (yes_no(1), yes_no(False)) == ("True", "False")
    assert nicks(["a:1", "b:2"], {"a:1": "alpha"}) == "alpha,b:2"
    assert nicks([], {}) == "-"


def test_application_info_widths() -> None:
    info = {
        "application_name": "common_data_bus",
        "statename": "STOPPED",
        "major_failure": False,
        "minor_failure": True,
    }
    assert formats.application_info([info]) == [
        "Application      State     Major  Minor",
        "common_data_bus  STOPPED   False  True",
    ]


def test_collection_list_and_member_results() -> None:
    only_groups = {"name": "c", "priority": 0, "program_names": [], "group_names": ["g", "h"]}
    assert formats.collection_list([only_groups]) == ["c\t\tgroups=g, h"]
    ok = {"group": "g", "name": "p", "status": 80, "description": "OK"}
    bad = {"group": "g", "name": "p", "status": 91, "description": "STILL_RUNNING: g:p"}
    assert formats.member_result(ok, "stopped") == "g:p: stopped"
    assert formats.member_result(bad, "stopped") == "g:p: ERROR (STILL_RUNNING: g:p)"


def test_progress_changes_are_reported_once() -> None:
    seen: dict[str, str] = {}
    infos = [{"process_name": "a", "statename": "STARTING"}]
    assert progress.changes(seen, infos) == [("a", "STARTING")]
    assert progress.changes(seen, infos) == []


class SlowStart:
    """start_application returns once the poller has seen the bus RUNNING."""

    def __init__(self) -> None:
        self.polls = 0
        self.seen_running = threading.Event()

    def get_process_rules(self, namespec: str) -> list[dict[str, Any]]:
        return [
            {"process_name": "bus", "start_sequence": 1},
            {"process_name": "check", "start_sequence": 2},
        ]

    def get_process_info(self, namespec: str) -> list[dict[str, Any]]:
        self.polls += 1
        if self.polls >= 2:
            self.seen_running.set()
        state = "STARTING" if self.polls == 1 else "RUNNING"
        return [
            {"process_name": "check", "statename": "STOPPED"},
            {"process_name": "bus", "statename": state},
        ]

    def start_application(self, strategy: str, name: str, wait: bool) -> bool:
        assert self.seen_running.wait(10)
        return True


Server = FakeServer


def test_progress_on_a_terminal_shows_each_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "POLL_PERIOD", 0.01)
    fake = SlowStart()
    lines: list[str] = []
    session = Session(lambda: Server(fake), lines.append, lines.append, tty=True)
    result = progress.with_progress(
        session, "app", lambda: fake.start_application("CONFIG", "app", True)
    )
    assert result is True
    assert lines[:3] == [
        "  app: stage 1 bus STARTING",
        "  app: stage 2 check STOPPED",
        "  app: stage 1 bus RUNNING",
    ]


def test_progress_is_quiet_off_a_terminal_and_reraises() -> None:
    class Down:
        def __getattr__(self, name: str) -> Any:
            def call(*args: Any) -> None:
                raise ConnectionRefusedError(name)

            return call

    lines: list[str] = []
    session = Session(lambda: Server(Down()), lines.append, lines.append, tty=False)
    assert progress.with_progress(session, "app", lambda: 3) == 3
    session.tty = True

    def boom() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        progress.with_progress(session, "app", boom)  # polling errors are ignored
    assert lines == []
