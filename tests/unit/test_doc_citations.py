"""Docstrings, comments and docs cite only the repository's own docs, and every cited page
and anchor exists (docs/design/README.md)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("supvisors_ext", "tests", "bench")
CITATION = re.compile(r"(?<![\w./-])(docs/[\w/.-]+?\.md)(#[\w-]+)?")
# spec files and house rules that live outside this repository
FOREIGN = re.compile(
    r"(?<![\w/])(behaviour|xmlrpc-api|rules-file|STYLE|scenario2-requirements)\.md|\.\./shared"
)
MD_LINK = re.compile(r"\]\(([^)#\s]+\.md)?(#[\w-]+)?\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    lines = page.read_text(encoding="utf-8").splitlines()
    fenced = False
    found = set()
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            found.add(slug(line.lstrip("#")))
    return found


def python_files() -> list[Path]:
    this = Path(__file__).resolve()
    return [
        path
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.resolve() != this and ".venv" not in path.parts
    ]


def test_slug_follows_github() -> None:
    assert slug(" `operational_status` formula") == "operational_status-formula"
    assert slug(" Between peers: `admit_start`") == "between-peers-admit_start"


def test_no_citation_of_files_outside_the_repository() -> None:
    pages = sorted((ROOT / "docs").rglob("*.md"))
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in [*python_files(), *pages]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FOREIGN.search(line)
    ]
    assert not offenders, "cite docs/*.md instead:\n" + "\n".join(offenders)


def test_code_citations_resolve() -> None:
    broken = []
    for path in python_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in CITATION.finditer(line):
                page, anchor = ROOT / match.group(1), match.group(2)
                where = f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
                if not page.is_file():
                    broken.append(f"{where} (no such page)")
                elif anchor and anchor[1:] not in anchors(page):
                    broken.append(f"{where} (no such heading)")
    assert not broken, "broken citations:\n" + "\n".join(broken)


def test_design_pages_links_resolve() -> None:
    broken = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for match in MD_LINK.finditer(page.read_text(encoding="utf-8")):
            target_name, anchor = match.group(1), match.group(2)
            if target_name is None and anchor is None:
                continue
            if target_name is not None and target_name.startswith(("http:", "https:")):
                continue
            target = (page.parent / target_name).resolve() if target_name else page
            where = f"{page.relative_to(ROOT)}: {match.group(0)}"
            if not target.is_file():
                broken.append(f"{where} (no such page)")
            elif anchor and anchor[1:] not in anchors(target):
                broken.append(f"{where} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)
