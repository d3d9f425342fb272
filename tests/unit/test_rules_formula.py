"""The operational_status formula: parsing and evaluation
(docs/rules.md#operational_status-formula)."""

from __future__ import annotations

import pytest

from supvisors_ext.rules import FormulaEvaluationError, FormulaSyntaxError, StatusFormula

PROCESSES = {
    "collector": True,
    "render_1": True,
    "render_2": False,
    "register_a": True,
    "register_b": True,
    "movie_1": False,
    "movie_2": True,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'collector'", True),
        ('"render_2"', False),
        ("not 'render_2'", True),
        ("not not 'render_2'", False),
        ("'collector' and 'render_1'", True),
        ("'collector' and 'render_2'", False),
        ("'render_2' or 'collector'", True),
        ("'render_2' or 'movie_1'", False),
        ("any('render_.*')", True),
        ("all('render_.*')", False),
        ("all('register_.*') and any(\"movie_.*\")", True),
        ("all('register_.*') and all(\"movie_.*\")", False),
        # precedence: not > and > or
        ("'render_2' and 'movie_1' or 'collector'", True),
        ("'render_2' and ('movie_1' or 'collector')", False),
        ("not 'render_2' and 'collector'", True),
        ("not ('render_2' or 'collector')", False),
        # a regular expression matching one process gives a boolean
        ("'coll.*'", True),
        ("'movie_[1]' or 'render_[2]'", False),
        # an exact name wins over its reading as a regular expression
        ("all('collector')", True),
        # any()/all() of a parenthesised operand or of an expression
        ("any(('render_.*'))", True),
        ("all('collector' and 'render_1')", True),
        ("any(not 'collector')", False),
        ("  'collector'  ", True),
        # backslashes are kept: \d is a digit class
        (r"all('register_\w')", True),
        (r"any('movie_\d')", True),
    ],
)
def test_evaluate(text: str, expected: bool) -> None:
    assert StatusFormula.parse(text).evaluate(PROCESSES) is expected


def test_text_is_trimmed_and_equality_uses_text() -> None:
    formula = StatusFormula.parse("  'a' and 'b' ")
    assert formula.text == "'a' and 'b'"
    assert formula == StatusFormula.parse("'a' and 'b'")
    assert "'a' and 'b'" in repr(formula)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty formula"),
        ("   ", "empty formula"),
        ("'a' and", "unexpected end of formula"),
        ("and 'a'", "unexpected 'and' at character 1"),
        ("'a' 'b'", "expected end of formula, found operand 'b' at character 5"),
        ("'a' or or 'b'", "unexpected 'or' at character 8"),
        ("('a'", "expected ')', found end of formula"),
        ("'a')", "expected end of formula, found ')' at character 4"),
        ("any 'a'", "expected '(', found operand 'a' at character 5"),
        ("any()", "any() takes exactly one argument"),
        ("all('a', 'b')", "all() takes exactly one argument"),
        ("any('a'", "expected ')', found end of formula"),
        ("'a' && 'b'", "unexpected character '&' at character 5"),
        ("'a' AND 'b'", "unknown name 'AND' at character 5"),
        ("'a' xor 'b'", "unknown name 'xor' at character 5"),
        ("len('a')", "unknown name 'len' at character 1"),
        ("'a' and 'b", "unterminated operand at character 9"),
        ("'a[' or 'b'", "operand 'a[' at character 1 is not a valid regular expression"),
        ("(", "unexpected end of formula"),
        (")", "unexpected ')' at character 1"),
        (",", "unexpected ',' at character 1"),
        ("not", "unexpected end of formula"),
        ("1", "unexpected character '1' at character 1"),
    ],
)
def test_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(FormulaSyntaxError) as info:
        StatusFormula.parse(text)
    assert message in str(info.value)


def test_syntax_error_is_a_value_error() -> None:
    assert issubclass(FormulaSyntaxError, ValueError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("'ghost'", "operand 'ghost' matches no process"),
        ("any('ghost_.*')", "operand 'ghost_.*' matches no process"),
        ("'render_.*'", "operand 'render_.*' matches 2 processes: use it inside any() or all()"),
        ("not 'render_.*'", "matches 2 processes"),
        ("'collector' and 'register_.*'", "matches 2 processes"),
        ("any('collector' or 'render_.*')", "matches 2 processes"),
        # every operand is evaluated: the error does not depend on the process states
        ("'collector' or 'ghost'", "operand 'ghost' matches no process"),
        ("'render_2' and 'ghost'", "operand 'ghost' matches no process"),
        # operands must match whole names
        ("'render'", "operand 'render' matches no process"),
        ("'ender_1'", "operand 'ender_1' matches no process"),
    ],
)
def test_evaluation_errors(text: str, message: str) -> None:
    with pytest.raises(FormulaEvaluationError) as info:
        StatusFormula.parse(text).evaluate(PROCESSES)
    assert message in str(info.value)


def test_evaluation_with_no_process() -> None:
    with pytest.raises(FormulaEvaluationError, match="matches no process"):
        StatusFormula.parse("all('.*')").evaluate({})
