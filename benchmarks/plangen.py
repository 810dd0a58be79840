"""A large, realistic, deterministic plan and the workspace its links point at.

``make_workspace(root)`` writes, under ``root``:

* ``plan.yaml``: N items in P phases. Each phase has a Markdown body and two prose sections
  with code blocks; items mix every kind of evidence a real plan uses (plain test file paths,
  node ids, ``{marker: ...}``, ``{keyword: ...}``, an occasional glob, file checks, targets,
  ``expect``), some carry claims with notes, owners and due dates. Metrics, risks,
  approvals, related documents and a review close the plan.
* ``tests/``: ~100 test files of ~10 tests each, some marked (``slow``, ``integration``,
  ``network``, module-level ``pytestmark``), some parametrized, some in ``Test*`` classes, some
  naming plan items with ``@pytest.mark.plan("item-id")``, and a ``conftest.py``.
* ``src/app/``: the modules the items' targets name; ``requirements.txt``; ``pyproject.toml``
  with pytest settings.
* a git repository with everything committed on a fixed date, so the document's "Updated"
  comes from git, as in real use.

Every link resolves, so rendering prints no warnings. The same arguments give the same bytes.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

COMMIT_DATE = "2026-03-02T10:00:00+00:00"

_PHASES = [
    ("foundation", "Foundation and safety net"),
    ("unit", "Unit tests for the core"),
    ("api", "API contract tests"),
    ("data", "Data layer and migrations"),
    ("integration", "Integration with external services"),
    ("perf", "Performance and load"),
    ("security", "Security hardening"),
    ("release", "Release readiness"),
]
_VERBS = ["Cover", "Add tests for", "Pin down", "Harden", "Verify", "Check", "Exercise",
          "Document and test", "Stabilise", "Measure"]
_OBJECTS = ["the retry policy", "error paths", "the config parser", "pagination",
            "the session cache", "timeouts", "input validation", "the CSV exporter",
            "rate limiting", "the migration runner", "login and logout", "the billing rounding",
            "unicode handling", "the plugin loader", "concurrent writes", "the report builder",
            "feature flags", "the scheduler", "webhook delivery", "search ranking"]
_QUALIFIERS = ["in", "around", "behind", "inside", "for"]
_OWNERS = ["alice", "bob", "carol", "dmitri", "eun-ji", "farah", "QA team", "Platform team"]
_MARKERS = ["slow", "integration", "network", "smoke"]
_KEYWORDS = ["retry and not slow", "parser or timeout", "mod_1 and case_2",
             "not slow and case_5", "TestParser and not integration", "retry or backoff"]
_CLAIMS = ["done", "in progress", "todo", "skipped", "blocked"]
_NOTES = ["waiting for the staging environment", "agreed in the March review",
          "covered by the old suite until the rewrite lands", "needs a fixture for the clock",
          "owner on leave until April", "superseded by the new exporter",
          "verified by hand on the release branch", "flaky on CI: see issue 412"]
_SAFE = re.compile(r"^[A-Za-z][A-Za-z0-9 ,._/()-]*$")


@dataclass(frozen=True)
class Shape:
    """How big the generated plan and workspace are."""

    items: int = 2000
    phases: int = 8
    test_files: int = 100
    src_modules: int = 40
    seed: int = 20260320


@dataclass(frozen=True)
class Workspace:
    """What make_workspace wrote."""

    root: Path
    plan: Path
    items: int
    tests: int
    plan_bytes: int


def q(text: str) -> str:
    """A YAML scalar: plain when unambiguous, else double-quoted (JSON strings are YAML)."""
    if _SAFE.match(text) and not text.endswith((" ", ":")) and text.lower() not in (
            "yes", "no", "true", "false", "null", "on", "off"):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(pairs: dict[str, object]) -> str:
    parts = []
    for key, value in pairs.items():
        if isinstance(value, bool):
            parts.append(f"{key}: {'true' if value else 'false'}")
        elif isinstance(value, int):
            parts.append(f"{key}: {value}")
        else:
            parts.append(f"{key}: {q(str(value))}")
    return "{" + ", ".join(parts) + "}"


def _block(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [pad + line if line else "" for line in text.splitlines()]


def _prose(rng: random.Random, topic: str, n: int) -> str:
    """A Markdown body: paragraphs, a list, and fenced code blocks."""
    module = f"mod_{rng.randrange(40)}"
    marker = rng.choice(_MARKERS)
    return f"""\
