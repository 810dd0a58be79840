"""Loading plan.yaml into the model: shapes, defaults, positions, and every problem at once."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.plan.load import load_plan_text
from tracker.plan.measures import parse_days, parse_measure, parse_target, parse_weeks
from tracker.plan.model import CheckKind, Claim, LinkKind
from tracker.problems import Severity

FULL = """\
title: Payments
owner: Platform
created: 2026-03-02
priority: P0
review: {next: 2026-03-16, every: 2w, reviewers: [Lead, QA]}
summary: |
  Why.
sections:
  - {title: Context, body: "Some *prose*."}
phases:
  - id: 1
    title: Fixes
    weeks: 1-2
    sections:
      - id: 1.10
        title: Error paths
        body: |
          ```python
          x = 1
          ```
    items:
      - id: timeouts
        text: Add timeout tests
        tests:
          - tests/test_client.py::test_timeout
          - tests/test_*.py
          - tests/unit
          - {marker: slow}
          - {keyword: "retry and not slow"}
          - {fixture: benchmark}
        targets: [src/client.py]
        expect: {min_tests: 3, target_coverage: 80}
        owner: Ann
        due: 2026-03-10
      - id: asyncio
        text: Configure asyncio
        files:
          - {file: requirements.txt, contains: pytest-asyncio}
          - {file: tests/conftest.py, lacks: "def pytest_pyfunc_call", regex: true}
          - {path: tests/integration}
          - {absent: tests/old.py}
          - {glob: "tests/test_client_*.py", min_files: 3}
      - {id: asserts, text: Strengthen asserts, status: done, note: PR 42}
  - id: "2"
    title: Later
    start: 2026-04-01
    due: 2026-04-30
appendix:
  - {title: Standards, body: Keep tests fast.}
metrics:
  - {id: cov, title: Coverage, measure: coverage.total, baseline: 70, target: ">= 90"}
  - {id: ratio, title: Integration, measure: "tests.ratio(marker=integration)", target: ">= 20%"}
  - {id: escape, title: Escapes, qualitative: true, target: "-80%"}
risks: [{risk: Flaky, mitigation: Quarantine}]
approvals: [{role: Tech Lead, name: Bo}]
related: [docs/a.md, {title: Wiki, url: "https://example.com"}]
coverage: {source: [src], omit: ["src/vendor/*"]}
"""


def test_full_plan_loads_every_part():
    result = load_plan_text(FULL, "plan.yaml")
    assert result.problems == []
    plan = result.plan
    assert plan is not None
    assert (plan.title, plan.owner, plan.priority) == ("Payments", "Platform", "P0")
    assert plan.created == dt.date(2026, 3, 2)
    assert plan.review is not None and plan.review.every_days == 14
    assert plan.review.reviewers == ("Lead", "QA")
    phase = plan.phases[0]
    assert phase.id == "1" and phase.weeks == (1, 2)
    assert phase.sections[0].id == "1.10", "ids keep their written form, not float's"
    assert "```python" in phase.sections[0].body
    timeouts = phase.items[0]
    assert [t.kind for t in timeouts.tests] == [LinkKind.NODE, LinkKind.GLOB, LinkKind.PATH,
                                               LinkKind.MARKER, LinkKind.KEYWORD,
                                               LinkKind.FIXTURE]
    assert timeouts.expect.min_tests == 3 and timeouts.expect.target_coverage == 80
    assert timeouts.due == dt.date(2026, 3, 10)
    checks = phase.items[1].files
    assert [c.kind for c in checks] == [CheckKind.CONTAINS, CheckKind.LACKS, CheckKind.EXISTS,
                                        CheckKind.ABSENT, CheckKind.GLOB]
    assert checks[1].regex and checks[4].min_files == 3
    asserts = phase.items[2]
    assert asserts.claim is Claim.DONE and asserts.is_manual and asserts.note == "PR 42"
    assert plan.phases[1].due == dt.date(2026, 4, 30)
    assert [m.qualitative for m in plan.metrics] == [False, False, True]
    assert plan.metrics[1].target is not None and plan.metrics[1].target.value == 20
    assert plan.related[0].path == "docs/a.md" and plan.related[1].url == "https://example.com"
    assert plan.coverage.source == ("src",)


def test_positions_point_at_the_lines_written():
    plan = load_plan_text(FULL, "plan.yaml").plan
    assert plan is not None
    item = plan.phases[0].items[0]
    assert item.location.line == FULL.splitlines().index("      - id: timeouts") + 1
    assert item.tests[3].location.line == item.location.line + 6


def test_every_problem_is_reported_at_once():
    text = """\
