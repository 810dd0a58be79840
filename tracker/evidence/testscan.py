"""Tests found by reading test files' syntax trees, never by importing them.

Importing a user's tests runs their code (and their conftest side effects); reading the AST
is safe and fast. What a static read cannot know (markers added by hooks, generated tests)
comes later from real runs through the pytest plugin.

The scan follows pytest's collection rules: module functions and ``Test*`` classes (as the
project's ``python_files`` / ``python_classes`` / ``python_functions`` say), ``unittest.TestCase``
subclasses whatever their name, ``__test__``, and test methods inherited from base classes.
Base classes are known only when the same file defines them: one imported from elsewhere adds
nothing, and makes nothing a ``TestCase`` unless its name says so (:data:`UNITTEST_BASES`);
:func:`inherited_elsewhere` names such classes when a file shows no test, so that the reason
says why instead of claiming the file holds none (a run then shows what pytest collected).
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable
from typing import Any, TypeAlias

from tracker.evidence.pytest_config import PytestConfig
from tracker.evidence.values import ScannedFile, StaticTest


def _mark_name(node: ast.expr) -> tuple[str, ast.Call | None] | None:
    """``pytest.mark.slow`` / ``mark.slow(...)`` → ("slow", call); anything else → None."""
    call = node if isinstance(node, ast.Call) else None
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        owner = target.value
        if (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
            isinstance(owner, ast.Name) and owner.id == "mark"
        ):
            return target.attr, call
    return None


def _marks(exprs: list[ast.expr]) -> list[tuple[str, ast.Call | None]]:
    found = []
    for expr in exprs:
        items = expr.elts if isinstance(expr, ast.List | ast.Tuple) else [expr]
        for item in items:
            mark = _mark_name(item)
            if mark:
                found.append(mark)
    return found


def _strings(call: ast.Call | None) -> list[str]:
    if call is None:
        return []
    return [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]


def _param_count(call: ast.Call | None) -> int | None:
    if call is None:
        return None
    values = call.args[1] if len(call.args) > 1 else next(
        (k.value for k in call.keywords if k.arg == "argvalues"), None)
    if isinstance(values, ast.List | ast.Tuple | ast.Set):
        return len(values.elts)
    return None


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) if any(c in p for c in "*?[") else name.startswith(p)
               for p in prefixes)


def is_test_file(relpath: str, config: PytestConfig) -> bool:
    """True when pytest would collect ``relpath`` by its name."""
    base = relpath.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(relpath if "/" in p else base, p)
               for p in config.python_files)


#: The last dotted name of the base classes that make a class a ``unittest.TestCase`` when the
#: file defines no class of that name itself: the standard library's, Django's and Django REST
#: framework's. pytest collects such a class whatever its name, and its ``test*`` methods.
UNITTEST_BASES = frozenset({
    "TestCase", "IsolatedAsyncioTestCase", "SimpleTestCase", "TransactionTestCase",
    "LiveServerTestCase", "StaticLiveServerTestCase", "APITestCase", "APISimpleTestCase",
    "APITransactionTestCase", "APILiveServerTestCase",
})

#: No (constant) ``__test__`` in a body. Truthy, like the attribute's absence for pytest.
_UNSET: Any = object()

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)

#: What a name of a module or class body holds, for collection: a function, a class, or None
#: for anything else (a binding that hides an inherited test of the same name).
_Member: TypeAlias = "ast.FunctionDef | ast.AsyncFunctionDef | _Class | None"

#: A base class: one of the file's classes, or the dotted name of one defined elsewhere.
_Base: TypeAlias = "_Class | str"


def scan_source(source: str | bytes, relpath: str, config: PytestConfig) -> ScannedFile:
    """List the tests in one file's source, as pytest would collect them."""
    try:
        tree = ast.parse(source, filename=relpath)
    except SyntaxError as exc:
        return ScannedFile(relpath, (), f"syntax error: {exc.msg}", exc.lineno or 1)
    except (ValueError, RecursionError) as exc:
        return ScannedFile(relpath, (), f"cannot parse: {exc}")
    scope: dict[str, _Class] = {}
    members, flag, marks = _bind(tree.body, scope, scope)
    if not flag:  # a module's ``__test__ = False``: pytest collects nothing from it
        return ScannedFile(relpath, ())
    tests: list[StaticTest] = []
    _collect(members.items(), relpath, (), marks, config, tests)
    return ScannedFile(relpath, tuple(tests))


def inherited_elsewhere(source: bytes, relpath: str, config: PytestConfig
                        ) -> list[tuple[str, str]]:
    """The test classes of a file whose tests may come from a base class another file
    defines, each with that base's name: ``class TestURLSafe(TestSerializer)`` with
    ``TestSerializer`` imported. Read only to explain a file in which the scan found no test
    (pytest would collect the inherited ones; a static read of one file cannot see them)."""
    try:
        tree = ast.parse(source, filename=relpath)
    except (SyntaxError, ValueError, RecursionError):
        return []
    scope: dict[str, _Class] = {}
    members, _, _ = _bind(tree.body, scope, scope)
    found = []
    for name, member in members.items():
        if not isinstance(member, _Class) or not member.test_flag():
            continue
        if member.unittest or _matches(name, config.python_classes):
            elsewhere = [b for b in member.mro if isinstance(b, str) and not b.startswith("<")
                         and b.rpartition(".")[2] not in UNITTEST_BASES]
            if elsewhere:
                found.append((name, elsewhere[0]))
    return found


