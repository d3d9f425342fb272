"""The dashboard on the Scenario 2 example (docs/web.md), in headless Chromium.

One class-scoped cluster of the six instances, as tests/integration/test_scenario2.py boots it.
The tests run in file order: the kill test leaves a stopped process that the log tail test
restarts.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.browser import open_page
from tests.integration.scenario2_example import Example

pytestmark = pytest.mark.integration

HCI = "scen2_hci_02"
STATE_RECORDER = """(spec) => {
  window.seenStates = [];
  const row = document.querySelector(`tr[data-namespec="${spec}"] .state`);
  new MutationObserver(() => window.seenStates.push([row.textContent, Date.now()]))
    .observe(row, { childList: true, characterData: true, subtree: true });
}"""


@pytest.fixture(scope="class")
def scen2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    ex = Example(tmp_path_factory.mktemp("scenario2_web"))
    try:
        ex.start()
        ex.wait_ready()
        yield ex
    finally:
        ex.close()


def app_page(browser: Any, ex: Example, nick: str, application: str) -> Any:
    page = open_page(browser, ex[nick].http_port, f"application/{application}")
    page.wait_for_selector("table.processes tbody tr")
    return page


def running_on(ex: Example, nick: str, group_prefix: str) -> dict[str, Any]:
    """A RUNNING service process of `nick` whose group starts with `group_prefix`."""
    for info in ex[nick].supervisor.getAllProcessInfo():
        group, name = info["group"], info["name"]
        if group.startswith(group_prefix) and info["statename"] == "RUNNING" and "_bus" not in name:
            if "_check_" not in name:
                return info
    raise AssertionError(f"no RUNNING {group_prefix}* service on {nick}")


class TestDashboardScenario2:
    def test_cluster_page_shows_six_instance_cards(self, browser: Any, scen2: Example) -> None:
        page = open_page(browser, scen2["server_1"].http_port)
        page.wait_for_function("document.querySelectorAll('article.card').length === 6")
        nicks = page.locator("article.card a.nick").all_inner_texts()
        assert sorted(nicks) == sorted(inst.nick for inst in scen2)
        assert page.errors == []

    def test_start_from_console_3_runs_it_there(self, browser: Any, scen2: Example) -> None:
        page = app_page(browser, scen2, "console_3", HCI)
        page.locator(".app-actions button.start").click()
        page.wait_for_selector(".job.done", timeout=60_000)
        page.wait_for_function("document.querySelector('h1 .state').textContent === 'RUNNING'")
        assert scen2.where(HCI) == {scen2["console_3"].identifier}
        assert scen2.app(HCI)["statename"] == "RUNNING"

    def test_second_console_start_shows_already_started(self, browser: Any, scen2: Example) -> None:
        if scen2.app(HCI)["statename"] != "RUNNING":
            assert scen2.slow("console_3").start_application("LOCAL", HCI) is True
        page = app_page(browser, scen2, "console_1", HCI)
        page.locator(".app-actions button.start").click()
        refusal = page.wait_for_selector(".job.refused", timeout=30_000)
        assert "ALREADY_STARTED" in refusal.inner_text()
        assert scen2.where(HCI) == {scen2["console_3"].identifier}

    def test_kill_on_server_2_shows_on_server_1_within_1s(
        self, browser: Any, scen2: Example
    ) -> None:
        victim = running_on(scen2, "server_2", "scen2_srv_")
        spec = f"{victim['group']}:{victim['name']}"
        page = app_page(browser, scen2, "server_1", victim["group"])
        page.evaluate(STATE_RECORDER, spec)
        killed_ms = time.time() * 1000
        os.kill(victim["pid"], signal.SIGKILL)
        page.wait_for_function(
            "window.seenStates.some(([s]) => s === 'EXITED' || s === 'FATAL')", timeout=5_000
        )
        seen = page.evaluate("window.seenStates")
        first = next(ms for state, ms in seen if state in ("EXITED", "FATAL"))
        assert first - killed_ms < 1000, seen  # the issue's own bound, no navigation

    def test_log_tail_shows_a_line_just_written_elsewhere(
        self, browser: Any, scen2: Example
    ) -> None:
        nick, victim = any_running_service(scen2)
        spec = f"{victim['group']}:{victim['name']}"
        page = app_page(browser, scen2, "console_1", victim["group"])
        page.locator(f'tr[data-namespec="{spec}"] button.tail', has_text=nick).click()
        page.wait_for_selector(".logtail:not([hidden])")
        page.wait_for_function("document.querySelector('.tail-status').textContent === 'live'")
        # a restart makes the program write a line naming its new pid
        supervisor = scen2[nick].supervisor
        supervisor.stopProcess(spec)
        supervisor.startProcess(spec)
        pid = supervisor.getProcessInfo(spec)["pid"]
        page.wait_for_function(
            "(text) => document.querySelector('.tail-output').textContent.includes(text)",
            arg=f"[{pid}]",
            timeout=10_000,
        )
        assert page.errors == []


def any_running_service(ex: Example) -> tuple[str, dict[str, Any]]:
    for nick in ("server_1", "server_2", "server_3"):
        try:
            return nick, running_on(ex, nick, "scen2_srv_")
        except AssertionError:
            continue
    raise AssertionError("no scen2_srv service runs on any server")