title: [not, text]
created: 2026-02-30
phases:
  - id: a
    title: A
    items:
      - {id: x, text: One, statuss: done}
      - {id: x, text: Two}
      - {id: y, text: Three, status: finished}
"""
    result = load_plan_text(text, "p.yaml")
    messages = [(p.location.line, p.message) for p in result.errors]
    lines = [line for line, _ in messages]
    assert lines == [1, 2, 7, 8, 9]
    assert "did you mean 'status'" in messages[2][1]
    assert "duplicate id 'x' (first used at line 7)" in messages[3][1]
    assert "unknown status 'finished'" in messages[4][1]


def test_skipped_claim_without_note_is_a_warning():
    text = "title: T\nphases:\n  - id: a\n    title: A\n    items:\n" \
           "      - {id: x, text: X, status: skipped}\n"
    result = load_plan_text(text, "p.yaml")
    assert [p.severity for p in result.problems] == [Severity.WARNING]
    assert result.plan is not None


@pytest.mark.parametrize(("text", "fragment"), [
    ("title: T\nrelated: [../outside.md]\n", "points outside the repository"),
    ("title: T\nphases:\n - id: a\n   title: A\n   items:\n    - {id: i, text: t, tests: "
     "[/etc/passwd]}\n", "absolute path"),
    ("title: T\nphases:\n - id: a\n   title: A\n   weeks: 1-2\n", "no 'created' date"),
    ("title: T\nphases:\n - id: a\n   title: A\n   weeks: 3-1\n", "end before they start"),
    ("title: T\nmetrics: [{id: m, title: M, measure: coverage.totl}]\n", "unknown measure"),
    ("title: T\nmetrics: [{id: m, title: M, measure: tests.count, target: lots}]\n",
     "cannot read target"),
])
def test_bad_values_are_errors(text, fragment):
    result = load_plan_text(text, "p.yaml")
    assert any(fragment in p.message for p in result.errors), result.problems


def test_small_languages():
    assert parse_days("14d") == 14 and parse_days("2w") == 14 and parse_days("3 weeks") == 21
    with pytest.raises(ValueError, match="14d or 2w"):
        parse_days("fortnight")
    assert parse_weeks("1-2") == (1, 2) and parse_weeks("3") == (3, 3)
    assert parse_measure("tests.ratio(marker=integration)").arg == "integration"
    assert parse_measure("coverage.file(src/a.py)").arg == "src/a.py"
    with pytest.raises(ValueError, match="takes no argument"):
        parse_measure("tests.count(x)")
    target = parse_target("<= 5 min")
    assert (target.op, target.value) == ("<=", 300.0)
    assert parse_target("90").op == ">="


def test_the_quicker_resolver_gives_every_node_pyyamls_tag() -> None:
    """yamlread composes with a loader whose resolver skips PyYAML's per-node bookkeeping:
    every scalar, list and mapping must get the tag PyYAML's own safe loader gives it."""
    import yaml

    from tracker.plan import yamlread

    text = ("a: [1, -2, 0x1f, 0o17, 1_000, 1.5, .inf, -.NaN, 1e3, true, False, yes, NO, on, "
            "~, null, Null, '', \"\", 2026-03-02, 2026-03-02T10:00:00Z, <<, =, '1', \"x\", "
            "x y, -, +, ., 0, 00, 'true']\n"
            "b: {k: v, 1: 2, ? [x]: y}\n"
            "c: !!str 1\n"
            "d:\n"
            "e: |\n  block\n")
    yamlread._import_yaml()

    def tags(node: yaml.Node) -> list[object]:
        if isinstance(node, yaml.ScalarNode):
            return [node.tag, node.value]
        if isinstance(node, yaml.SequenceNode):
            return [node.tag, [tags(child) for child in node.value]]
        return [node.tag, [(tags(k), tags(v)) for k, v in node.value]]

    assert tags(yaml.compose(text, Loader=yamlread._Loader)) == tags(
        yaml.compose(text, Loader=yaml.CSafeLoader))
