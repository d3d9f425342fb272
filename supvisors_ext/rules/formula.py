"""The `operational_status` formula: tokenizer, recursive-descent parser, evaluator; pure.

Grammar (docs/rules.md#operational_status-formula), with Python's precedence
(`not` > `and` > `or`)::

    formula  := or_expr END
    or_expr  := and_expr ('or' and_expr)*
    and_expr := not_expr ('and' not_expr)*
    not_expr := 'not' not_expr | primary
    primary  := STRING | '(' or_expr ')' | ('any' | 'all') '(' or_expr ')'

The formula text is never given to eval(): it comes from a file and is only data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class FormulaSyntaxError(ValueError):
    """The formula text does not follow the grammar; raised at load time."""


class FormulaEvaluationError(Exception):
    """The formula cannot be evaluated against the current processes of the application."""


class _Kind(Enum):
    STRING = "string"
    NAME = "name"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    END = "end"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Kind
    text: str
    position: int  # 1-based character position in the formula, for error messages

    def describe(self) -> str:
        if self.kind is _Kind.END:
            return "end of formula"
        if self.kind is _Kind.STRING:
            return f"operand {self.text!r} at character {self.position}"
        return f"{self.text!r} at character {self.position}"


_PUNCTUATION = {"(": _Kind.LPAREN, ")": _Kind.RPAREN, ",": _Kind.COMMA}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = frozenset({"and", "or", "not", "any", "all"})


def _tokenize(text: str) -> list[_Token]:
    """Split the formula into tokens; quotes delimit operands and backslashes stay literal."""
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char in _PUNCTUATION:
            tokens.append(_Token(_PUNCTUATION[char], char, index + 1))
            index += 1
        elif char in "'\"":
            # no escape sequences: operands are regular expressions, where '\d' must stay '\d'
            end = text.find(char, index + 1)
            if end < 0:
                raise FormulaSyntaxError(f"unterminated operand at character {index + 1}")
            tokens.append(_Token(_Kind.STRING, text[index + 1 : end], index + 1))
            index = end + 1
        elif match := _NAME.match(text, index):
            name = match.group()
            if name not in _KEYWORDS:
                raise FormulaSyntaxError(f"unknown name {name!r} at character {index + 1}")
            tokens.append(_Token(_Kind.NAME, name, index + 1))
            index = match.end()
        else:
            raise FormulaSyntaxError(f"unexpected character {char!r} at character {index + 1}")
    tokens.append(_Token(_Kind.END, "", len(text) + 1))
    return tokens


@dataclass(frozen=True, slots=True)
class _Operand:
    text: str
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class _Not:
    operand: _Node


@dataclass(frozen=True, slots=True)
class _BoolOp:
    conjunction: bool  # True for `and`, False for `or`
    operands: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Call:
    universal: bool  # True for all(), False for any()
    argument: _Node


_Node = _Operand | _Not | _BoolOp | _Call


class _Parser:
    """Recursive-descent parser over the token list; one method per grammar rule."""

    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._index = 0

    def parse(self) -> _Node:
        node = self._or_expr()
        self._expect(_Kind.END)
        return node

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _next(self) -> _Token:
        token = self._tokens[self._index]
        if token.kind is not _Kind.END:
            self._index += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token.kind is _Kind.NAME and token.text == word:
            self._index += 1
            return True
        return False

    def _expect(self, kind: _Kind) -> None:
        token = self._next()
        if token.kind is not kind:
            expected = "end of formula" if kind is _Kind.END else repr(kind.value)
            raise FormulaSyntaxError(f"expected {expected}, found {token.describe()}")

    def _or_expr(self) -> _Node:
        operands = [self._and_expr()]
        while self._keyword("or"):
            operands.append(self._and_expr())
        return operands[0] if len(operands) == 1 else _BoolOp(False, tuple(operands))

    def _and_expr(self) -> _Node:
        operands = [self._not_expr()]
        while self._keyword("and"):
            operands.append(self._not_expr())
        return operands[0] if len(operands) == 1 else _BoolOp(True, tuple(operands))

    def _not_expr(self) -> _Node:
        if self._keyword("not"):
            return _Not(self._not_expr())
        return self._primary()

    def _primary(self) -> _Node:
        token = self._next()
        if token.kind is _Kind.STRING:
            return _make_operand(token)
        if token.kind is _Kind.LPAREN:
            node = self._or_expr()
            self._expect(_Kind.RPAREN)
            return node
        if token.kind is _Kind.NAME and token.text in ("any", "all"):
            return self._call(token)
        raise FormulaSyntaxError(f"unexpected {token.describe()}")

    def _call(self, function: _Token) -> _Call:
        self._expect(_Kind.LPAREN)
        if self._peek().kind is _Kind.RPAREN:
            raise FormulaSyntaxError(f"{function.text}() takes exactly one argument")
        argument = self._or_expr()
        if self._peek().kind is _Kind.COMMA:
            raise FormulaSyntaxError(f"{function.text}() takes exactly one argument")
        self._expect(_Kind.RPAREN)
        return _Call(function.text == "all", argument)


def _make_operand(token: _Token) -> _Operand:
    # compiled now so that a broken expression is a load-time error, not a runtime surprise
    try:
        regex = re.compile(token.text)
    except re.error as exc:
        raise FormulaSyntaxError(
            f"operand {token.text!r} at character {token.position} is not a valid "
            f"regular expression: {exc}"
        ) from None
    return _Operand(token.text, regex)


def _matches(operand: _Operand, process_truth: Mapping[str, bool]) -> list[bool]:
    """Truth values of the processes named by the operand: exact name first, else full match."""
    if operand.text in process_truth:
        return [process_truth[operand.text]]
    values = [truth for name, truth in process_truth.items() if operand.regex.fullmatch(name)]
    if not values:
        raise FormulaEvaluationError(f"operand {operand.text!r} matches no process")
    return values


def _truth(node: _Node, process_truth: Mapping[str, bool]) -> bool:
    if isinstance(node, _Operand):
        values = _matches(node, process_truth)
        if len(values) > 1:
            raise FormulaEvaluationError(
                f"operand {node.text!r} matches {len(values)} processes: "
                "use it inside any() or all()"
            )
        return values[0]
    if isinstance(node, _Not):
        return not _truth(node.operand, process_truth)
    if isinstance(node, _BoolOp):
        # every operand is evaluated, so that a broken operand is reported whatever the states
        values = [_truth(operand, process_truth) for operand in node.operands]
        return all(values) if node.conjunction else any(values)
    argument = node.argument
    if isinstance(argument, _Operand):
        values = _matches(argument, process_truth)
    else:
        values = [_truth(argument, process_truth)]
    return all(values) if node.universal else any(values)


@dataclass(frozen=True, slots=True)
class StatusFormula:
    """A parsed `operational_status` formula; `text` is the formula as written (trimmed)."""

    text: str
    _root: _Node = field(repr=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> StatusFormula:
        """Parse the formula; FormulaSyntaxError names the problem and its position."""
        text = text.strip()
        if not text:
            raise FormulaSyntaxError("empty formula")
        return cls(text, _Parser(_tokenize(text)).parse())

    def evaluate(self, process_truth: Mapping[str, bool]) -> bool:
        """Evaluate against {process name: counts as true}
        (docs/rules.md#operational_status-formula).

        Raises FormulaEvaluationError when an operand matches no process, or when an operand
        matching several processes is used outside any()/all().
        """
        return _truth(self._root, process_truth)
