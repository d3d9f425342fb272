"""docs/architecture.md lists every module of `supvisors_ext` in its package map."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "supvisors_ext"
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def modules() -> list[str]:
    """Every module as written in the map: its path under supvisors_ext/, e.g. `net/bus.py`."""
    return sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
    )


def test_every_module_is_in_the_package_map() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    # top-level __init__.py is the package itself; subpackage __init__ files are listed
    missing = [name for name in modules() if name != "__init__.py" and f"`{name}`" not in text]
    assert not missing, (
        f"{len(missing)} module(s) of supvisors_ext missing from the package map of "
        f"docs/architecture.md (add a row `| \\`<path>\\` | <role> |`): " + ", ".join(missing)
    )


def test_the_map_names_no_module_that_does_not_exist() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    known = set(modules())
    rows = [line for line in text.splitlines() if line.startswith("| `") and ".py`" in line]
    named = [line.split("`")[1] for line in rows]
    stale = [name for name in named if name.endswith(".py") and name not in known]
    assert not stale, "docs/architecture.md lists modules that do not exist: " + ", ".join(stale)


def test_no_path_outside_the_repository() -> None:
    assert "/work/" not in ARCHITECTURE.read_text(encoding="utf-8")
