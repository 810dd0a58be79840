"""Tests found by reading test files' syntax trees, never by importing them.

Importing a user's tests runs their code (and their conftest side effects); reading the AST
is safe and fast. What a static read cannot know (markers added by hooks, generated tests)
comes later from real runs through the pytest plugin.
"""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass

from tracker.evidence.pytest_config import PytestConfig


@dataclass(frozen=True, slots=True)
class StaticTest:
    """A test function as the source shows it."""

    nodeid: str  #: ``path::Class::name``, without parameters
    file: str  #: path relative to the root, with forward slashes
    name: str
    classes: tuple[str, ...]
    line: int
    markers: frozenset[str]
    fixtures: frozenset[str]
    plan_items: tuple[str, ...]  #: item ids from ``@pytest.mark.plan(...)``
    cases: int  #: number of parametrized cases, 1 when unknown or not parametrized
    parametrized: bool

    def names(self) -> tuple[str, ...]:
        """The names a ``-k`` expression is matched against, as pytest does."""
        parts = self.file.split("/")
        return (self.name, *self.classes, *parts, *self.markers)


@dataclass(frozen=True, slots=True)
class ScannedFile:
    """The tests of one file, or why it could not be read."""

    path: str
    tests: tuple[StaticTest, ...]
    error: str | None = None
    error_line: int = 1


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


def _pytestmark(body: list[ast.stmt]) -> list[tuple[str, ast.Call | None]]:
    for stmt in body:
        value = None
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
        ) or (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
              and stmt.target.id == "pytestmark" and stmt.value is not None):
            value = stmt.value
        if value is not None:
            return _marks([value])
    return []


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


def scan_source(source: str | bytes, relpath: str, config: PytestConfig) -> ScannedFile:
    """List the tests in one file's source."""
    try:
        tree = ast.parse(source, filename=relpath)
    except SyntaxError as exc:
        return ScannedFile(relpath, (), f"syntax error: {exc.msg}", exc.lineno or 1)
    except (ValueError, RecursionError) as exc:
        return ScannedFile(relpath, (), f"cannot parse: {exc}")
    tests: list[StaticTest] = []
    module_marks = _pytestmark(tree.body)
    _scan_body(tree.body, relpath, (), module_marks, config, tests)
    return ScannedFile(relpath, tuple(tests))


def _scan_body(body: list[ast.stmt], relpath: str, classes: tuple[str, ...],
               inherited: list[tuple[str, ast.Call | None]], config: PytestConfig,
               out: list[StaticTest]) -> None:
    for stmt in body:
        if isinstance(stmt, ast.ClassDef) and _matches(stmt.name, config.python_classes):
            if any(isinstance(s, ast.FunctionDef) and s.name == "__init__" for s in stmt.body):
                continue  # pytest does not collect classes with __init__
            class_marks = inherited + _marks(stmt.decorator_list) + _pytestmark(stmt.body)
            _scan_body(stmt.body, relpath, (*classes, stmt.name), class_marks, config, out)
        elif (isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
              and _matches(stmt.name, config.python_functions)):
            marks = inherited + _marks(stmt.decorator_list)
            args = [a.arg for a in (*stmt.args.posonlyargs, *stmt.args.args,
                                    *stmt.args.kwonlyargs)]
            if classes and args and args[0] in ("self", "cls"):
                args = args[1:]
            fixtures = set(args)
            plan_items: list[str] = []
            cases, parametrized = 1, False
            for name, call in marks:
                if name == "usefixtures":
                    fixtures.update(_strings(call))
                elif name == "plan":
                    plan_items.extend(_strings(call))
                elif name == "parametrize":
                    parametrized = True
                    names = _strings(call)[:1]
                    if names:
                        fixtures.difference_update(n.strip() for n in names[0].split(","))
                    count = _param_count(call)
                    cases *= count if count is not None else 1
            nodeid = "::".join((relpath, *classes, stmt.name))
            out.append(StaticTest(
                nodeid=nodeid, file=relpath, name=stmt.name, classes=classes,
                line=stmt.lineno, markers=frozenset(n for n, _ in marks),
                fixtures=frozenset(fixtures), plan_items=tuple(dict.fromkeys(plan_items)),
                cases=max(cases, 0), parametrized=parametrized,
            ))
