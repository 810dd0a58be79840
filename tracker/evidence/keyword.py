"""pytest's ``-k`` expression language, evaluated against statically known test names.

pytest's own parser lives in a private module (``_pytest.mark.expression``), which we must not
import; the grammar is tiny and documented, so it is written out here:

    expr:     and_expr ('or' and_expr)*
    and_expr: not_expr ('and' not_expr)*
    not_expr: 'not' not_expr | '(' expr ')' | ident

An identifier matches when it is a case-insensitive substring of any of a test's names
(function, class, module file, directories, markers), as in pytest. Matchers take the names
as one :func:`haystack`: lower-cased and joined by newlines, which no identifier can hold, so
one substring search per identifier gives the same answer as one per name. Big plans match
many expressions against thousands of tests; the haystack of a test is built once.

Expressions come from plan.yaml, so no expression may exhaust the stack: runs of ``not`` are
folded as they are read, and parentheses nest at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Matcher = Callable[[str], bool]

#: Parentheses nest at most this deep. Parsing and matching recurse once per level (a few
#: frames each), so a deeper expression would end in RecursionError, in the loader or the
#: judge, instead of a line saying what is wrong. pytest's own -k parser stops earlier.
MAX_DEPTH = 100

_TOKEN = re.compile(r"\s*(\(|\)|[\w:+\-.\[\]\\/]+)")


class KeywordError(ValueError):
    """The expression does not parse."""


def haystack(names: Iterable[str]) -> str:
    """A test's names in the form matchers take."""
    return "\n".join(names).lower()


def parse_keyword(text: str) -> Matcher:
    """Compile a ``-k`` expression into a function of a test's :func:`haystack`."""
    return _matcher(_parse(text))


def keyword_filter(text: str) -> Filter:
    """Compile a ``-k`` expression into a function of many tests' haystacks at once, giving
    whether each matches (as :func:`parse_keyword` would, one by one).

    Big plans match a few expressions against thousands of tests: one substring search per
    identifier over the whole list, combined element-wise, runs at C speed where a matcher
    per test calls a closure per identifier per test.
    """
    tree = _parse(text)
    return lambda haystacks: _many(tree, haystacks)


Filter = Callable[[Sequence[str]], list[bool]]

#: A parsed expression: ("id", needle) | ("not", tree) | ("and" | "or", [trees]).
_Tree = tuple[str, Any]


def _parse(text: str) -> _Tree:
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise KeywordError(f"unexpected character {text[pos]!r} at column {pos + 1}")
        tokens.append(match.group(1))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    if not tokens:
        raise KeywordError("empty expression: write names joined by and/or/not")
    parser = _Parser(tokens)
    tree = parser.expr()
    if parser.pos != len(tokens):
        raise KeywordError(f"unexpected {tokens[parser.pos]!r}")
    return tree


def _matcher(tree: _Tree) -> Matcher:
    kind, value = tree
    if kind == "id":
        needle: str = value
        return lambda names: needle in names
    if kind == "not":
        inner = _matcher(value)
        return lambda names: not inner(names)
    parts = [_matcher(part) for part in value]
    if kind == "and":
        return lambda names: all(p(names) for p in parts)
    return lambda names: any(p(names) for p in parts)


def _many(tree: _Tree, haystacks: Sequence[str]) -> list[bool]:
    kind, value = tree
    if kind == "id":
        needle: str = value
        return [needle in names for names in haystacks]
    if kind == "not":
        return [not hit for hit in _many(value, haystacks)]
    combine = operator.and_ if kind == "and" else operator.or_
    hits = _many(value[0], haystacks)
    for part in value[1:]:
        hits = list(map(combine, hits, _many(part, haystacks)))
    return hits


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0  #: parentheses open around the current position

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise KeywordError("expression ends too early")
        self.pos += 1
        return token

    def expr(self) -> _Tree:
        parts = [self.and_expr()]
        while self.peek() == "or":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def and_expr(self) -> _Tree:
        parts = [self.not_expr()]
        while self.peek() == "and":
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def not_expr(self) -> _Tree:
        # a run of `not` folds into its parity: 2,000 of them cost no recursion
        negate = False
        token = self.take()
        while token == "not":
            negate = not negate
            token = self.take()
        inner = self.primary(token)
        return ("not", inner) if negate else inner

    def primary(self, token: str) -> _Tree:
        if token == "(":
            if self.depth == MAX_DEPTH:
                raise KeywordError(f"parentheses nested more than {MAX_DEPTH} deep: "
                                   "write the expression flatter")
            self.depth += 1
            inner = self.expr()
            if self.take() != ")":
                raise KeywordError("missing ')'")
            self.depth -= 1
            return inner
        if token in (")", "and", "or"):
            raise KeywordError(f"unexpected {token!r}")
        return ("id", token.lower())