def _bind(body: list[ast.stmt], scope: dict[str, _Class], globals_: dict[str, _Class]
          ) -> tuple[dict[str, _Member], Any, list[tuple[str, ast.Call | None]]]:
    """What a module or class body binds, in the order of its ``__dict__``, with its
    ``__test__`` and ``pytestmark``.

    Classes are read as Python runs them: statement by statement, each class's bases looked
    up among the classes defined so far in ``scope`` (the body's own names), then in
    ``globals_`` (the module's). Redefining a name keeps its first place and the last value.
    """
    members: dict[str, _Member] = {}
    flag = _UNSET
    pytestmark: ast.expr | None = None
    for stmt in body:
        if isinstance(stmt, _DEFS):
            members[stmt.name] = stmt
            scope.pop(stmt.name, None)
        elif isinstance(stmt, ast.ClassDef):
            members[stmt.name] = scope[stmt.name] = _Class(stmt, scope, globals_)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            value = stmt.value
            for target in stmt.targets if isinstance(stmt, ast.Assign) else (stmt.target,):
                if _sets_test_false(target, value):  # ``test_x.__test__ = False`` after it
                    member = members.get(target.value.id)  # type: ignore[attr-defined]
                    if isinstance(member, _Class):
                        member.flag = False
                    elif member is not None:
                        members[target.value.id] = None  # type: ignore[attr-defined]
                    continue
                if not isinstance(target, ast.Name):
                    continue
                name = target.id
                if name == "__test__":
                    flag = value.value if isinstance(value, ast.Constant) else _UNSET
                elif name == "pytestmark":
                    pytestmark = value
                # ``test_x = None`` hides a test; ``test_x = skip(test_x)`` still is one
                if name not in members or isinstance(value, ast.Constant):
                    members[name] = None
                scope.pop(name, None)
    return members, flag, _marks([pytestmark]) if pytestmark is not None else []


class _Class:
    """A class statement of the file, its bases resolved by name within the file."""

    __slots__ = ("_collected", "flag", "members", "mro", "own_marks", "unittest")

    def __init__(self, node: ast.ClassDef, scope: dict[str, _Class],
                 globals_: dict[str, _Class]) -> None:
        bases = [_base(expr, scope, globals_) for expr in node.bases]
        #: True for a ``unittest.TestCase`` (as far as the file and its base names show)
        self.unittest: bool = any(
            b.unittest if isinstance(b, _Class) else b.rpartition(".")[2] in UNITTEST_BASES
            for b in bases)
        #: the method resolution order, this class first; other files' classes by name
        self.mro: tuple[_Base, ...] = _linearize(self, bases)
        self.members, self.flag, marks = _bind(node.body, {}, globals_)
        self.own_marks = _marks(node.decorator_list) + marks
        self._collected: list[tuple[str, _Member]] | None = None

    def test_flag(self) -> Any:
        """``__test__`` as the class's instances see it: its own, else its bases'."""
        for cls in self.mro:
            if isinstance(cls, _Class) and cls.flag is not _UNSET:
                return cls.flag
        return _UNSET

    def has_constructor(self) -> bool:
        """True when the class or a base of the file defines ``__init__`` or ``__new__``."""
        return any(isinstance(cls, _Class) and ("__init__" in cls.members
                                                or "__new__" in cls.members)
                   for cls in self.mro)

    def marks(self) -> list[tuple[str, ast.Call | None]]:
        """The class's marks and its bases', as pytest gathers them (the last base first)."""
        if len(self.mro) == 1:
            return self.own_marks
        return [m for cls in reversed(self.mro) if isinstance(cls, _Class) for m in cls.own_marks]

    def collected(self) -> list[tuple[str, _Member]]:
        """The names pytest looks at in the class, inherited ones included, in its order:
        each name from the first class of the MRO that binds it, the bases' names first."""
        if self._collected is None:
            if len(self.mro) == 1:
                self._collected = list(self.members.items())
            else:
                seen: set[str] = set()
                groups = []
                for cls in self.mro:
                    if isinstance(cls, _Class):
                        groups.append([(n, m) for n, m in cls.members.items() if n not in seen])
                        seen.update(cls.members)
                self._collected = [pair for group in reversed(groups) for pair in group]
        return self._collected


def _base(expr: ast.expr, scope: dict[str, _Class], globals_: dict[str, _Class]) -> _Base:
    """A base class expression: the file's class of that name, else its dotted name."""
    if isinstance(expr, ast.Name):
        known = scope.get(expr.id) or globals_.get(expr.id)
        return known if known is not None else expr.id
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name) and parts:
        return ".".join((expr.id, *reversed(parts)))
    # ``Generic[T]``, ``with_metaclass(...)``: unknown, and like no other base
    return f"<{expr.lineno}:{expr.col_offset}>"


