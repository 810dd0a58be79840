"""The Markdown document: gold file, determinism, escaping."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from tracker.assess import assess
from tracker.evidence.bundle import Evidence
from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan
from tracker.render.markdown import progress_bar, render_markdown
from tracker.text import clean, md_cell, md_code, md_inline

SAMPLE = Path(__file__).parent / "fixtures" / "sample"
GOLD = Path(__file__).parent / "gold" / "sample.md"


def render_sample(root: Path, today: dt.date) -> str:
    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None
    evidence = Evidence(workspace=gather_workspace(plan, root), plan_updated=dt.date(2026, 3, 5))
    return render_markdown(assess(plan, evidence, today))


def test_sample_matches_gold_file():
    text = render_sample(SAMPLE, dt.date(2026, 3, 20))
    if os.environ.get("TRACKER_UPDATE_GOLD"):
        GOLD.write_text(text, encoding="utf-8")
    assert text == GOLD.read_text(encoding="utf-8")


def test_render_is_deterministic_across_copies(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "copy")
    day = dt.date(2026, 3, 20)
    assert render_sample(tmp_path / "copy", day) == render_sample(SAMPLE, day)


def test_user_text_cannot_break_the_document():
    text = render_sample(SAMPLE, dt.date(2026, 3, 20))
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
