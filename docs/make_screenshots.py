"""Regenerate the dashboard screenshots of docs/web.md (docs/images/web_*.png).

Boots the Scenario 2 example on 127.0.0.1 with the test suite's harness, starts
`scen2_hci_02` from console_3, then photographs each page of server_1's dashboard with the
test suite's headless Chromium (tests/browser/browser.py). Run from the repository root:

    .venv/bin/python docs/make_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.browser import launched, missing_reason, open_page  # noqa: E402
from tests.integration.scenario2_example import Example  # noqa: E402

IMAGES = ROOT / "docs" / "images"


def photograph(browser: object, port: int, page_name: str, ready: str, out: str) -> Path:
    page = open_page(browser, port, page_name)
    page.wait_for_selector(ready)
    if page_name.startswith("application/"):
        tail = page.locator("table.processes button.tail").first
        tail.locator("xpath=ancestor::tr/td[1]").click()  # select the process for the toolbar
        tail.click()
        page.wait_for_function(
            "document.querySelector('.tail-output').textContent.length > 0", timeout=10_000
        )
    page.wait_for_timeout(1500)  # let the live stream settle (sparklines, states)
    path = IMAGES / out
    page.screenshot(path=str(path), full_page=True)
    page.context.close()
    return path


def main() -> int:
    reason = missing_reason()
    if reason:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        example = Example(Path(folder))
        try:
            example.start()
            example.wait_ready()
            example.slow("console_3").start_application("LOCAL", "scen2_hci_02")
            port = example["server_1"].http_port
            shots = [
                ("cluster", "article.card", "web_cluster.png"),
                ("applications", "table.applications tbody tr", "web_applications.png"),
                ("application/scen2_srv_01", "table.processes tbody tr", "web_application.png"),
                (
                    f"instance/{example['server_1'].identifier}",
                    "table.processes",
                    "web_instance.png",
                ),
                ("conflicts", ".conflicts > *", "web_conflicts.png"),
                ("collections", ".collections > *", "web_collections.png"),
            ]
            with launched() as browser:
                for page_name, ready, out in shots:
                    print(photograph(browser, port, page_name, ready, out))
        finally:
            example.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
