"""The Markdown document: gold file, determinism, escaping."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tracker.assess import assess
from tracker.evidence.bundle import Evidence
from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan
from tracker.render.markdown import progress_bar, render_markdown
from tracker.text import clean, md_cell, md_code, md_inline

from .helpers import clean_copy

SAMPLE = Path(__file__).parent / "fixtures" / "sample"
GOLD = Path(__file__).parent / "gold" / "sample.md"


def render_sample(root: Path, today: dt.date) -> str:
    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None
    evidence = Evidence(workspace=gather_workspace(plan, root), plan_updated=dt.date(2026, 3, 5))
    return render_markdown(assess(plan, evidence, today))


def test_sample_matches_gold_file(tmp_path):
    text = render_sample(clean_copy(SAMPLE, tmp_path / "sample"), dt.date(2026, 3, 20))
    if os.environ.get("TRACKER_UPDATE_GOLD"):
        GOLD.write_text(text, encoding="utf-8")
    assert text == GOLD.read_text(encoding="utf-8")


def test_render_is_deterministic_across_copies(tmp_path):
    day = dt.date(2026, 3, 20)
    one, other = (clean_copy(SAMPLE, tmp_path / name) for name in ("one", "other"))
    assert render_sample(one, day) == render_sample(other, day)


def test_user_text_cannot_break_the_document(tmp_path):
    text = render_sample(clean_copy(SAMPLE, tmp_path / "sample"), dt.date(2026, 3, 20))
    assert "<script>" not in text
    assert "&lt;script>" in text
    assert "| Flaky \\| slow tests |" in text
    assert "# Shop Backend | Testing Plan" in text


@pytest.mark.parametrize(("raw", "expected"), [
    ("a | b", "a \\| b"),
    ("<img src=x>", "&lt;img src=x>"),
    ("&amp; stays", "&amp;amp; stays"),
    ("AT&T", "AT&T"),
    ("line\nbreak", "line break"),
    ("\x1b[31mred\x1b[0m", "red"),
    (None, "—"),
])
def test_cells(raw, expected):
    assert md_cell(raw) == expected


def test_inline_and_code():
    assert md_inline("a\x07b") == "ab"
    assert md_code("x`y") == "``x`y``"
    assert md_code("`x") == "`` `x ``"
    assert clean("\x1b]8;;http://x\x07link\x1b]8;;\x07") == "link"


def test_a_pipe_in_code_is_escaped_only_in_a_table_cell():
    """Outside a table GFM shows a code span's backslash as it is: `(cov\\|x)` would be
    another regex than the plan's `(cov|x)`."""
    assert md_code("no:(cov|x)") == "`no:(cov|x)`"
    assert md_code("no:(cov|x)", cell=True) == "`no:(cov\\|x)`"


def test_progress_bar():
    assert progress_bar(0, 0) == "░░░░░░░░░░ 0%"
    assert progress_bar(3, 5) == "██████░░░░ 60%"
    assert progress_bar(5, 5) == "██████████ 100%"


def test_related_links_only_to_the_web_mail_and_files(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "plan.yaml").write_text("""\
title: Links
related:
  - {title: Runbook, url: "https://example.com/run book"}
  - {title: Mail us, url: "mailto:team@example.com"}
  - {title: Click me, url: "javascript:alert(1)"}
  - {title: Sneaky, url: " JaVa\\tScRiPt:alert(2)"}
  - {title: Data, url: "data:text/html,<script>alert(3)</script>"}
  - {title: Guide, path: "docs/guide (v2).md"}
  - "javascript:alert(4)"
""", encoding="utf-8")
    plan = load_plan(tmp_path / "plan.yaml").plan
    assert plan is not None
    text = render_markdown(assess(plan, Evidence(gather_workspace(plan, tmp_path)),
                                  dt.date(2026, 3, 20)))
    lines = text.split("## Related documents\n\n", 1)[1].splitlines()
    assert lines == [
        "- [Runbook](https://example.com/run%20book)",
        "- [Mail us](mailto:team@example.com)",
        "- Click me (`javascript:alert(1)`) (not linked: only http, https and mailto links are)",
        "- Sneaky (`JaVa ScRiPt:alert(2)`) (not linked: only http, https and mailto links are)",
        "- Data (`data:text/html,<script>alert(3)</script>`) (not linked: only http, "
        "https and mailto links are)",  # in a code span, <script> is text
        "- [Guide](docs/guide%20(v2%29.md)",
        "- [javascript:alert(4)](./javascript:alert(4%29)",
    ]
    assert "](javascript" not in text and "](data:" not in text


def _with_run(root: Path, started: dt.datetime, seconds: float,
              args: tuple[str, ...] = ()) -> str:
    """The document of the sample (with a suite-time metric) judged on a run that passed its
    payment tests, made at ``started`` and taking ``seconds`` per test."""
    from tracker.evidence.results import RunRecord, TestOutcome

    if not (root / "plan.yaml").exists():
        clean_copy(SAMPLE, root)
        text = (root / "plan.yaml").read_text(encoding="utf-8")
        (root / "plan.yaml").write_text(text.replace("metrics:\n", (
            "metrics:\n  - {id: time, title: Suite time, measure: tests.duration, "
            "target: \"<= 5 min\"}\n"), 1), encoding="utf-8")
    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None and plan.metrics[0].id == "time"
    tests = ("tests/test_payment.py::test_timeout", "tests/test_payment.py::test_retry")
    run = RunRecord(started=started, finished=started + dt.timedelta(seconds=2 * seconds),
                    commit="0dea582abc" + "0" * 30, args=args,
                    outcomes=tuple(TestOutcome(t, "passed", seconds) for t in tests))
    evidence = Evidence(workspace=gather_workspace(plan, root),
                        plan_updated=dt.date(2026, 3, 5), run=run)
    return render_markdown(assess(plan, evidence, dt.date(2026, 3, 20)))


def test_the_document_names_the_run_by_what_it_ran_not_when_or_where(tmp_path):
    """Issue 12.3: a CI job or a clone with the same code and results renders the same bytes,
    whatever the hour and however fast the machine."""
    root = tmp_path / "sample"
    morning = _with_run(root, dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.UTC), 0.5)
    night = _with_run(root, dt.datetime(2026, 3, 19, 23, 59, tzinfo=dt.UTC), 400.0)
    assert morning == night
    assert ("**Evidence:** repository files and a test run of this code "
            "(2 tests, whole suite)") in morning
    assert "0dea582" not in morning, "the same code on a docs-only child commit: same bytes"
    row = morning.split(" Suite time |", 1)[1].splitlines()[0]
    assert row == (" `tests.duration` | — | &lt;= 5 min | see `tracker status` (differs between "
                   "machines) | — |")
    assert "2026-03-18" not in morning and "09:00" not in morning
    partial = _with_run(root, dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.UTC), 0.5,
                        ("-k", "timeout"))
    assert "(2 tests, part of the suite, laid over earlier runs)" in partial
