"""supvisors_breed (docs/cli.md#supvisors_breed): the pure plan, then the tool in temporary
folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from supvisors_ext.breed import main
from supvisors_ext.tools.breedplan import (
    IniFile,
    Section,
    copy_names,
    make_plan,
    parse_breed_item,
    serialize,
)

GROUP = Section("group:scen2_srv", (("programs", "a,b"), ("priority", "5")))
PROGRAMS = IniFile(
    "server/programs_server.ini",
    (Section("program:a", (("command", "sleep 1"),)), Section("program:b", ())),
)
TEMPLATES = [IniFile("server/group_server.ini", (GROUP,)), PROGRAMS]

SEED = """\
ArgumentParser: Namespace(breed={'scen2_srv': 3}, destination='etc', extra=True, \
pattern='server/*.ini', template='template_etc', verbose=True)
Configuration files found:
\tserver/group_server.ini
\tserver/programs_server.ini
Template group elements found:
\tgroup:scen2_srv
New File: server/group_scen2_srv_01.ini
New [group:scen2_srv_01]
New File: server/group_scen2_srv_02.ini
New [group:scen2_srv_02]
New File: server/group_scen2_srv_03.ini
New [group:scen2_srv_03]
Empty sections for file: server/group_server.ini
Writing file: etc/server/programs_server.ini
Writing file: etc/server/group_scen2_srv_01.ini
Writing file: etc/server/group_scen2_srv_02.ini
Writing file: etc/server/group_scen2_srv_03.ini
"""


# ----- pure part
def test_breed_items() -> None:
    assert parse_breed_item("app=3") == ("app", 3)
    for text, message in [
        ("app", "breed format must be: key=value"),
        ("=2", "breed format must be: key=value"),
        ("app=x", "breed value must be an integer"),
        ("app=0", "breed value must be strictly positive"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_breed_item(text)


def test_copy_names_are_zero_padded_and_wider_from_100() -> None:
    assert copy_names("a", 2) == ["a_01", "a_02"]
    assert copy_names("a", 100)[0] == "a_001"
    assert copy_names("a", 100)[-1] == "a_100"


def test_plan_in_place_replaces_the_template_section_at_its_position() -> None:
    with_neighbours = IniFile("g.ini", (Section("x", ()), GROUP, Section("y", ())))
    plan = make_plan([with_neighbours], {"scen2_srv": 2}, extra=False)
    [result] = plan.files
    assert [s.name for s in result.sections] == [
        "x", "group:scen2_srv_01", "group:scen2_srv_02", "y",
    ]  # fmt: skip
    assert result.sections[1].items == GROUP.items
    assert plan.lines == (
        "Template group elements found:",
        "\tgroup:scen2_srv",
        "New [group:scen2_srv_01]",
        "New [group:scen2_srv_02]",
    )
    assert plan.missing == ()


def test_plan_extra_puts_each_copy_in_its_own_file_next_to_the_template() -> None:
    plan = make_plan(TEMPLATES, {"scen2_srv": 2, "ghost": 1}, extra=True)
    assert [(f.path, [s.name for s in f.sections]) for f in plan.files] == [
        ("server/group_server.ini", []),
        ("server/programs_server.ini", ["program:a", "program:b"]),
        ("server/group_scen2_srv_01.ini", ["group:scen2_srv_01"]),
        ("server/group_scen2_srv_02.ini", ["group:scen2_srv_02"]),
    ]
    assert plan.missing == ("ghost",)


def test_serialize_writes_key_equals_value() -> None:
    ini = IniFile("f", (Section("group:a", (("programs", "x,y"), ("doc", "1\n2"))),))
    assert serialize(ini) == "[group:a]\nprograms = x,y\ndoc = 1\n    2\n"


# ----- the tool
@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "template_etc"
    (root / "server").mkdir(parents=True)
    (root / "server" / "group_server.ini").write_text(
        "; the template group\n[group:scen2_srv]\nprograms = a,b\n"
    )
    (root / "server" / "programs_server.ini").write_text(
        "[program:a]\ncommand = sleep 1 ; inline\n\n[program:b]\ncommand = sleep %(ENV_X)s\n"
    )
    return root


def breed(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_seed_session(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["-d", "etc", "-t", "template_etc", "-p", "server/*.ini", "-b", "scen2_srv=3", "-x"]
    assert breed(capsys, *argv, "-v") == (0, SEED, "")
    written = sorted(str(p.relative_to("etc")) for p in Path("etc").rglob("*") if p.is_file())
    assert written == [
        "server/group_scen2_srv_01.ini",
        "server/group_scen2_srv_02.ini",
        "server/group_scen2_srv_03.ini",
        "server/programs_server.ini",
    ]
    assert Path("etc/server/group_scen2_srv_02.ini").read_text() == (
        "[group:scen2_srv_02]\nprograms = a,b\n"
    )
    programs = Path("etc/server/programs_server.ini").read_text()
    assert "%(ENV_X)s" in programs and ";" not in programs.splitlines()[0]
    # the template is untouched; a quiet run prints nothing
    assert sorted(p.name for p in (template / "server").iterdir()) == [
        "group_server.ini",
        "programs_server.ini",
    ]
    assert breed(capsys, *argv) == (0, "", "")


def test_in_place_without_extra(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert breed(capsys, "-t", "template_etc", "-d", "out", "-b", "scen2_srv=2")[0] == 0
    assert Path("out/server/group_server.ini").read_text() == (
        "[group:scen2_srv_01]\nprograms = a,b\n\n[group:scen2_srv_02]\nprograms = a,b\n"
    )


def test_unknown_group_is_reported_and_the_others_written(
    template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = breed(capsys, "-t", "template_etc", "-d", "out", "-b", "nope=2", "scen2_srv=1")
    assert status == 1
    assert err == "Error: Template group [group:nope] not found\n"
    assert "scen2_srv_01" in Path("out/server/group_server.ini").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-t", "missing", "-d", "o", "-b", "a=1"], 'The folder "missing" does not exist'),
        (["-t", "template_etc", "-d", "o", "-b", "a"], "breed format must be: key=value"),
        (["-t", "template_etc", "-d", "o", "-b", "a=x"], "breed value must be an integer"),
        (["-t", "template_etc", "-d", "o", "-b", "a=0"], "breed value must be strictly positive"),
        (["-t", "template_etc", "-b", "a=1"], "the following arguments are required: -d"),
    ],
)
def test_usage_errors_exit_2(
    template: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = breed(capsys, *argv)
    assert (status, out) == (2, "")
    assert message in err
    assert not Path("o").exists()


def test_no_file_found(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["-t", "template_etc", "-p", "*.conf", "-d", "o", "-b", "a=1"]
    assert breed(capsys, *argv) == (1, "", "Error: No configuration files found\n")


def test_invalid_ini_writes_nothing(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (template / "server" / "zz.ini").write_text("[group:x]\nprograms = a\n[group:x]\n")
    status, _, err = breed(capsys, "-t", "template_etc", "-d", "o", "-b", "scen2_srv=1")
    assert status == 1
    assert err.startswith("Error: template_etc/server/zz.ini: While reading from")
    assert "already exists" in err
    assert not Path("o").exists()


def test_never_writes_into_the_template_folder(
    template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.read_text() for p in template.rglob("*.ini")}
    for destination in ("template_etc", "template_etc/sub", "./template_etc/../template_etc"):
        status, _, err = breed(capsys, "-t", "template_etc", "-d", destination, "-b", "scen2_srv=1")
        assert status == 1, destination
        assert "would overwrite the template folder" in err
    assert {p: p.read_text() for p in template.rglob("*.ini")} == before
    # a destination holding the template folder is fine as long as no path lands in it
    assert breed(capsys, "-t", "template_etc", "-d", ".", "-b", "scen2_srv=1")[0] == 0
    assert {p: p.read_text() for p in template.rglob("*.ini")} == before
    assert Path("server/group_server.ini").exists()


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root writes anywhere")
def test_destination_not_writable(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = Path("locked")
    locked.mkdir(mode=0o500)
    try:
        status, _, err = breed(
            capsys, "-t", "template_etc", "-d", "locked/etc", "-b", "scen2_srv=1"
        )
        assert status == 1
        assert 'cannot create destination "locked/etc"' in err
        status, _, err = breed(capsys, "-t", "template_etc", "-d", "locked", "-b", "scen2_srv=1")
        assert 'destination "locked" is not writable' in err
    finally:
        locked.chmod(0o700)


def test_destination_that_is_a_file(template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("afile").write_text("")
    status, _, err = breed(capsys, "-t", "template_etc", "-d", "afile", "-b", "scen2_srv=1")
    assert status == 1
    assert 'cannot create destination "afile"' in err
