"""Numbers a reviewer can check, and wording that says what the evidence says."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tracker.assess import Assessment, assess
from tracker.evidence.bundle import Evidence
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan
from tracker.render.markdown import render_markdown
from tracker.render.report import build_report
from tracker.render.status_json import status_data

from .helpers import write

PLAN = """\
title: T
created: 2026-03-02
phases:
  - id: "1"
    title: One
    items:
      - id: covered
        text: Covered
        tests: [tests/test_a.py::test_ok]
        targets: [src/app.py]
metrics:
  - {id: slow, title: Slow share, measure: "tests.ratio(marker=slow)", target: "<= 50%"}
"""

T0 = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def run(source: str = "pytest", markers: tuple[str, ...] = ()) -> RunRecord:
    # 20 statements, 1 missed (95.0%); 10 branches, 3 missed: 26 of 30 is 86.7%
    return RunRecord(started=T0, finished=T0 + dt.timedelta(seconds=3), source=source,
                     outcomes=(TestOutcome("tests/test_a.py::test_ok", "passed",
                                           markers=markers),
                               TestOutcome("tests/test_a.py::test_other", "passed")),
                     coverage=(FileCoverage("src/app.py", statements=20, missing=(4,),
                                            branches=10, missing_branches=3),))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path, "plan.yaml", PLAN)
    write(tmp_path, "tests/test_a.py", "def test_ok():\n    pass\n\ndef test_other():\n"
                                       "    pass\n")
    write(tmp_path, "src/app.py", "X = 1\n")
    return tmp_path


def judge(root: Path, record: RunRecord) -> Assessment:
    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None
    evidence = Evidence(workspace=gather_workspace(plan, root), run=record)
    return assess(plan, evidence, dt.date(2026, 3, 11))


def test_target_coverage_shows_the_counts_behind_it(repo: Path) -> None:
    a = judge(repo, run())
    assert "targets `src/app.py` (86.7% covered: statements 19/20, branches 7/10)" \
        in render_markdown(a)
    item = status_data(build_report(a))["items"][0]
    assert item["targets"]["counts"] == {"statements": 20, "covered_statements": 19,
                                         "branches": 10, "covered_branches": 7}


def test_a_junit_run_cannot_measure_a_marker_ratio(repo: Path) -> None:
    (metric,) = judge(repo, run(source="junit")).metrics
    assert metric.current is None
    assert metric.display == "cannot be measured from a JUnit report (it records no markers)"
    (metric,) = judge(repo, run(markers=("slow",))).metrics
    assert metric.display == "50.0%"


def test_json_counts_are_json(repo: Path) -> None:
    text = json.dumps(status_data(build_report(judge(repo, run()))))
    assert '"covered_branches": 7' in text


WORDING_PLAN = """\
title: T
phases:
  - id: "1"
    title: One
    items:
      - {id: one-check, text: One, files: [{path: src/app.py}]}
      - {id: later, text: Later, status: skipped}
      - {id: why, text: Why, status: skipped, note: not this quarter}
      - {id: marked, text: Marked}
"""


def test_small_words_say_what_is_true(tmp_path: Path) -> None:
    from rich.console import Console

    from tracker.tui.widgets.details import item_view

    write(tmp_path, "plan.yaml", WORDING_PLAN)
    write(tmp_path, "src/app.py", "X = 1\n")
    write(tmp_path, "tests/test_m.py", "import pytest\n\n@pytest.mark.plan('marked')\n"
                                       "def test_m():\n    pass\n")
    plan = load_plan(tmp_path / "plan.yaml").plan
    assert plan is not None
    a = assess(plan, Evidence(workspace=gather_workspace(plan, tmp_path)), dt.date(2026, 3, 11))
    assert a.item("one-check").reason == "the file check holds"
    document = render_markdown(a)
    assert "– skipped\n" in document, "not 'skipped: skipped'"
    assert "– skipped: not this quarter\n" in document

    def shown(item_id: str) -> str:
        console = Console(width=100, record=True, color_system=None)
        console.print(item_view(a.item(item_id)))
        return console.export_text()

    assert shown("why").count("not this quarter") == 1, "the note is said once"
    assert "@pytest.mark.plan  → 1 test\n" in shown("marked")
