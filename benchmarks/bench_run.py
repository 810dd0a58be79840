"""run-2000-tests: `tracker run` on a 2,000-test suite, against the same suite under coverage.py.

Subject: ``python -m tracker run --show-output -- -q -p no:cacheprovider`` (output to
/dev/null): pytest under branch coverage, every outcome followed and recorded, coverage
combined and analysed, the files hashed and the run stored in ``.tracker/tracker.db``.
Floor: ``python -m coverage run --branch -m pytest -p no:tracker -q -p no:cacheprovider``,
the command a project runs to get the same tests and the same coverage without tracker (``-p
no:tracker``: not even tracker's plugin is imported, as in a venv without tracker). Both are
whole processes on the same generated project, with the same interpreter: for
``run-2000-tests`` that of a lean venv holding only pytest, coverage and tracker
(:mod:`leanvenv`, built once and cached), as a project's CI venv would; goal: recording costs
at most 5% over the floor. ``run-2000-tests-dev`` measures the same with the interpreter
running the benchmarks (the dev venv, whose dozen pytest plugins load into both commands);
goal 10%.

The project (:func:`make_project`, seeded, byte-for-byte reproducible): ``src/app/`` with five
modules of small functions full of branches, 200 test files of exactly 10 tests each (plain
tests with one to three assertions computed from the package, parametrized tests, a
``Test*`` class, tests using a ``conftest.py`` fixture, markers, module ``pytestmark``,
``@pytest.mark.plan``), a ``pyproject.toml`` with pytest settings and
``[tool.coverage.run] source = ["src"]``, a ``plan.yaml`` whose items link those tests, and
a git repository with everything committed.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import (
    REPO,
    BenchError,
    Benchmark,
    Options,
    Result,
    interleaved,
    python,
    python_env,
    run_checked,
)
from leanvenv import lean_python
from plangen import git_commit

NAME = "run-2000-tests"
GOAL = 1.05
#: the same measure in the venv running the benchmarks (the dev venv, a dozen pytest plugins)
DEV_NAME = "run-2000-tests-dev"
DEV_GOAL = 1.10
SEED = 20260402
TEST_FILES = 200
TESTS_PER_FILE = 10
MARKERS = ("slow", "smoke", "integration")
PYTEST_ARGS = ("-q", "-p", "no:cacheprovider")

# --- the package under test ---------------------------------------------------------------

_PRICING = '''\
"""Prices, discounts and shipping."""

from __future__ import annotations

RATES = {"SAVE10": 0.10, "SAVE25": 0.25, "STAFF": 0.40}


def discount(total: float, code: str | None = None, member: bool = False) -> float:
    if total < 0:
        raise ValueError("negative total")
    rate = 0.0
    if code is not None:
        if code not in RATES:
            raise KeyError(code)
        rate = RATES[code]
        if code == "SAVE25" and total < 100:
            rate = 0.10
    if member:
        rate += 0.05
    return round(total * (1 - min(rate, 0.45)), 2)


def shipping(weight: float, country: str, express: bool = False) -> float:
    if weight <= 0:
        raise ValueError("weight must be positive")
    if country == "NL":
        cost = 4.95 if weight < 2 else 6.95
    elif country in ("BE", "DE", "FR"):
        cost = 9.95 + max(0.0, weight - 2) * 1.5
    else:
        cost = 19.95 + weight * 3
    if express:
        cost *= 2
    return round(cost, 2)


def order_total(lines: list[tuple[float, int]], code: str | None = None) -> float:
    subtotal = 0.0
    for price, quantity in lines:
        if quantity <= 0:
            continue
        subtotal += price * quantity
    return discount(round(subtotal, 2), code)
'''

_TEXT = '''\
"""Text helpers: slugs, numbers, CSV fields."""

from __future__ import annotations


def slugify(text: str, sep: str = "-") -> str:
    out = []
    pending = False
    for ch in text.lower():
        if ch.isalnum():
            if pending and out:
                out.append(sep)
            out.append(ch)
            pending = False
        else:
            pending = True
    return "".join(out)


def parse_number(text: str) -> int | float:
    text = text.strip().replace("_", "")
    if not text:
        raise ValueError("empty")
    sign = 1
    if text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if text.lower().startswith("0x"):
        return sign * int(text[2:], 16)
    if "." in text or "e" in text.lower():
        return sign * float(text)
    return sign * int(text)


def parse_csv(line: str, sep: str = ",") -> list[str]:
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            fields.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if quoted:
        raise ValueError("unclosed quote")
    fields.append("".join(current).strip())
    return fields


def truncate(text: str, width: int) -> str:
    if width < 1:
        raise ValueError("width must be at least 1")
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > width // 2:
        cut = cut[:space]
    return cut + "~"
'''

_STATS = '''\
"""Small statistics over lists of numbers."""

from __future__ import annotations


def mean(values: list[int]) -> float:
    if not values:
        raise ValueError("no values")
    return sum(values) / len(values)


def median(values: list[int]) -> float:
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: list[int], p: int) -> int:
    if not 0 <= p <= 100:
        raise ValueError("p out of range")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def histogram(values: list[int], buckets: int, low: int = 0, high: int = 100) -> list[int]:
    counts = [0] * buckets
    width = (high - low) / buckets
    for value in values:
        if value < low or value >= high:
            continue
        counts[int((value - low) // width)] += 1
    return counts


def summary(values: list[int]) -> dict[str, float]:
    return {"n": len(values), "min": min(values), "max": max(values),
            "mean": round(mean(values), 3), "median": median(values)}
'''

_VALIDATE = '''\
"""Input validation."""

from __future__ import annotations


def email(address: str) -> bool:
    if address.count("@") != 1:
        return False
    user, domain = address.split("@")
    if not user or not domain or "." not in domain:
        return False
    if domain.startswith(".") or domain.endswith("."):
        return False
    return all(ch.isalnum() or ch in "._+-" for ch in user)


def age(value: str | int) -> int:
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            raise ValueError(f"not a number: {value!r}")
        value = int(value)
    if value < 0 or value > 150:
        raise ValueError(f"out of range: {value}")
    return value


def order(data: dict[str, object]) -> list[str]:
    problems = []
    for key in ("id", "lines", "country"):
        if key not in data:
            problems.append(f"missing {key}")
    lines = data.get("lines")
    if isinstance(lines, list):
        if not lines:
            problems.append("no lines")
        for i, line in enumerate(lines):
            if not isinstance(line, (list, tuple)) or len(line) != 2:
                problems.append(f"line {i}: bad shape")
            elif line[1] <= 0:
                problems.append(f"line {i}: quantity")
    elif lines is not None:
        problems.append("lines: not a list")
    return problems
'''

_RETRY = '''\
"""Retries with backoff, and a fake client to exercise them."""

from __future__ import annotations


def delays(base: float, factor: float, cap: float, attempts: int) -> list[float]:
    out = []
    delay = base
    for _ in range(attempts):
        out.append(round(min(delay, cap), 3))
        delay *= factor
    return out


class Client:
    def __init__(self, retries: int = 3) -> None:
        self.retries = retries
        self.attempts = 0
        self._failures = 0

    def fail_next(self, count: int) -> None:
        self._failures = count

    def get(self, path: str) -> int:
        self.attempts = 0
        while True:
            self.attempts += 1
            if self._failures:
                self._failures -= 1
                if self.attempts > self.retries:
                    return 503
                continue
            return 404 if path.startswith("/missing") else 200
'''

_MODULES = {"pricing": _PRICING, "text": _TEXT, "stats": _STATS, "validate": _VALIDATE,
            "retry": _RETRY}

_WORDS = ["alpha", "Beta", "gamma!", "Delta Force", "  spaced  out ", "x_y_z", "Ünïcode",
          "mixed-CASE words", "a.b.c", "1st place", "", "tabs\tand\nlines"]
_COUNTRIES = ["NL", "BE", "DE", "FR", "US", "JP"]
_CODES = [None, None, "SAVE10", "SAVE25", "STAFF", "BOGUS"]
_NUMBERS = ["42", " -7 ", "0x1F", "+3.5", "1_000", "2e3", "", "abc", "-0x10", "12.25"]
_CSV = ['a,b,c', '"x, y",z', ' 1 , 2 ,3', '"unclosed,1', 'one', 'a;b;c', ',,']
_EMAILS = ["ann@example.com", "bob@localhost", "@x.org", "c.d+e@mail.example.org",
           "two@@at.com", "eve@.com", "ok_1@a.io", "sp ace@b.com"]
_AGES: list[str | int] = ["42", " 7 ", "-1", "abc", 0, 150, 151, 99]


def _values(rng: random.Random) -> list[int]:
    return [rng.randrange(100) for _ in range(rng.randrange(1, 25))]


def _order(rng: random.Random) -> dict[str, object]:
    data: dict[str, object] = {"id": rng.randrange(1000), "country": rng.choice(_COUNTRIES)}
    kind = rng.randrange(5)
    if kind < 3:
        data["lines"] = [[round(rng.uniform(1, 50), 2), rng.randrange(-1, 4)]
                         for _ in range(rng.randrange(0, 4))]
    elif kind == 3:
        data["lines"] = "not a list"
    if rng.random() < 0.2:
        del data["id"]
    return data


#: (module, function, arguments from a seeded rng)
_CALLS: list[tuple[str, str, Callable[[random.Random], tuple[Any, ...]]]] = [
    ("pricing", "discount", lambda r: (r.choice([0.0, 19.99, 99.0, 100.0, 250.5, -5.0]),
                                       r.choice(_CODES), r.random() < 0.4)),
    ("pricing", "shipping", lambda r: (r.choice([0.5, 1.9, 2.0, 7.25, 0.0]),
                                       r.choice(_COUNTRIES), r.random() < 0.3)),
    ("pricing", "order_total", lambda r: ([(round(r.uniform(1, 90), 2), r.randrange(-1, 5))
                                           for _ in range(r.randrange(1, 6))],
                                          r.choice(_CODES[:4]))),
    ("text", "slugify", lambda r: (r.choice(_WORDS) + " " + r.choice(_WORDS),)),
    ("text", "parse_number", lambda r: (r.choice(_NUMBERS),)),
    ("text", "parse_csv", lambda r: (r.choice(_CSV),)),
    ("text", "truncate", lambda r: (" ".join(r.sample(_WORDS[:10], 4)), r.randrange(0, 30))),
    ("stats", "mean", lambda r: (_values(r),)),
    ("stats", "median", lambda r: (_values(r),)),
    ("stats", "percentile", lambda r: (_values(r), r.choice([0, 25, 50, 90, 100, 101]))),
    ("stats", "histogram", lambda r: (_values(r), r.choice([1, 4, 10]))),
    ("stats", "summary", lambda r: (_values(r),)),
    ("validate", "email", lambda r: (r.choice(_EMAILS),)),
    ("validate", "age", lambda r: (r.choice(_AGES),)),
    ("validate", "order", lambda r: (_order(r),)),
    ("retry", "delays", lambda r: (r.choice([0.1, 0.5, 1.0]), r.choice([1.5, 2.0, 3.0]),
                                   r.choice([2.0, 10.0]), r.randrange(1, 8))),
]


def _namespaces() -> dict[str, dict[str, Any]]:
    """The package's modules, executed here, to compute what each generated test expects."""
    out = {}
    for name, source in _MODULES.items():
        namespace: dict[str, Any] = {"__name__": f"app.{name}"}
        exec(compile(source, f"app/{name}.py", "exec"), namespace)
        out[name] = namespace
    return out


