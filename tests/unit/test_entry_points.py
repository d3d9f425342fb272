"""The packaged entry points resolve (spec README, packaging facts)."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import pytest

from supvisors_ext import breed, supvisorsctl
from supvisors_ext.rpcinterface import make_supvisors_rpcinterface


def test_console_scripts_resolve() -> None:
    if sys.version_info >= (3, 10):
        declared = entry_points(group="console_scripts")
    else:  # Python 3.9: a dict of groups
        declared = entry_points()["console_scripts"]
    scripts = {ep.name: ep for ep in declared}
    assert scripts["supvisorsctl"].load() is supvisorsctl.main
    assert scripts["supvisors_breed"].load() is breed.main


@pytest.mark.parametrize(("module", "name"), [(supvisorsctl, "supvisorsctl"), (breed, "breed")])
def test_tools_print_their_usage(
    module: object, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert module.main(["-h"]) == 0  # type: ignore[attr-defined]
    assert name in capsys.readouterr().out


def test_factories_are_importable() -> None:
    assert callable(make_supvisors_rpcinterface)
    assert callable(supvisorsctl.make_supvisors_controller_plugin)


def test_breed_imports_neither_supervisor_nor_zmq() -> None:
    import subprocess
    import sys

    code = (
        "import sys, supvisors_ext.breed; "
        "print(sorted(m for m in ('supervisor', 'zmq') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