This section explains how we approach **{topic}** and what "done" means here.
Every item below links the tests that prove it; a claim alone never turns it green.

Run the relevant part of the suite locally before pushing:

```bash
pytest -m "not {marker}" tests/ -q
pytest tests/test_mod_{n % 100}.py -k "case_{n % 8}" --maxfail=1
```

Guidelines:

- keep each test independent: no shared state between `{module}` tests;
- prefer `pytest.mark.parametrize` over loops inside a test;
- mark anything slower than a second with `@pytest.mark.slow`.

A typical test for this area looks like this:

```python
import pytest

from app import {module}


@pytest.mark.parametrize("raw, expected", [("1", 1), ("  2 ", 2), ("0x10", 16)])
def test_parse_number(raw, expected):
    assert {module}.parse_number(raw) == expected
```

| Check | Where |
|---|---|
| Lint | `ruff check src tests` |
| Types | `mypy src` |
"""


def _item_ids(shape: Shape) -> list[list[str]]:
    per_phase = [shape.items // shape.phases + (1 if p < shape.items % shape.phases else 0)
                 for p in range(shape.phases)]
    ids: list[list[str]] = []
    counter = 0
    for p, count in enumerate(per_phase):
        slug = _PHASES[p % len(_PHASES)][0]
        phase_ids = []
        for _ in range(count):
            counter += 1
            phase_ids.append(f"{slug}-{counter:04d}")
        ids.append(phase_ids)
    return ids


def _test_file(rng: random.Random, n: int, shape: Shape,
               plan_marks: dict[tuple[int, str], list[str]]) -> tuple[str, int]:
    """Source of tests/test_mod_N.py and its number of test functions."""
    mod = n % shape.src_modules
    lines = [f'"""Tests for app.mod_{mod}: parsing, retries and edge cases."""', "",
             "from __future__ import annotations", "", "import pytest", "",
             f"from app import mod_{mod}", ""]
    if n % 10 == 3:
        lines += ["pytestmark = pytest.mark.integration", ""]
    lines += ["", "@pytest.fixture", "def client():",
              f"    return mod_{mod}.Client(retries=3, timeout=0.5)", "", "",
              "def _payload(size):", "    return {\"items\": list(range(size))}", ""]
    count = 0

    def decorators(name: str) -> list[str]:
        out = []
        if rng.random() < 0.15:
            out.append(f"@pytest.mark.{rng.choice(_MARKERS)}")
        for item in plan_marks.get((n, name), []):
            out.append(f'@pytest.mark.plan("{item}")')
        return out

    for k in range(8):
        name = f"test_case_{k}"
        lines += ["", *decorators(name)]
        if k == 2:
            lines += ['@pytest.mark.parametrize("size", [0, 1, 10, 1000])',
                      f"def {name}(client, size):",
                      "    payload = _payload(size)",
                      "    result = client.send(payload)",
                      "    assert result.count == size"]
        elif k % 3 == 0:
            lines += [f"def {name}(client):",
                      f"    response = client.get('/items/{k}')",
                      "    assert response.status == 200",
                      "    assert response.json()['id'] == " + str(k)]
        else:
            lines += [f"def {name}():",
                      f"    value = mod_{mod}.parse_number(' {k} ')",
                      f"    assert value == {k}",
                      "    with pytest.raises(ValueError):",
                      f"        mod_{mod}.parse_number('not a number {k}')"]
        lines.append("")
        count += 1
    if n % 3 == 0:
        for name in ("test_retry_backoff", "test_retry_timeout"):
            lines += ["", *decorators(name), f"def {name}(client):",
                      "    client.fail_next(2)",
                      "    assert client.get('/health').status == 200",
                      "    assert client.attempts == 3", ""]
            count += 1
    if n % 3 == 1:
        lines += ["", "", "class TestParser:"]
        for name in ("test_empty", "test_nested"):
            lines += ["", *["    " + d for d in decorators(name)], f"    def {name}(self):",
                      f"        assert mod_{mod}.parse('') == []", ""]
            count += 1
    if n % 3 == 2:
        for name in ("test_export_csv", "test_export_json"):
            lines += ["", *decorators(name), f"def {name}(tmp_config):",
                      f"    out = mod_{mod}.parse(tmp_config.read_text())",
                      "    assert out", ""]
            count += 1
    return "\n".join(lines).rstrip() + "\n", count


def _src_module(n: int) -> str:
    return f'''"""Module {n} of the sample application."""

from __future__ import annotations


class Client:
    def __init__(self, retries: int = 0, timeout: float = 1.0) -> None:
        self.retries = retries
        self.timeout = timeout
        self.attempts = 0


def parse_number(text: str) -> int:
    return int(text.strip(), 0)


def parse(text: str) -> list[str]:
    return [part for part in text.split(",") if part]
'''


def _item_lines(rng: random.Random, item_id: str, shape: Shape) -> list[str]:
    text = (f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_QUALIFIERS)} "
            f"mod_{rng.randrange(shape.src_modules)}")
    out = [f"      - id: {item_id}", f"        text: {q(text)}"]
    has_tests = rng.random() < 0.65
    if has_tests:
        out.append("        tests:")
        for _ in range(rng.choices([1, 2, 3], weights=[50, 35, 15])[0]):
            kind = rng.choices(["node", "path", "marker", "keyword", "glob"],
                               weights=[40, 30, 15, 10, 5])[0]
            n = rng.randrange(shape.test_files)
            if kind == "node":
                out.append(f"          - tests/test_mod_{n}.py::test_case_{rng.randrange(8)}")
            elif kind == "path":
                out.append(f"          - tests/test_mod_{n}.py")
            elif kind == "marker":
                out.append(f"          - {_flow({'marker': rng.choice(_MARKERS)})}")
            elif kind == "keyword":
                out.append(f"          - {_flow({'keyword': rng.choice(_KEYWORDS)})}")
            else:
                out.append(f'          - "tests/test_mod_{n % 10}*.py"')
    if rng.random() < 0.25:
        out.append("        files:")
        for _ in range(rng.choice([1, 1, 2])):
            m = rng.randrange(shape.src_modules)
            check = rng.choices([
                {"file": "requirements.txt", "contains": "pytest"},
                {"file": "pyproject.toml", "contains": "[tool.pytest.ini_options]"},
                {"path": f"src/app/mod_{m}.py"},
                {"file": f"src/app/mod_{m}.py", "lacks": "TODO"},
                {"absent": "src/app/legacy.py"},
                {"file": "requirements.txt", "contains": "^pytest>=7", "regex": True},
                {"glob": "tests/test_mod_*.py", "min_files": 50},
            ], weights=[30, 10, 20, 15, 10, 10, 5])[0]
            out.append(f"          - {_flow(check)}")
    if rng.random() < 0.3:
        m = rng.randrange(shape.src_modules)
        target = rng.choices([f"src/app/mod_{m}.py", "src/app", f"src/app/mod_{m % 10}*.py"],
                             weights=[85, 5, 10])[0]
        out.append(f"        targets: [{q(target)}]")
    if has_tests and rng.random() < 0.3:
        out.append(f"        expect: {{min_tests: {rng.choice([1, 2, 3, 5, 10])}}}")
    if rng.random() < 0.15:
        claim = rng.choices(_CLAIMS, weights=[40, 25, 15, 10, 10])[0]
        out.append(f"        status: {q(claim)}")
        if claim in ("skipped", "blocked") or rng.random() < 0.7:
            out.append(f"        note: {q(rng.choice(_NOTES))}")
    elif rng.random() < 0.05:
        out.append(f"        note: {q(rng.choice(_NOTES))}")
    if rng.random() < 0.3:
        out.append(f"        owner: {q(rng.choice(_OWNERS))}")
    return out


def plan_text(shape: Shape, ids: list[list[str]], rng: random.Random) -> str:
    """The whole plan.yaml."""
    out = [
        "# Testing plan of the sample application, tracked by `tracker`.",
        "version: 1",
        "title: Sample application testing plan",
        "owner: QA team",
        "created: 2026-01-05",
        "priority: P1",
        "review:",
        "  next: 2026-03-30",
        "  every: 14d",
        "  reviewers: [Tech Lead, QA Lead]",
        "summary: |",
        *_block("Why this plan exists: the application grew faster than its tests.\n"
                "It is **done** when every phase below is complete and the metrics are met.",
                2),
        "",
        "sections:",
    ]
    for s, title in enumerate(("Scope", "How to read this plan"), start=1):
        out += [f'  - id: "0.{s}"', f"    title: {q(title)}", "    body: |",
                *_block(_prose(rng, title.lower(), s), 6)]
    out += ["", "phases:"]
    for p, phase_ids in enumerate(ids):
        slug, title = _PHASES[p % len(_PHASES)]
        out += [f'  - id: "{p + 1}"', f"    title: {q(title)}",
                f"    priority: P{min(p // 3, 2)}", f"    weeks: {2 * p + 1}-{2 * p + 2}",
                "    body: |",
                *_block(f"Phase {p + 1} is about {title.lower()}.\n"
                        f"Items are grouped by module; ids start with `{slug}-`.", 6),
                "    sections:"]
        for s, stitle in enumerate(("Approach", "Tooling and commands"), start=1):
            out += [f'      - id: "{p + 1}.{s}"', f"        title: {q(stitle)}",
                    "        body: |", *_block(_prose(rng, f"{title.lower()} ({stitle})",
                                                      p * 10 + s), 10)]
        out.append("    items:")
        for item_id in phase_ids:
            out += _item_lines(rng, item_id, shape)
    out += [
        "",
        "appendix:",
        "  - title: Glossary",
        "    body: |",
        *_block("- **evidence**: tests or files that prove an item\n"
                "- **claim**: a status typed by a person, shown beside the evidence", 6),
        "",
        "metrics:",
        '  - {id: coverage, title: Code coverage, measure: coverage.total, baseline: "61%", '
        'target: ">= 85"}',
        '  - {id: tests, title: Test count, measure: tests.count, baseline: "400", '
        'target: ">= 1000"}',
        '  - {id: slow-share, title: Share of slow tests, measure: "tests.ratio(marker=slow)", '
        'target: "<= 10%"}',
        '  - {id: pass-rate, title: Pass rate, measure: tests.pass_rate, target: ">= 99"}',
        '  - {id: duration, title: Suite duration, measure: tests.duration, target: "<= 5 min"}',
        "  - {id: confidence, title: Team confidence in releases, qualitative: true,"
        " note: surveyed every quarter}",
        "",
        "risks:",
    ]
    for i in range(8):
        risk = f"Risk {i + 1}: {rng.choice(_OBJECTS)} regress during the rewrite"
        out += [f"  - risk: {q(risk)}",
                f"    impact: {rng.choice(['high', 'medium', 'low'])}",
                f"    likelihood: {rng.choice(['high', 'medium', 'low'])}",
                f"    mitigation: {q(f'Nightly run of the {rng.choice(_MARKERS)} tests')}"]
    out += [
        "",
        "approvals:",
        "  - {role: Tech Lead, name: alice}",
        "  - {role: QA Lead, name: carol}",
        "  - {role: Product Owner}",
        "",
        "related:",
        "  - docs/architecture.md",
        "  - {title: CI dashboard, url: \"https://ci.example.invalid/sample\"}",
        "  - {title: Test style guide, path: docs/testing.md}",
        "",
        "coverage:",
        "  source: [src/app]",
    ]
    return "\n".join(out) + "\n"


def make_workspace(root: Path, shape: Shape | None = None) -> Workspace:
    """Write the plan, its workspace and a git repository under ``root`` (which must exist)."""
    shape = shape or Shape()
    rng = random.Random(shape.seed)
    ids = _item_ids(shape)
    flat = [i for phase in ids for i in phase]

    # tests naming items with @pytest.mark.plan: ~one in seven items has one or two
    plan_marks: dict[tuple[int, str], list[str]] = {}
    for item_id in rng.sample(flat, len(flat) // 7):
        for _ in range(rng.choice([1, 1, 2])):
            key = (rng.randrange(shape.test_files), f"test_case_{rng.randrange(8)}")
            plan_marks.setdefault(key, []).append(item_id)

    (root / "tests").mkdir()
    (root / "tests" / "conftest.py").write_text(
        '"""Shared fixtures."""\n\nimport pytest\n\n\n@pytest.fixture\ndef tmp_config(tmp_path):\n'
        '    path = tmp_path / "app.toml"\n    path.write_text("debug = true\\n")\n'
        "    return path\n", encoding="utf-8")
    total_tests = 0
    for n in range(shape.test_files):
        source, count = _test_file(rng, n, shape, plan_marks)
        (root / "tests" / f"test_mod_{n}.py").write_text(source, encoding="utf-8")
        total_tests += count
    app = root / "src" / "app"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text('"""The sample application."""\n', encoding="utf-8")
    for n in range(shape.src_modules):
        (app / f"mod_{n}.py").write_text(_src_module(n), encoding="utf-8")
    (root / "requirements.txt").write_text(
        "click>=8.1\nrequests>=2.31\npytest>=7.4\npytest-xdist>=3.5\ncoverage>=7.4\n",
        encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "sample-app"\nversion = "1.0"\n\n[tool.pytest.ini_options]\n'
        'testpaths = ["tests"]\npythonpath = ["src"]\naddopts = "-ra --strict-markers"\n'
        "markers = [\n" + "".join(f'    "{m}: {m} tests",\n' for m in _MARKERS)
        + '    "plan(item): links a test to a plan item",\n]\n', encoding="utf-8")
    (root / "docs").mkdir()
    for name in ("architecture.md", "testing.md"):
        (root / "docs" / name).write_text(f"# {name[:-3].title()}\n", encoding="utf-8")
    text = plan_text(shape, ids, rng)
    plan = root / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    git_commit(root)
    return Workspace(root=root, plan=plan, items=len(flat), tests=total_tests,
                     plan_bytes=len(text.encode()))


#: git's identity and configuration for every benchmark repository: no user's settings apply.
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid"}


def git(root: Path, *args: str, stdin: str | None = None) -> str:
    """``git ARGS`` in ``root`` with GIT_ENV, its output; a failure raises BenchError."""
    from harness import BenchError

    done = subprocess.run(["git", *args], cwd=root, input=stdin, text=True,
                          capture_output=True, env={**os.environ, **GIT_ENV}, check=False)
    if done.returncode != 0:
        raise BenchError(f"git {args[0]} failed: {done.stderr.strip()[:200]}")
    return done.stdout


def git_commit(root: Path) -> None:
    """Commit everything under ``root`` into a new git repository, on COMMIT_DATE."""
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": COMMIT_DATE,
           "GIT_COMMITTER_DATE": COMMIT_DATE}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "Sample application"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