def _call_text(module: str, func: str, args: tuple[Any, ...]) -> str:
    return f"{module}.{func}({', '.join(repr(a) for a in args)})"


def _assertion(rng: random.Random, spaces: dict[str, dict[str, Any]], modules: set[str],
               indent: str) -> list[str]:
    """One assertion about a random call: its value, or the exception it raises."""
    module, func, make_args = rng.choice(_CALLS)
    args = make_args(rng)
    modules.add(module)
    call = _call_text(module, func, args)
    try:
        value = spaces[module][func](*args)
    except (ValueError, KeyError) as exc:
        return [f"{indent}with pytest.raises({type(exc).__name__}):", f"{indent}    {call}"]
    return [f"{indent}assert {call} == {value!r}"]


def _parametrized(rng: random.Random, spaces: dict[str, dict[str, Any]], modules: set[str],
                  name: str, cases: int) -> list[str]:
    """A parametrized test of one function over ``cases`` argument tuples (values only)."""
    while True:
        module, func, make_args = rng.choice(_CALLS)
        rows = []
        for _ in range(cases * 3):
            args = make_args(rng)
            try:
                value = spaces[module][func](*args)
            except (ValueError, KeyError):
                continue
            row = f"    ({args!r}, {value!r}),"
            if row not in rows:
                rows.append(row)
            if len(rows) == cases:
                break
        if len(rows) == cases:
            break
    modules.add(module)
    return ['@pytest.mark.parametrize(("args", "expected"), [', *rows, "])",
            f"def {name}(args, expected):", f"    assert {module}.{func}(*args) == expected"]


