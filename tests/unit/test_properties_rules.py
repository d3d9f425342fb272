"""Property tests of the rules parser: any document gives a `Rules` or a located error.

Documents are random bytes, random text, and (mostly) XML trees built from the rules
vocabulary with random attributes and values, so the walk and the schema check are reached.
Accepted rules are then queried, as the plugin does for each group and process it meets.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supvisors_ext.rules import Rules, RulesFileError, load_rules

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONTAINERS = ["root", "application", "programs", "program", "model"]
LEAVES = [
    "alias", "distribution", "expected_loading", "identifiers", "operational_status",
    "reference", "required", "running_failure_strategy", "start_sequence",
    "starting_failure_strategy", "starting_strategy", "stop_sequence", "wait_exit",
]  # fmt: skip
ATTRIBUTES = ["name", "pattern", "bogus"]
VALUES = [
    "", "0", "1", "-1", "99999999999999999999", "true", "false", "yes", "CONFIG", "LESS_LOADED",
    "STOP", "ABORT", "CONTINUE", "RESTART_PROCESS", "SINGLE_INSTANCE", "ALL_INSTANCES",
    "SINGLE_NODE", "#", "@", "*", "#,a", "a,b", "^x_\\d+$", "(", "[", "x{99999}", "prog",
    "'prog' and any('p.*')", "not", "all(", "'a' or", "daemon", "front",
]  # fmt: skip
texts = st.sampled_from(VALUES) | st.text(max_size=12)


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> str:
    names = LEAVES + (CONTAINERS if depth < 4 else [])
    name = draw(st.sampled_from(names + ["unknown"]))
    attributes = "".join(
        f" {attribute}={quoteattr(draw(texts))}"
        for attribute in draw(st.lists(st.sampled_from(ATTRIBUTES), max_size=2, unique=True))
    )
    if name in CONTAINERS and draw(st.booleans()):
        children = draw(st.lists(element(depth + 1), max_size=4))
        body = "".join(children)
    else:
        body = escape(draw(texts))
    return f"<{name}{attributes}>{body}</{name}>"


@st.composite
def rules_document(draw: st.DrawFn) -> bytes:
    children = "".join(draw(st.lists(element(1), max_size=6)))
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<root>\n{children}\n</root>\n'
    return text.encode("utf-8", "surrogatepass")


SEQUENCES = st.sampled_from(["0", "1", "2", "127", "128", "-1", "x"])
LEAF_VALUES = {
    "reference": st.sampled_from(["daemon", "front_daemon", "nope", ""]),
    "identifiers": st.sampled_from(["*", "#", "@", "#,a", "a,b", "front", "#,@", "a,*", ""]),
    "start_sequence": SEQUENCES,
    "stop_sequence": SEQUENCES,
    "required": st.sampled_from(["true", "false", "1", "maybe"]),
    "wait_exit": st.sampled_from(["true", "false"]),
    "expected_loading": st.sampled_from(["0", "15", "100", "101"]),
    "starting_failure_strategy": st.sampled_from(["ABORT", "STOP", "CONTINUE", "x"]),
    "running_failure_strategy": st.sampled_from(
        ["CONTINUE", "RESTART_PROCESS", "STOP_APPLICATION", "RESTART_APPLICATION", "SHUTDOWN"]
    ),
    "distribution": st.sampled_from(["ALL_INSTANCES", "SINGLE_INSTANCE", "SINGLE_NODE", "x"]),
    "starting_strategy": st.sampled_from(["CONFIG", "LESS_LOADED", "LOCAL", "MOST_LOADED_NODE"]),
    "operational_status": st.sampled_from(
        ["'prog'", "'prog' and any('p.*')", "all('x_.*') or not 'y'", "'a' or", "any(", "1"]
    ),
}
PROGRAM_LEAVES = [
    "reference", "identifiers", "start_sequence", "stop_sequence", "required", "wait_exit",
    "expected_loading", "starting_failure_strategy", "running_failure_strategy",
]  # fmt: skip
APPLICATION_LEAVES = [
    "distribution", "identifiers", "start_sequence", "stop_sequence", "starting_strategy",
    "starting_failure_strategy", "running_failure_strategy", "operational_status",
]  # fmt: skip
NAMES = st.sampled_from(["prog", "shop", "daemon", "front_daemon", "x_1", "a", "b", "front"])
PATTERNS = st.sampled_from(["^x_\\d+$", "prog", "^report_\\d+$", "(", ".*", "[a-z]+"])


@st.composite
def naming(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["name", "name", "pattern", "both", "none"]))
    name = f" name={quoteattr(draw(NAMES))}" if kind in ("name", "both") else ""
    pattern = f" pattern={quoteattr(draw(PATTERNS))}" if kind in ("pattern", "both") else ""
    return name + pattern


@st.composite
def leaves(draw: st.DrawFn, allowed: list[str]) -> str:
    chosen = draw(st.lists(st.sampled_from(allowed), max_size=4, unique=True))
    return "".join(f"<{leaf}>{escape(draw(LEAF_VALUES[leaf]))}</{leaf}>" for leaf in chosen)


@st.composite
def plausible_document(draw: st.DrawFn) -> bytes:
    """Mostly schema-valid: the right elements in any order, values sometimes wrong."""
    parts = []
    for _ in range(draw(st.integers(0, 2))):
        parts.append(
            f"<alias name={quoteattr(draw(NAMES))}>{draw(LEAF_VALUES['identifiers'])}</alias>"
        )
    for _ in range(draw(st.integers(0, 2))):
        parts.append(f"<model{draw(naming())}>{draw(leaves(PROGRAM_LEAVES))}</model>")
    for _ in range(draw(st.integers(0, 3))):
        programs = "".join(
            f"<program{draw(naming())}>{draw(leaves(PROGRAM_LEAVES))}</program>"
            for _ in range(draw(st.integers(0, 3)))
        )
        body = draw(leaves(APPLICATION_LEAVES)) + (
            f"<programs>{programs}</programs>" if programs else ""
        )
        parts.append(f"<application{draw(naming())}>{body}</application>")
    return f"<root>{''.join(parts)}</root>".encode()


documents = (
    plausible_document()
    | rules_document()
    | st.binary(max_size=200)
    | st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass"))
    | st.builds(lambda doc, cut: doc[:cut], rules_document(), st.integers(0, 400))
)


def write(data: bytes) -> Iterator[str]:
    fd, path = tempfile.mkstemp(suffix=".xml")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        yield path
    finally:
        os.unlink(path)


def check(paths: list[str]) -> None:
    try:
        rules = load_rules(paths)
    except RulesFileError as exc:
        assert exc.errors
        for issue in exc.errors:
            assert issue.path in paths, issue  # every error says where
            assert issue.line >= 0 and issue.column >= 0
            assert issue.message and str(issue).startswith("rules file error: ")
        return
    assert isinstance(rules, Rules)
    for issue in rules.warnings:
        assert issue.path in paths and issue.format_warning()
    for group in ("prog", "x_1", "shop", "", "report_1"):
        application = rules.application_rules(group)
        if application is not None:  # what get_application_rules returns must be marshallable
            assert application.as_dict()["managed"] is True
        rules.program_rules(group, "prog")


@SETTINGS
@given(documents)
def test_any_document_gives_rules_or_a_located_error(data: bytes) -> None:
    for path in write(data):
        check([path])


@SETTINGS
@given(plausible_document(), plausible_document() | rules_document())
def test_two_files_together(first: bytes, second: bytes) -> None:
    for one in write(first):
        for two in write(second):
            check([one, two])
