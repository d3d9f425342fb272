"""Rules-file errors: every kind, with its file, line and a readable message
(docs/rules.md#errors)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lxml import etree

from supvisors_ext.rules import RulesFileError, RulesIssue, load_rules
from supvisors_ext.rules.errors import IssueLog, Location
from supvisors_ext.rules.schema import SCHEMA_PATH, check_schema, load_schema

HERE = Path(__file__).parent / "rules_files"


def write(tmp_path: Path, body: str, name: str = "rules.xml") -> str:
    """Write `body` inside <root>: its first line is line 2 of the file."""
    path = tmp_path / name
    path.write_text(f"<root>\n{textwrap.dedent(body).strip()}\n</root>\n")
    return str(path)


def errors_of(*paths: str) -> list[RulesIssue]:
    with pytest.raises(RulesFileError) as info:
        load_rules(paths)
    return info.value.errors


def single_error(path: str) -> RulesIssue:
    errors = errors_of(path)
    assert len(errors) == 1, [str(error) for error in errors]
    return errors[0]


def test_issue_formats() -> None:
    issue = RulesIssue("/etc/r.xml", 12, 3, "something is wrong")
    assert issue.format_error() == "rules file error: /etc/r.xml:12:3: something is wrong"
    assert issue.format_warning() == "rules file warning: /etc/r.xml:12: something is wrong"
    assert str(issue) == issue.format_error()


def test_rules_file_error_names_first_issue() -> None:
    first = RulesIssue("/a.xml", 1, 0, "first")
    exc = RulesFileError([first, RulesIssue("/b.xml", 2, 0, "second")])
    assert str(exc) == first.format_error()
    assert exc.errors[1].path == "/b.xml"
    with pytest.raises(ValueError):
        RulesFileError([])


def test_unreadable_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.xml")
    error = single_error(missing)
    assert (error.path, error.line, error.column) == (missing, 0, 0)
    assert "cannot read the file" in error.message


def test_directory_is_unreadable(tmp_path: Path) -> None:
    error = single_error(str(tmp_path))
    assert "cannot read the file" in error.message


def test_relative_path_reported_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.xml").write_text("<root><bad/></root>")
    error = single_error("r.xml")
    assert error.path == os.path.join(str(tmp_path), "r.xml")


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("", 1, 1, "XML not well formed: Document is empty"),
        ("<root>\n<alias name='a'>x</root>", 2, 25, "Opening and ending tag mismatch"),
        ("<root>\n\n<alias name=a>x</alias></root>", 3, 13, "AttValue"),
        ("<root/>\n<root/>", 2, 1, "Extra content at the end of the document"),
        ("<root>&undefined;</root>", 1, 18, "Entity 'undefined' not defined"),
    ],
)
def test_not_well_formed(tmp_path: Path, text: str, line: int, column: int, message: str) -> None:
    path = tmp_path / "r.xml"
    path.write_text(text)
    error = single_error(str(path))
    assert (error.line, error.column) == (line, column)
    assert message in error.message
    assert not error.message.endswith(f"column {column}")


# each case: body inside <root> (first line is line 2), expected line, expected message
STRUCTURE_CASES = [
    (
        "<bogus/>",
        2,
        "element 'bogus' is not allowed in 'root' (allowed: alias, model, application)",
    ),
    ("<alias>x</alias>", 2, "element 'alias': attribute 'name' is missing"),
    (
        "<alias name='a' kind='x'>b</alias>",
        2,
        "element 'alias': attribute 'kind' is not allowed (allowed: name)",
    ),
    ("<alias name='a'>b<x/></alias>", 2, "element 'alias': child element 'x' is not allowed"),
    (
        # libxml2 gives an element the line where its start tag ends
        "<application name='a'\n  distributed='true'/>",
        3,
        "element 'application': attribute 'distributed' is not allowed (allowed: name, pattern)",
    ),
    (
        "<model name='m'>\n<start_sequence>1</start_sequence>\n<start_sequence>2</start_sequence>"
        "\n</model>",
        4,
        "element 'start_sequence' appears more than once in 'model'",
    ),
    (
        "<application name='a'>\n<programs/>\n<programs/>\n</application>",
        4,
        "element 'programs' appears more than once in 'application'",
    ),
    (
        "<application name='a'>\n<program name='p'/>\n</application>",
        3,
        "element 'program' is not allowed in 'application' (allowed: distribution, identifiers, "
        "start_sequence, stop_sequence, starting_strategy, starting_failure_strategy, "
        "running_failure_strategy, operational_status, programs)",
    ),
    (
        "<application name='a'><programs>\n<model name='m'/></programs></application>",
        3,
        "element 'model' is not allowed in 'programs' (allowed: program)",
    ),
    (
        "<application name='a'><programs>\n<program name='p'>\n<reference>m</reference>"
        "\n<distribution>ALL_INSTANCES</distribution></program></programs></application>",
        5,
        "element 'distribution' is not allowed in 'program' (allowed: reference, identifiers, "
        "start_sequence, stop_sequence, required, wait_exit, expected_loading, "
        "starting_failure_strategy, running_failure_strategy)",
    ),
    (
        "<application name='a'>\n<reference>m</reference></application>",
        3,
        "element 'reference' is not allowed in 'application'",
    ),
    ("<application name='a'>hello</application>", 2, "element 'application': text 'hello'"),
    ("<application name='a'>\n<programs>x<!-- c -->y</programs>\n</application>", 3, "'x y'"),
    (
        "<application name='a'><programs level='1'/></application>",
        2,
        "element 'programs': attribute 'level' is not allowed (allowed: none)",
    ),
    (
        "<model name='m'>\n<required><true/></required></model>",
        3,
        "element 'required': child element 'true' is not allowed",
    ),
    ("text", 1, "element 'root': text 'text' is not allowed here"),
]


@pytest.mark.parametrize(("body", "line", "message"), STRUCTURE_CASES)
def test_structure_errors(tmp_path: Path, body: str, line: int, message: str) -> None:
    path = write(tmp_path, body)
    error = single_error(path)
    assert (error.path, error.line, error.column) == (path, line, 0)
    assert message in error.message


def test_root_errors(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text("<rules><alias name='a'>b</alias></rules>")
    error = single_error(str(path))
    assert error.message == "the root element is 'rules', expected 'root'"
    path.write_text("<root version='2'/>")
    error = single_error(str(path))
    assert error.message == "element 'root': attribute 'version' is not allowed (allowed: none)"


def test_namespaced_root(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text("<root xmlns='urn:x'/>")
    error = single_error(str(path))
    assert error.message == "the root element is '{urn:x}root', expected 'root'"


PROGRAM_VALUE_CASES = [
    ("start_sequence", "-1", "'-1' is not in 0..127"),
    ("start_sequence", "128", "'128' is not in 0..127"),
    ("stop_sequence", "1_0", "'1_0' is not an integer"),
    ("stop_sequence", "1.5", "'1.5' is not an integer"),
    ("stop_sequence", "", "'' is not an integer"),
    ("expected_loading", "101", "'101' is not in 0..100"),
    ("expected_loading", "ten", "'ten' is not an integer"),
    ("required", "yes", "'yes' is not one of true, false, 1, 0"),
    ("wait_exit", "True", "'True' is not one of true, false, 1, 0"),
    (
        "starting_failure_strategy",
        "STOP_APPLICATION",
        "'STOP_APPLICATION' is not one of ABORT, STOP, CONTINUE",
    ),
    (
        "running_failure_strategy",
        "abort",
        "'abort' is not one of CONTINUE, RESTART_PROCESS, STOP_APPLICATION, "
        "RESTART_APPLICATION, SHUTDOWN, RESTART",
    ),
]


@pytest.mark.parametrize(("tag", "value", "reason"), PROGRAM_VALUE_CASES)
def test_program_value_errors(tmp_path: Path, tag: str, value: str, reason: str) -> None:
    body = f"""
        <application name="a">
          <programs>
            <program name="p">
              <{tag}>{value}</{tag}>
            </program>
          </programs>
        </application>
    """
    error = single_error(write(tmp_path, body))
    assert error.line == 5
    assert error.message == f"element '{tag}': {reason}"


@pytest.mark.parametrize(("tag", "value", "reason"), PROGRAM_VALUE_CASES)
def test_model_value_errors(tmp_path: Path, tag: str, value: str, reason: str) -> None:
    error = single_error(write(tmp_path, f"<model name='m'>\n<{tag}>{value}</{tag}>\n</model>"))
    assert (error.line, error.message) == (3, f"element '{tag}': {reason}")


@pytest.mark.parametrize(
    ("tag", "value", "reason"),
    [
        ("distribution", "SINGLE", "'SINGLE' is not one of ALL_INSTANCES, SINGLE_INSTANCE, "),
        (
            "starting_strategy",
            "LEAST_LOADED",
            "'LEAST_LOADED' is not one of CONFIG, LESS_LOADED, MOST_LOADED, LOCAL, "
            "LESS_LOADED_NODE, MOST_LOADED_NODE",
        ),
        ("starting_failure_strategy", "RESTART", "is not one of ABORT, STOP, CONTINUE"),
        ("running_failure_strategy", "STOP", "'STOP' is not one of CONTINUE, RESTART_PROCESS"),
        ("start_sequence", "+", "'+' is not an integer"),
        ("stop_sequence", "300", "'300' is not in 0..127"),
        ("operational_status", "'a' and", "invalid formula \"'a' and\": unexpected end"),
        ("operational_status", "", "invalid formula '': empty formula"),
        ("operational_status", "eval('x')", "unknown name 'eval' at character 1"),
    ],
)
def test_application_value_errors(tmp_path: Path, tag: str, value: str, reason: str) -> None:
    path = write(tmp_path, f"<application name='a'>\n\n<{tag}>{value}</{tag}>\n</application>")
    error = single_error(path)
    assert error.line == 4
    assert error.message.startswith(f"element '{tag}': ")
    assert reason in error.message


@pytest.mark.parametrize("kind", ["application", "program"])
def test_name_and_pattern(tmp_path: Path, kind: str) -> None:
    def wrap(attributes: str) -> str:
        if kind == "application":
            return f"<application {attributes}/>"
        return f"<application name='a'><programs>\n<program {attributes}/></programs></application>"

    line = 2 if kind == "application" else 3
    error = single_error(write(tmp_path, wrap("")))
    assert error.line == line
    assert error.message == (
        f"element '{kind}' needs one of the attributes 'name' and 'pattern' "
        "(exactly one is required)"
    )
    error = single_error(write(tmp_path, wrap("name='x' pattern='y'")))
    assert error.message == (
        f"element '{kind}' has both the attributes 'name' and 'pattern' (exactly one is required)"
    )
    error = single_error(write(tmp_path, wrap("pattern='srv_(\\d'")))
    assert error.line == line
    assert error.message.startswith(
        f"element '{kind}': invalid regular expression 'srv_(\\\\d': missing ), unterminated"
    )


def test_alias_cycle(tmp_path: Path) -> None:
    body = """
        <alias name="a">b,x</alias>
        <alias name="b">c</alias>
        <alias name="c">a</alias>
        <alias name="self">y,self</alias>
        <alias name="fine">a_not_alias</alias>
    """
    errors = errors_of(write(tmp_path, body))
    assert [(error.line, error.message) for error in errors] == [
        (2, "alias cycle: a -> b -> c -> a"),
        (5, "alias cycle: self -> self"),
    ]


def test_alias_cycle_across_files_uses_winning_definitions(tmp_path: Path) -> None:
    first = write(tmp_path, "<alias name='a'>b</alias>\n<alias name='b'>x</alias>", "1.xml")
    second = write(tmp_path, "<alias name='b'>a</alias>", "2.xml")
    errors = errors_of(first, second)
    assert [(error.path, error.line, error.message) for error in errors] == [
        (first, 2, "alias cycle: a -> b -> a")
    ]
    # in the other order, the 'b' of the first file wins: b -> x, no cycle
    assert load_rules([second, first]).aliases == {"a": ("x",), "b": ("x",)}


def test_all_errors_of_all_files_in_file_order(tmp_path: Path) -> None:
    first = write(
        tmp_path,
        """
        <bogus/>
        <application name="a" pattern="b"/>
        <model name="m">
          <required>maybe</required>
          <required>true</required>
        </model>
        <alias name="loop">loop</alias>
        """,
        "first.xml",
    )
    second = str(tmp_path / "second.xml")
    Path(second).write_text("<root>\n<alias name='x'>y</alias>\n<oops>\n</root>")
    third = write(
        tmp_path, "<application name='c'><start_sequence>x</start_sequence></application>"
    )
    errors = errors_of(first, second, third)
    assert [(Path(error.path).name, error.line) for error in errors] == [
        ("first.xml", 2),
        ("first.xml", 3),
        ("first.xml", 5),
        ("first.xml", 6),
        ("first.xml", 8),
        ("second.xml", 4),
        ("rules.xml", 2),
    ]
    assert "Opening and ending tag mismatch" in errors[5].message


def test_valid_values_accepted(tmp_path: Path) -> None:
    body = """
        <application name="a">
          <distribution> SINGLE_NODE </distribution>
          <start_sequence> +5 </start_sequence>
          <stop_sequence>007</stop_sequence>
          <programs>
            <program name="p">
              <start_sequence>127</start_sequence>
              <expected_loading>100</expected_loading>
              <required> 1 </required>
              <wait_exit>0</wait_exit>
            </program>
          </programs>
        </application>
    """
    rules = load_rules([write(tmp_path, body)])
    application = rules.application_rules("a")
    assert application is not None
    assert (application.start_sequence, application.stop_sequence) == (5, 7)
    program = rules.program_rules("a", "p")
    assert (program.start_sequence, program.expected_loading) == (127, 100)
    assert (program.required, program.wait_exit) == (True, False)


def test_comments_and_processing_instructions_are_ignored(tmp_path: Path) -> None:
    body = """
        <!-- a comment -->
        <?some instruction?>
        <application name="a"><!-- c --><start_sequence>1<!-- c -->2</start_sequence></application>
    """
    application = load_rules([write(tmp_path, body)]).application_rules("a")
    assert application is not None and application.start_sequence == 12


def test_schema_reports_what_the_walk_did_not_explain() -> None:
    # the fallback keeps the schema authoritative: called with an empty log, every schema
    # error comes out in libxml2's words, reworded to start with "element"
    root = etree.fromstring(b"<root>\n<alias name='a' x='1'>b</alias>\n<bogus/></root>")
    log = IssueLog()
    check_schema(root.getroottree(), "/f.xml", log)
    assert [(error.line, error.message) for error in log.errors] == [
        (2, "element 'alias', attribute 'x': The attribute 'x' is not allowed"),
        (3, "element 'bogus': This element is not expected"),
    ]
    # a flagged element is not reported twice
    log = IssueLog()
    log.error(Location("/f.xml", 2), "explained", xpath="/root/alias")
    check_schema(root.getroottree(), "/f.xml", log)
    assert [error.message for error in log.errors] == [
        "explained",
        "element 'bogus': This element is not expected",
    ]


def test_schema_accepts_valid_files() -> None:
    schema = load_schema()
    assert load_schema() is schema
    scenario2 = HERE.parents[2] / "examples" / "scenario2" / "etc" / "supvisors_rules.xml"
    for path in (HERE / "example_section8.xml", scenario2):
        assert schema.validate(etree.parse(str(path))), schema.error_log
    assert os.path.isfile(SCHEMA_PATH)


def test_every_invalid_fixture_is_explained_by_the_walk(tmp_path: Path) -> None:
    # no error message of the cases above is in libxml2's words: the walk found them all
    bodies = [case[0] for case in STRUCTURE_CASES] + [
        f"<model name='m'><{tag}>{value}</{tag}></model>" for tag, value, _ in PROGRAM_VALUE_CASES
    ]
    for index, body in enumerate(bodies):
        for error in errors_of(write(tmp_path, body, f"{index}.xml")):
            assert "not expected" not in error.message and "atomic type" not in error.message


def test_pure_imports() -> None:
    # the rules package is pure: importing it must not pull in supervisor or zmq
    code = (
        "import sys, supvisors_ext.rules; "
        "print([m for m in ('supervisor', 'zmq') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