def _test_file(rng: random.Random, n: int, spaces: dict[str, dict[str, Any]],
               plan_marks: dict[str, list[str]]) -> tuple[str, list[str]]:
    """Source of tests/test_mod_NNN.py (exactly TESTS_PER_FILE tests) and its test functions."""
    modules: set[str] = set()
    body: list[str] = []
    functions: list[str] = []
    variant = n % 4
    plain = {0: 10, 1: 6, 2: 5, 3: 5}[variant]
    client_tests = 2 if variant == 3 else 0
    cases = {0: 0, 1: 4, 2: 3, 3: 3}[variant]
    class_tests = 2 if variant == 2 else 0
    assert plain + client_tests + cases + class_tests == TESTS_PER_FILE

    def marks(name: str, indent: str = "") -> list[str]:
        out = []
        if rng.random() < 0.12:
            out.append(f"{indent}@pytest.mark.{rng.choice(MARKERS)}")
        out += [f'{indent}@pytest.mark.plan("{item}")' for item in plan_marks.get(name, ())]
        return out

    for k in range(plain):
        name = f"test_case_{k}"
        functions.append(name)
        body += ["", "", *marks(f"{n}:{name}"), f"def {name}():"]
        for _ in range(rng.choice([1, 1, 2, 3])):
            body += _assertion(rng, spaces, modules, "    ")
    for k in range(client_tests):
        name = f"test_client_retries_{k}"
        functions.append(name)
        failures = rng.randrange(0, 6)
        client = spaces["retry"]["Client"](retries=3)  # as conftest.py's fixture makes it
        client.fail_next(failures)
        status, attempts = client.get(f"/orders/{k}"), client.attempts
        modules.add("retry")
        body += ["", "", *marks(f"{n}:{name}"), f"def {name}(client):",
                 f"    client.fail_next({failures})",
                 f"    assert client.get('/orders/{k}') == {status}",
                 f"    assert client.attempts == {attempts}"]
    if class_tests:
        body += ["", "", "class TestEdges:"]
        for k in range(class_tests):
            name = f"test_edge_{k}"
            functions.append(f"TestEdges::{name}")
            body += ["", *marks(f"{n}:{name}", "    "), f"    def {name}(self):"]
            body += _assertion(rng, spaces, modules, "        ")
    if cases:
        name = "test_table"
        functions.append(name)
        body += ["", "", *marks(f"{n}:{name}"), *_parametrized(rng, spaces, modules, name, cases)]
    head = [f'"""Generated tests, file {n}: {", ".join(sorted(modules))}."""', "",
            "from __future__ import annotations", "", "import pytest", "",
            f"from app import {', '.join(sorted(modules))}"]
    if n % 10 == 3:
        head += ["", "pytestmark = pytest.mark.integration"]
    return "\n".join(head + body) + "\n", functions


