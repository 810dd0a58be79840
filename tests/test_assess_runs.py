"""Judgement with a recorded run: done, failing, stale, not run, coverage, metrics."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tracker.assess import Status, assess
from tracker.evidence.bundle import Evidence, RunPoint
from tracker.evidence.results import CollectionError, FileCoverage, RunRecord, TestOutcome
from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan

from .helpers import write

PLAN = """\
title: T
created: 2026-03-02
phases:
  - id: "1"
    title: One
    items:
      - id: passing
        text: Passing tests with covered targets
        tests: [tests/test_a.py::test_ok, tests/test_a.py::test_param]
        targets: [src/app.py]
        expect: {target_coverage: 75}
      - {id: failing, text: F, tests: [tests/test_a.py::test_bad]}
      - {id: skipped-test, text: S, tests: [tests/test_a.py::test_skip]}
      - {id: not-run, text: N, tests: [tests/test_b.py]}
      - {id: by-marker, text: M, tests: [{marker: runtime_only}]}
      - {id: by-plan-marker, text: P}
      - {id: too-few, text: Few, tests: [tests/test_a.py::test_ok], expect: {min_tests: 2}}
      - id: low-coverage
        text: L
        tests: [tests/test_a.py::test_ok]
        targets: [src/other.py]
        expect: {target_coverage: 90}
      - {id: broken, text: B, tests: [tests/test_broken.py]}
metrics:
  - {id: cov, title: Coverage, measure: coverage.total, target: ">= 80"}
  - {id: count, title: Count, measure: tests.count, target: ">= 5"}
  - {id: rate, title: Pass rate, measure: tests.pass_rate, target: ">= 90%"}
  - {id: slow, title: Slow share, measure: "tests.ratio(marker=slow)", target: "<= 50%"}
  - {id: time, title: Duration, measure: tests.duration, target: "<= 1 min"}
  - {id: file, title: App file, measure: "coverage.file(src/app.py)", target: ">= 80"}
  - {id: glob, title: Src, measure: "coverage.files(src/*.py)", target: ">= 50"}
"""

TESTS_A = """\
import pytest

def test_ok():
    assert True

@pytest.mark.parametrize("x", [1, 2])
def test_param(x):
    assert x

def test_bad():
    assert False

def test_skip():
    pytest.skip("later")
