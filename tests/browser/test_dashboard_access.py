"""Dashboard access and scale (docs/web.md): credentials, read-only mode, 300 processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import access_cluster
from tests.browser.access_cluster import MANY, PASSWORD, USER
from tests.browser.browser import dashboard_url, open_page
from tests.harness import Cluster
from tests.integration.rest_client import request, wait_operation

pytestmark = pytest.mark.integration
AUTH = (USER, PASSWORD)
GOOD = {"username": USER, "password": PASSWORD}


@pytest.fixture
def cluster(make_cluster: Any, tmp_path: Path) -> Iterator[Cluster]:
    built = access_cluster.build(make_cluster, tmp_path)
    for instance in built:
        wait_operation(built, instance.http_port, AUTH)
    yield built


def test_wrong_password_gets_401(browser: Any, cluster: Cluster) -> None:
    context = browser.new_context(http_credentials={"username": USER, "password": "wrong"})
    response = context.new_page().goto(dashboard_url(cluster["a"].http_port))
    assert response.status == 401
    assert request(cluster["a"].http_port, "GET", "/supvisors/").status == 401
    assert request(cluster["a"].http_port, "GET", "/api/supvisors/api_version").status == 401


def test_readonly_hides_actions_and_refuses_posts(browser: Any, cluster: Cluster) -> None:
    port = cluster["b"].http_port
    page = open_page(browser, port, "applications", GOOD)
    page.wait_for_selector("table.applications tbody tr")
    page.goto(dashboard_url(port, "application/chatty"))
    page.wait_for_selector("table.processes tbody tr")
    page.goto(dashboard_url(port, "cluster"))
    page.wait_for_selector("article.card")
    assert page.locator("button.action").count() == 0
    for page_name in ("applications", "application/many", "conflicts", "collections"):
        page.evaluate(f"location.hash = '#/{page_name}'")
        page.wait_for_function(
            f"document.getElementById('view').dataset.page === '{page_name.split('/')[0]}'"
        )
        assert page.locator("button.action:visible").count() == 0, page_name
    answer = request(port, "POST", "/api/supervisor/stopProcess/chatty?wait=false", AUTH)
    assert answer.status == 403 and answer.body["message"].startswith("dashboard_readonly")
    assert request(port, "GET", "/api/supvisors/api_version", AUTH).status == 200
    assert cluster["b"].spec  # the program still runs: nothing was stopped
    assert request(port, "GET", "/api/supervisor/getProcessInfo/chatty", AUTH).body[
        "statename"
    ] in (
        "RUNNING",
        "STARTING",
    )


RENDER_TIME = """(count) => new Promise((resolve) => {
  const start = performance.now();
  location.hash = '#/application/many';
  const check = () => {
    if (document.querySelectorAll('table.processes tbody tr').length === count) {
      requestAnimationFrame(() => resolve(performance.now() - start));  // painted
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})"""


def test_300_processes_render_in_under_1s(browser: Any, cluster: Cluster) -> None:
    port = cluster["a"].http_port
    page = open_page(browser, port, "cluster", GOOD)  # snapshot loaded, stream live
    page.wait_for_function("document.querySelectorAll('article.card').length === 2")
    # from the click on the application (the data is in the browser) to 300 rows painted;
    # best of three, as the machine running the tests is shared with other jobs
    times = []
    for _ in range(3):
        times.append(page.evaluate(RENDER_TIME, MANY))
        page.evaluate("location.hash = '#/cluster'")
        page.wait_for_selector("article.card")
    assert min(times) < 1000, [f"{elapsed:.0f} ms" for elapsed in times]
    page.evaluate("location.hash = '#/application/many'")
    page.wait_for_selector("tr[data-namespec='many:p150']")
    # a live change still reaches its row with 300 rows shown
    request(port, "POST", "/api/supervisor/startProcess/many:p150?wait=false", AUTH)
    page.wait_for_function(
        "(spec) => document.querySelector(`tr[data-namespec='${spec}'] .state`).textContent"
        " === 'RUNNING'",
        arg="many:p150",
        timeout=5_000,
    )