_CONFTEST = '''\
"""Shared fixtures."""

import pytest

from app.retry import Client


@pytest.fixture
def client():
    return Client(retries=3)
'''

_PYPROJECT = '''\
[project]
name = "sample-app"
version = "1.0"

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
addopts = "--strict-markers"
markers = [
    "slow: slow tests",
    "smoke: smoke tests",
    "integration: integration tests",
    "plan(item): links a test to a plan item",
]

[tool.coverage.run]
source = ["src"]
'''


def _plan(rng: random.Random, functions: dict[int, list[str]], marked: list[str]) -> str:
    """plan.yaml: three phases of items linking the generated tests (no coverage: setting,
    so tracker measures what pyproject.toml says, as the floor does)."""
    phases = [("unit", "Unit tests for the core"), ("api", "Contracts of the helpers"),
              ("release", "Release readiness")]
    out = ["version: 1", "title: Sample application testing plan", "owner: QA team",
           "created: 2026-03-02", "summary: Every helper has tests that fail when it breaks.",
           "phases:"]
    plan_ids = set(marked)
    count = 0
    for p, (slug, title) in enumerate(phases, start=1):
        out += [f'  - id: "{p}"', f"    title: {title}", "    items:"]
        for _ in range(12):
            count += 1
            item = f"{slug}-{count:02d}"
            module = rng.choice(sorted(_MODULES))
            out += [f"      - id: {item}", f"        text: Cover app.{module} case {count}"]
            if item in plan_ids:  # linked by @pytest.mark.plan in the tests themselves
                out.append(f"        targets: [src/app/{module}.py]")
                continue
            out.append("        tests:")
            for _ in range(rng.choice([1, 2, 3])):
                kind = rng.choice(["node", "node", "path", "marker"])
                n = rng.randrange(TEST_FILES)
                if kind == "node":
                    out.append(f"          - tests/test_mod_{n:03d}.py::"
                               f"{rng.choice(functions[n])}")
                elif kind == "path":
                    out.append(f"          - tests/test_mod_{n:03d}.py")
                else:
                    out.append(f"          - {{marker: {rng.choice(MARKERS)}}}")
            out.append(f"        targets: [src/app/{module}.py]")
            if rng.random() < 0.3:
                out.append("        expect: {min_tests: 1}")
    out += ["metrics:",
            '  - {id: coverage, title: Code coverage, measure: coverage.total, target: ">= 90"}',
            '  - {id: tests, title: Test count, measure: tests.count, target: ">= 2000"}']
    return "\n".join(out) + "\n"


