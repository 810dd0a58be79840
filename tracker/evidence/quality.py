"""Test quality read from test files' syntax trees, never by importing them.

For each test function the static scan found (:mod:`.testscan`), its body says how many
assertions it makes, which of them are weak, how much it mocks and what it patches. The
rules, which docs/plan-format.md states for plan writers:

* An assertion is an ``assert`` statement, or a call that asserts: ``pytest.raises``,
  ``pytest.warns`` and ``pytest.deprecated_call`` (call or ``with``), any call whose name
  starts with ``assert`` (``self.assertEqual``, ``mock.assert_called_once_with``,
  ``snapshot.assert_match``), snapshot comparisons (a call whose name holds ``snap``, such
  as ``snap_compare``), helpers named ``check_*``, ``verify*`` or ``expect*``, and calls of
  a function of the same file whose body asserts. A call inside an ``assert`` is that one
  assertion, not a second.
* Weak: ``assert x`` on a bare name, attribute or item (and ``assertTrue(x)``);
  ``assert x is not None`` (and ``assertIsNotNone``); ``assert len(x) > 0`` (``>= 1``,
  ``!= 0``, bare ``len(x)``); ``m.assert_called()`` without arguments.
* A mock is a call of ``patch`` (``mock.patch``, ``mocker.patch``, also as a decorator),
  ``patch.object``/``patch.dict``/``patch.multiple``, ``Mock``, ``MagicMock``,
  ``AsyncMock``, ``NonCallableMock``, ``PropertyMock``, or ``monkeypatch.setattr``.
* What a patch replaces is its dotted target (``patch("shop.cart.total")``) or, for
  ``patch.object(cart, "total")`` and ``monkeypatch.setattr(cart, "total", ...)``, the
  object's name resolved through the file's imports (``from shop import cart``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence

from tracker.evidence.quality_values import BARE, CALLED, NON_EMPTY, NOT_NONE, TestQuality
from tracker.evidence.values import StaticTest

_RAISES = frozenset({"raises", "warns", "deprecated_call"})
_HELPER_PREFIXES = ("assert", "check_", "verify", "expect")
_MOCKS = frozenset({"patch", "Mock", "MagicMock", "AsyncMock", "NonCallableMock",
                    "PropertyMock"})
_PATCH_FORMS = frozenset({"object", "dict", "multiple"})
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def read_quality(source: str | bytes, tests: Sequence[StaticTest]) -> dict[str, TestQuality]:
    """The quality of each of ``tests`` (all from one file, whose ``source`` this is), by
    node id; {} when the file does not parse (the static scan reports that)."""
    if not tests:
        return {}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    defs: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    bodies = [tree.body]  # tests live in the module and in (nested) classes: no deeper walk
    while bodies:
        for node in bodies.pop():
            if isinstance(node, _DEFS):
                defs[node.lineno] = node
            elif isinstance(node, ast.ClassDef):
                bodies.append(node.body)
    wanted = {t.line for t in tests}
    reader = _Reader(_imports(tree), _asserting_helpers(defs, wanted))
    found: dict[str, TestQuality] = {}
    for test in tests:
        definition = defs.get(test.line)
        if definition is not None:
            found[test.nodeid] = reader.test(definition)
    return found


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it stands for, from the module's imports."""
    names: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".", 1)[0]
                    names[head] = head
        elif isinstance(stmt, ast.ImportFrom) and stmt.module:
            for alias in stmt.names:
                names[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
    return names


def _asserting_helpers(defs: dict[int, ast.FunctionDef | ast.AsyncFunctionDef],
                       tests: set[int]) -> frozenset[str]:
    """Names of the file's functions (not tests) whose own body asserts."""
    return frozenset(node.name for line, node in defs.items() if line not in tests
                     and any(isinstance(n, ast.Assert) or (isinstance(n, ast.Call) and _asserts(
                         _name(n.func), frozenset())) for n in ast.walk(node)))


def _name(func: ast.expr) -> str:
    """The last name of a called expression: ``pytest.raises`` → "raises"."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _asserts(name: str, helpers: frozenset[str]) -> bool:
    return (name in _RAISES or name.startswith(_HELPER_PREFIXES) or "snap" in name.lower()
            or name in helpers)


class _Reader:
    def __init__(self, imports: dict[str, str], helpers: frozenset[str]) -> None:
        self.imports = imports
        self.helpers = helpers

    def test(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> TestQuality:
        assertions = mocks = 0
        weak: list[tuple[int, str]] = []
        patched: list[str] = []
        todo: list[ast.AST] = [*node.decorator_list, *node.body]
        while todo:
            current = todo.pop()
            if isinstance(current, ast.Assert):
                assertions += 1
                kind = _weak_assert(current.test)
                if kind:
                    weak.append((current.lineno, kind))
                continue  # a call inside the assert is this one assertion
            if isinstance(current, ast.Call):
                name = _name(current.func)
                if _asserts(name, self.helpers):
                    assertions += 1
                    kind = _weak_call(name, current)
                    if kind:
                        weak.append((current.lineno, kind))
                elif self._is_mock(current, name):
                    mocks += 1
                    target = self._patched(current, name)
                    if target:
                        patched.append(target)
            todo.extend(ast.iter_child_nodes(current))
        return TestQuality(assertions=assertions, weak=tuple(sorted(weak)), mocks=mocks,
                           patched=tuple(dict.fromkeys(sorted(patched))),
                           is_async=isinstance(node, ast.AsyncFunctionDef))

    @staticmethod
    def _is_mock(call: ast.Call, name: str) -> bool:
        if name in _MOCKS:
            return True
        func = call.func
        if not isinstance(func, ast.Attribute):
            return False
        if name in _PATCH_FORMS:
            return _name(func.value) == "patch"
        return name == "setattr" and _name(func.value) == "monkeypatch"

    def _patched(self, call: ast.Call, name: str) -> str | None:
        """The dotted name a patch replaces, when the call shows it."""
        if name == "patch" or name == "setattr":
            first = call.args[0] if call.args else next(
                (k.value for k in call.keywords if k.arg == "target"), None)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value if "." in first.value else None
            if name == "patch":
                return None
        if name in ("object", "setattr") and len(call.args) >= 2:
            owner, attr = call.args[0], call.args[1]
            if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                base = self._dotted(owner)
                return f"{base}.{attr.value}" if base else None
        return None

    def _dotted(self, expr: ast.expr) -> str | None:
        """``cart.Cart`` → "shop.cart.Cart" through the imports; None for other shapes."""
        if isinstance(expr, ast.Name):
            return self.imports.get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute):
            base = self._dotted(expr.value)
            return f"{base}.{expr.attr}" if base else None
        return None


def _weak_assert(test: ast.expr) -> str | None:
    """The kind of weak assertion ``assert test`` is, or None."""
    if isinstance(test, ast.Name | ast.Attribute | ast.Subscript):
        return BARE
    if _is_len(test):
        return NON_EMPTY
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.IsNot) and _constant(right, None):
            return NOT_NONE
        if _is_len(test.left) and (
                (isinstance(op, ast.Gt | ast.NotEq) and _constant(right, 0))
                or (isinstance(op, ast.GtE) and _constant(right, 1))):
            return NON_EMPTY
    return None


def _weak_call(name: str, call: ast.Call) -> str | None:
    """The kind of weak assertion a call that asserts is, or None."""
    if name == "assert_called" and not call.args and not call.keywords:
        return CALLED
    if name == "assertTrue" and len(call.args) == 1:
        return _weak_assert(call.args[0])
    if name == "assertIsNotNone":
        return NOT_NONE
    return None


def _is_len(expr: ast.expr) -> bool:
    return (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name)
            and expr.func.id == "len" and len(expr.args) == 1)


def _constant(expr: ast.expr, value: object) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is value if value is None else (
        isinstance(expr, ast.Constant) and type(expr.value) is int and expr.value == value)


def patches_of(targets: Iterable[str], patched: Iterable[str]) -> tuple[str, ...]:
    """Which of ``patched`` (dotted names) replace one of ``targets`` (dotted names of the
    targets' own functions and classes, or their methods): over-mocking."""
    own = set(targets)
    return tuple(p for p in patched if p in own)
