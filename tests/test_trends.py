"""Trends compare like with like: the runs a project habitually makes, never a stray subset."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tracker.evidence.gather import gather
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.paths import default_store_path
from tracker.plan.load import load_plan
from tracker.store import Store

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def record_runs(root: Path, *arg_lists: tuple[str, ...], exit_code: int = 0) -> None:
    with Store.open(default_store_path(root)) as store:
        for n, args in enumerate(arg_lists):
            when = T0 + dt.timedelta(hours=n)
            store.add_run(RunRecord(
                started=when, finished=when + dt.timedelta(seconds=5), args=args,
                exit_code=exit_code, outcomes=(TestOutcome("tests/test_a.py::test_x", "passed"),),
                coverage=(FileCoverage("src/a.py", 10, (1, 2)),)))


def history_of(root: Path) -> list[tuple[str, ...]]:
    (root / "plan.yaml").write_text("title: T\nphases:\n  - id: '1'\n    title: One\n")
    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None
    evidence = gather(plan, root / "plan.yaml", signoffs=False, updated=False)
    with Store.open(default_store_path(root)) as store:
        args = {s.id: s.args for s in store.runs()}
    return [args[p.run_id] for p in evidence.history]


def test_a_project_that_always_deselects_a_test_has_a_trend(tmp_path):
    """Every run of such a suite used to count as a subset: six runs, trend []."""
    always = ("--deselect", "tests/test_net.py::test_download")
    record_runs(tmp_path, *[always] * 6)
    assert history_of(tmp_path) == [always] * 6


def test_a_project_that_always_runs_the_same_subset_has_a_trend(tmp_path):
    habit = ("-m", "not network")
    record_runs(tmp_path, habit, habit, ("-k", "retry"), habit)
    assert history_of(tmp_path) == [habit] * 3, "the stray -k run is not a point"


def test_whole_runs_make_the_trend_when_there_are_any(tmp_path):
    record_runs(tmp_path, (), ("-m", "not network"), (), ("tests/test_a.py",))
    assert history_of(tmp_path) == [(), ()]


def test_interrupted_runs_are_never_points(tmp_path):
    record_runs(tmp_path, (), ())
    record_runs(tmp_path, (), exit_code=2)
    assert history_of(tmp_path) == [(), ()]