"""

T0 = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def outcome(nodeid: str, result: str = "passed", **kw) -> TestOutcome:
    return TestOutcome(nodeid=nodeid, outcome=result, **kw)


RUN = RunRecord(
    started=T0, finished=T0 + dt.timedelta(seconds=30), commit="abc", dirty=False,
    outcomes=(
        outcome("tests/test_a.py::test_ok", markers=("slow",)),
        outcome("tests/test_a.py::test_param[1]"),
        outcome("tests/test_a.py::test_param[2]"),
        outcome("tests/test_a.py::test_bad", "failed", message="assert False"),
        outcome("tests/test_a.py::test_skip", "skipped", message="later"),
        outcome("tests/test_c.py::test_generated", markers=("runtime_only",)),
        outcome("tests/test_c.py::test_linked_by_hook", plan_items=("by-plan-marker",)),
    ),
    coverage=(FileCoverage("src/app.py", statements=8, missing=(7,), branches=4,
                           missing_branches=1),
              FileCoverage("src/other.py", statements=10, missing=(1, 2, 3, 4, 5))),
    collection_errors=(CollectionError("tests/test_broken.py", "SyntaxError: invalid"),),
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path, "plan.yaml", PLAN)
    write(tmp_path, "tests/test_a.py", TESTS_A)
    write(tmp_path, "tests/test_b.py", "def test_never_ran():\n    pass\n")
    write(tmp_path, "tests/test_broken.py", "def test_x(:\n")
    write(tmp_path, "src/app.py", "X = 1\n")
    write(tmp_path, "src/other.py", "Y = 1\n")
    return tmp_path


def judge(root: Path, run: RunRecord | None = RUN, hashes: dict[str, str] | None = None,
          history: tuple[RunPoint, ...] = ()):
    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None
    recorded = dict(run.file_hashes) if run else {}
    evidence = Evidence(workspace=gather_workspace(plan, root), run=run,
                        current_hashes=hashes if hashes is not None else recorded,
                        history=history)
    return assess(plan, evidence, dt.date(2026, 3, 11))


def test_a_skip_names_its_tests_and_the_first_reason(repo):
    """Whether a skip is the machine's (a missing library) or the test's, the reader sees."""
    skips = tuple(outcome(f"tests/test_a.py::test_param[{n}]", kind, message=why)
                  for n, kind, why in ((1, "xfailed", "bug 12"), (2, "skipped", "needs a key"),
                                       (3, "skipped", None), (4, "passed", None)))
    a = judge(repo, run=RunRecord(started=T0, finished=T0, commit="abc", outcomes=skips))
    reason = a.item("passing").reason
    assert "2 skipped and 1 xfailed: test_param[1], test_param[2], test_param[3] (bug 12)" \
        in reason, reason


def test_statuses_from_the_run(repo):
    a = judge(repo)
    got = {i.item.id: (i.status, i.reason) for i in a.items}
    assert got["passing"] == (Status.DONE, "3 tests, all passing; targets covered 83.3%")
    assert got["failing"] == (Status.FAILING, "1 of 1 failing: test_bad")
    assert got["skipped-test"] == (Status.IN_PROGRESS, "1 skipped: test_skip (later)")
    assert got["not-run"] == (Status.IN_PROGRESS, "1 linked test did not run: test_never_ran")
    assert got["by-marker"][0] is Status.DONE, "a marker only known at run time links tests"
    assert got["by-plan-marker"] == (Status.DONE, "1 test, passing")
    assert got["too-few"] == (Status.IN_PROGRESS, "1 of 2 tests")
    assert got["low-coverage"] == (Status.IN_PROGRESS, "targets covered 50.0% of 90%")
    assert got["broken"][0] is Status.FAILING
    assert "cannot be collected: tests/test_broken.py: SyntaxError" in got["broken"][1]
    tally = a.item("passing").tally
    assert (tally.passed, len(tally.failed), tally.skipped) == (3, 0, 0)


def test_changed_test_file_makes_items_stale_until_run_again(repo):
    run = RunRecord(**{**RUN.__dict__, "file_hashes": {"tests/test_a.py": "old",
                                                       "src/app.py": "same"}})
    a = judge(repo, run, hashes={"tests/test_a.py": "new", "src/app.py": "same"})
    stale = {i.item.id for i in a.items if i.status is Status.STALE}
    assert stale == {"passing", "failing", "skipped-test", "too-few", "low-coverage"}
    assert a.item("passing").reason.startswith("changed since the last run: tests/test_a.py")
    fresh = judge(repo, run, hashes={"tests/test_a.py": "old", "src/app.py": "same"})
    assert not any(i.status is Status.STALE for i in fresh.items)


def test_without_a_run_tests_are_found_but_not_proven(repo):
    a = judge(repo, run=None)
    assert a.item("passing").status is Status.IN_PROGRESS
    assert a.item("passing").reason.endswith("coverage of targets not yet measured")
    assert all(m.display == "not yet measured" for m in a.metrics)


def test_metrics_are_measured_and_targets_evaluated(repo):
    history = (RunPoint(1, T0, "a", {"passed": 3, "skipped": 0}, 70.0, 3, 20.0),
               RunPoint(2, T0, "b", {"passed": 5, "skipped": 1}, 60.0, 7, 30.0))
    a = judge(repo, history=history)
    got = {m.metric.id: (m.display, m.met) for m in a.metrics}
    assert got["cov"] == ("68.2%", False)
    assert got["count"] == ("7", True)
    assert got["rate"] == ("83.3%", False)
    assert got["slow"] == ("14.3%", True)
    assert got["time"] == ("30.0 s", True)
    assert got["file"] == ("83.3%", True)
    assert got["glob"] == ("68.2%", True)
    trends = {m.metric.id: m.trend for m in a.metrics}
    assert trends["cov"] == (70.0, 60.0) and trends["count"] == (3.0, 7.0)
    assert trends["rate"] == (100.0, 100 * 5 / 6)


def test_target_coverage_is_the_latest_runs(repo):
    """Per-item changes come from the deltas (tracker.evidence.deltas); the change "since the
    first recorded run" was shown nowhere and is no longer computed."""
    plan = load_plan(repo / "plan.yaml").plan
    evidence = Evidence(workspace=gather_workspace(plan, repo), run=RUN, current_hashes={})
    item = assess(plan, evidence, dt.date(2026, 3, 11)).item("passing")
    assert item.target_coverage == pytest.approx(100 * 10 / 12)
    assert item.target_counts is not None and item.target_counts.percent == item.target_coverage
    assert not hasattr(item, "coverage_delta")