def make_project(root: Path, seed: int = SEED) -> int:
    """Write the project under ``root`` (which must exist), commit it; the number of tests."""
    rng = random.Random(seed)
    spaces = _namespaces()
    app = root / "src" / "app"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text('"""The sample application."""\n', encoding="utf-8")
    for name, source in _MODULES.items():
        (app / f"{name}.py").write_text(source, encoding="utf-8")
    # items "unit-01" .. "release-36": a few are linked from the tests with @pytest.mark.plan
    marked = [f"unit-{i:02d}" for i in (2, 5, 9)] + [f"api-{i:02d}" for i in (14, 20)]
    plan_marks: dict[str, list[str]] = {}
    for item in marked:
        for _ in range(rng.choice([1, 2, 3])):
            key = f"{rng.randrange(TEST_FILES)}:test_case_{rng.randrange(5)}"
            plan_marks.setdefault(key, []).append(item)
    tests = root / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text(_CONFTEST, encoding="utf-8")
    functions = {}
    for n in range(TEST_FILES):
        source, functions[n] = _test_file(rng, n, spaces, plan_marks)
        (tests / f"test_mod_{n:03d}.py").write_text(source, encoding="utf-8")
    (root / "pyproject.toml").write_text(_PYPROJECT, encoding="utf-8")
    (root / ".gitignore").write_text(".tracker/\n.coverage\n.coverage.*\n", encoding="utf-8")
    (root / "plan.yaml").write_text(_plan(rng, functions, marked), encoding="utf-8")
    git_commit(root)
    return TEST_FILES * TESTS_PER_FILE


