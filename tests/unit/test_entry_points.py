"""The packaged entry points resolve (spec README, packaging facts)."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from supvisors_ext import breed, supvisorsctl
from supvisors_ext.rpcinterface import make_supvisors_rpcinterface


def test_console_scripts_resolve() -> None:
    scripts = {ep.name: ep for ep in entry_points(group="console_scripts")}
    assert scripts["supvisorsctl"].load() is supvisorsctl.main
    assert scripts["supvisors_breed"].load() is breed.main


@pytest.mark.parametrize("module", [supvisorsctl, breed])
def test_pending_tools_say_so_and_fail(module: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert module.main([]) == 1  # type: ignore[attr-defined]
    assert "not yet implemented" in capsys.readouterr().err


def test_factories_are_importable() -> None:
    assert callable(make_supvisors_rpcinterface)
    assert callable(supvisorsctl.make_supvisors_controller_plugin)