def _linearize(cls: _Class, bases: list[_Base]) -> tuple[_Base, ...]:
    """The C3 method resolution order of ``cls``, as Python computes it."""
    if not bases:
        return (cls,)
    if len(bases) == 1:
        base = bases[0]
        return (cls, *base.mro) if isinstance(base, _Class) else (cls, base)
    seqs = [list(b.mro) if isinstance(b, _Class) else [b] for b in bases]
    seqs.append(list(bases))
    order: list[_Base] = [cls]
    while seqs:
        for seq in seqs:
            head = seq[0]
            if not any(head in other[1:] for other in seqs):
                break
        else:  # no consistent order: Python would refuse the class; keep them as listed
            return tuple(dict.fromkeys([*order, *(b for seq in seqs for b in seq)]))
        order.append(head)
        seqs = [rest for rest in (seq[1:] if seq[0] is head else seq for seq in seqs) if rest]
    return tuple(order)


def _collect(members: Iterable[tuple[str, _Member]], relpath: str, classes: tuple[str, ...],
             marks: list[tuple[str, ast.Call | None]], config: PytestConfig,
             out: list[StaticTest]) -> None:
    """The tests of a module or (non-unittest) class body, as pytest's collectors see it."""
    for name, member in members:
        if member is None:
            continue
        if isinstance(member, _Class):
            flag = member.test_flag()
            if not flag:
                continue  # ``__test__ = False``: not collected, whatever the name
            if member.unittest:
                _collect_unittest(member, relpath, (*classes, name), marks, out)
            elif ((flag is True or _matches(name, config.python_classes))
                  and not member.has_constructor()):  # pytest skips classes with __init__
                _collect(member.collected(), relpath, (*classes, name),
                         marks + member.marks(), config, out)
        elif _matches(name, config.python_functions) and not _is_fixture(member):
            out.append(_static_test(member, relpath, classes, marks, unittest=False))


def _sets_test_false(target: ast.expr, value: ast.expr) -> bool:
    """``name.__test__ = <falsy constant>``."""
    return (isinstance(target, ast.Attribute) and target.attr == "__test__"
            and isinstance(target.value, ast.Name) and isinstance(value, ast.Constant)
            and not value.value)


def _is_fixture(stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated ``@fixture``, ``@pytest.fixture(...)``, ``@pytest_asyncio.fixture``: pytest
    never collects a fixture as a test, whatever its name."""
    for decorator in stmt.decorator_list:
        node = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (isinstance(node, ast.Name) and node.id == "fixture") or (
                isinstance(node, ast.Attribute) and node.attr == "fixture"):
            return True
    return False


def _collect_unittest(cls: _Class, relpath: str, classes: tuple[str, ...],
                      marks: list[tuple[str, ast.Call | None]], out: list[StaticTest]) -> None:
    """A ``unittest.TestCase``'s tests, by unittest's rule: its methods named ``test*``
    (inherited ones included) in the order of their names, else ``runTest``; nested classes
    are not collected."""
    marks = marks + cls.marks()
    members = cls.collected()
    found = sorted((m for n, m in members if isinstance(m, _DEFS) and n.startswith("test")),
                   key=_name)
    if not found:
        found = [m for n, m in members if isinstance(m, _DEFS) and n == "runTest"]
    out.extend(_static_test(m, relpath, classes, marks, unittest=True) for m in found)


def _name(stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    return stmt.name


def _static_test(stmt: ast.FunctionDef | ast.AsyncFunctionDef, relpath: str,
                 classes: tuple[str, ...], inherited: list[tuple[str, ast.Call | None]],
                 unittest: bool) -> StaticTest:
    """One test function; a unittest method takes no fixture arguments and no parameters."""
    marks = inherited + _marks(stmt.decorator_list)
    fixtures: set[str] = set()
    if not unittest:
        args = [a.arg for a in (*stmt.args.posonlyargs, *stmt.args.args,
                                *stmt.args.kwonlyargs)]
        if classes and args and args[0] in ("self", "cls"):
            args = args[1:]
        fixtures.update(args)
    plan_items: list[str] = []
    cases, parametrized = 1, False
    for name, call in marks:
        if name == "usefixtures":
            fixtures.update(_strings(call))
        elif name == "plan":
            plan_items.extend(_strings(call))
        elif name == "parametrize" and not unittest:
            parametrized = True
            names = _strings(call)[:1]
            if names:
                fixtures.difference_update(n.strip() for n in names[0].split(","))
            count = _param_count(call)
            cases *= count if count is not None else 1
    return StaticTest(
        nodeid="::".join((relpath, *classes, stmt.name)), file=relpath, name=stmt.name,
        classes=classes, line=stmt.lineno, markers=frozenset(n for n, _ in marks),
        fixtures=frozenset(fixtures), plan_items=tuple(dict.fromkeys(plan_items)),
        cases=max(cases, 0), parametrized=parametrized,
    )