# --- the measurement ----------------------------------------------------------------------


def tracker_command(interpreter: str | None = None) -> list[str]:
    return [interpreter or python(), "-m", "tracker", "run", "--show-output", "--", *PYTEST_ARGS]


def floor_command(interpreter: str | None = None) -> list[str]:
    """``coverage run --branch -m pytest`` without tracker: ``-p no:tracker`` keeps pytest
    from importing tracker's plugin through its entry point, as in a venv without tracker."""
    return [interpreter or python(), "-m", "coverage", "run", "--branch", "-m", "pytest",
            "-p", "no:tracker", *PYTEST_ARGS]


def run(options: Options) -> Result:
    """The issue's measure: both commands with a lean venv's interpreter."""
    return _run_in(NAME, GOAL, str(lean_python()), options)


def run_dev(options: Options) -> Result:
    """The same with the interpreter running the benchmarks (the dev venv, its plugins)."""
    return _run_in(DEV_NAME, DEV_GOAL, python(), options)


def _run_in(name: str, goal: float, interpreter: str, options: Options) -> Result:
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-run-"))
    try:
        return _measure(base, name, goal, interpreter, options)
    finally:
        if options.keep:
            print(f"# {name}: project kept at {base / 'project'}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def _clean(root: Path) -> Callable[[], None]:
    """Remove the floor's coverage data files, so they never pile up between runs."""
    def clean() -> None:
        for path in [*root.glob(".coverage"), *root.glob(".coverage.*")]:
            path.unlink(missing_ok=True)
    return clean


def _stored_runs(root: Path) -> tuple[int, Any]:
    """How many runs the project's store holds, and the latest one."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tracker.store import Store

    db = root / ".tracker" / "tracker.db"
    if not db.is_file():
        raise BenchError(f"tracker run exited 0 but recorded nothing: no {db}")
    with Store.open(db) as store:
        return store.runs_count(), store.latest_run()


def _measure(base: Path, name: str, goal: float, interpreter: str, options: Options
             ) -> Result:
    if shutil.which("git") is None:
        raise BenchError("git is not installed: the project is a git repository")
    root = base / "project"
    root.mkdir()
    expected = make_project(root)
    env = python_env(pycache=base / "pycache")
    clean = _clean(root)
    subject, floor = tracker_command(interpreter), floor_command(interpreter)
    run_checked([interpreter, "-m", "tracker", "check", "--strict"], root, env)
    # the warm-up: one checked run of each, so a failure shows its message
    clean()
    run_checked(subject, root, env)
    count, latest = _stored_runs(root)
    tests = len(latest.outcomes) if latest is not None else 0
    passed = sum(o.outcome == "passed" for o in latest.outcomes) if latest is not None else 0
    measured = sorted(f.path for f in latest.coverage) if latest is not None else []
    if count != 1 or tests != expected or passed != expected:
        raise BenchError(f"the recorded run is not the suite: {count} run(s), {tests} tests, "
                         f"{passed} passed (expected 1 run, {expected} passing tests)")
    if not measured or not all(p.startswith("src/app/") for p in measured):
        raise BenchError(f"the recorded run measured the wrong files: {measured[:5]}")
    run_checked(floor, root, env)
    if not (root / ".coverage").is_file():
        raise BenchError("coverage run wrote no .coverage file")
    timings = interleaved(subject, floor, cwd=root, runs=options.runs, env=env, warmup=0,
                          before=clean)
    count, _ = _stored_runs(root)
    if count != 1 + len(timings.subject):
        raise BenchError(f"{len(timings.subject)} timed runs recorded {count - 1} run(s)")
    total = latest.coverage_total()
    runs = len(timings.subject)
    cpu = statistics.median(timings.subject_cpu) / statistics.median(timings.floor_cpu)
    detail = (f"tracker run {timings.subject_median:.3f}s, coverage run "
              f"{timings.floor_median:.3f}s, median of {runs}; paired "
              f"{timings.paired_ratio:.3f}, CPU time {cpu:.3f}")
    extra = (f"interpreter {interpreter}",
             f"{expected} tests in {TEST_FILES} files; {len(measured)} measured files, "
             f"coverage {total:.1f}%; {count} runs stored "
             f"({(root / '.tracker' / 'tracker.db').stat().st_size / 2**20:.1f} MiB)",
             *timings.describe(), *timings.paired())
    return Result(name, timings.ratio, goal, detail, extra)


CONTEXTS_NAME = "run-contexts-2000"
CONTEXTS_GOAL = 1.25
#: the same plan without targets: no item needs its own coverage, so no contexts are recorded
PLAIN_PLAN = "plan-without-targets.yaml"


def run_contexts(options: Options) -> Result:
    base = Path(tempfile.mkdtemp(prefix="tracker-bench-contexts-"))
    try:
        return _measure_contexts(base, options)
    finally:
        if options.keep:
            print(f"# {CONTEXTS_NAME}: project kept at {base / 'project'}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def _measure_contexts(base: Path, options: Options) -> Result:
    """``tracker run`` recording a coverage context per test file (the plan has targets)
    against the same run without (the same plan, its ``targets:`` lines removed)."""
    if shutil.which("git") is None:
        raise BenchError("git is not installed: the project is a git repository")
    root = base / "project"
    root.mkdir()
    make_project(root)
    plan = (root / "plan.yaml").read_text(encoding="utf-8")
    (root / PLAIN_PLAN).write_text("".join(line for line in plan.splitlines(keepends=True)
                                           if "targets:" not in line), encoding="utf-8")
    env = python_env(pycache=base / "pycache")
    subject = tracker_command()
    floor = [python(), "-m", "tracker", "run", "--plan", PLAIN_PLAN, "--show-output", "--",
             *PYTEST_ARGS]
    run_checked(subject, root, env)
    _, latest = _stored_runs(root)
    if latest is None or not latest.test_file_lines:
        raise BenchError("the run with targets recorded no contexts")
    run_checked(floor, root, env)
    _, latest = _stored_runs(root)
    if latest is None or latest.test_file_lines:
        raise BenchError("the run without targets recorded contexts")
    timings = interleaved(subject, floor, cwd=root, runs=options.runs, env=env, warmup=0)
    detail = (f"with contexts {timings.subject_median:.3f}s, without "
              f"{timings.floor_median:.3f}s, median of {len(timings.subject)}")
    return Result(CONTEXTS_NAME, timings.ratio, CONTEXTS_GOAL, detail, tuple(timings.describe()))


BENCHMARKS = [
    Benchmark(NAME, GOAL, "tracker run on 2,000 tests vs. coverage run -m pytest on them, "
              "in a lean venv (pytest, coverage, tracker)", run),
    Benchmark(DEV_NAME, DEV_GOAL, "the same in the dev venv (its pytest plugins load into both)",
              run_dev),
    Benchmark(CONTEXTS_NAME, CONTEXTS_GOAL,
              "tracker run on 2,000 tests recording a context per test file vs. without",
              run_contexts),
]
