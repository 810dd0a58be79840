"""The run history along the first-parent line (tracker.evidence.timeline): one row per commit
with runs, changes against comparable rows, and runs that belong to no commit of the line kept
apart."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.evidence.timeline import timeline
from tracker.history.log import read_log
from tracker.store import RunSummary

from .history_repo import Repo, make_history

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return make_history(tmp_path_factory.mktemp("timeline") / "repo")


def summary(run_id: int, commit: str | None, *, tests: int = 10, passed: int | None = None,
            failed: int = 0, skipped: int = 0, coverage: float | None = 50.0,
            dirty: bool = False, args: tuple[str, ...] = (), exit_code: int = 0,
            source: str = "pytest") -> RunSummary:
    counts = dict.fromkeys(("error", "failed", "xpassed", "passed", "xfailed", "skipped"), 0)
    counts.update(failed=failed, skipped=skipped,
                  passed=tests - failed - skipped if passed is None else passed)
    start = T0 + dt.timedelta(minutes=run_id)
    return RunSummary(run_id, start, start, commit, dirty, exit_code, source, counts, coverage,
                      tests, args)


def test_one_row_per_commit_of_the_line_with_its_change(repo):
    s = repo.shas
    log = read_log(repo.root, [])
    runs = [summary(1, s["a"], tests=4, coverage=40.0),
            summary(2, s["c"], tests=6, coverage=55.5, failed=1, skipped=2),
            summary(3, s["c"], tests=7, coverage=60.0, args=("-k", "fast")),  # partial, newer
            summary(4, s["g"], tests=9, coverage=70.0)]
    line = timeline(log, runs, backfilled={4})
    assert [row.commit.sha for row in line.rows] == [s["g"], s["c"], s["a"]]
    g, c, a = line.rows
    assert c.run_id == 2 and c.runs == (3, 2) and not c.partial  # the whole-suite run stands
    assert (c.tests, c.passed, c.failed) == (6, 3, 1)
    assert c.pass_rate == pytest.approx(75.0)  # skips are not counted
    assert c.coverage_change == pytest.approx(15.5) and c.tests_change == 2
    assert g.source == "backfill" and g.coverage_change == pytest.approx(14.5)
    assert a.coverage_change is None and a.tests_change is None
    assert line.loose == () and line.problem is None


def test_runs_that_match_no_commit_of_the_line_are_never_filed_under_one(repo):
    s = repo.shas
    log = read_log(repo.root, [])
    runs = [summary(1, s["g"], dirty=True), summary(2, s["f1"]), summary(3, None),
            summary(4, "9" * 40), summary(5, s["e"])]
    line = timeline(log, runs)
    assert [row.commit.sha for row in line.rows] == [s["e"]]
    assert [(r.run_id, r.why) for r in line.loose] == [
        (4, "off the line"), (3, "no commit"), (2, "off the line"), (1, "dirty")]


def test_partial_rows_compare_only_with_the_same_selection(repo):
    s = repo.shas
    log = read_log(repo.root, [])
    net = ("-k", "not network")
    runs = [summary(1, s["a"], coverage=30.0, args=net), summary(2, s["b"], coverage=90.0),
            summary(3, s["c"], coverage=35.0, args=net),
            summary(4, s["d"], coverage=20.0, exit_code=2)]  # cut short: compares with none
    rows = {row.run_id: row for row in timeline(log, runs).rows}
    assert rows[3].partial and rows[3].coverage_change == pytest.approx(5.0)  # against a's
    assert not rows[2].partial and rows[2].coverage_change is None
    assert rows[4].partial and rows[4].coverage_change is None


def test_items_arrive_with_the_commit_that_brought_them_onto_the_line(repo):
    s = repo.shas
    log = read_log(repo.root, [])
    line = timeline(log, [summary(1, s["m"]), summary(2, s["a"])],
                    arrivals={"feature": s["f1"], "app": s["a"], "elsewhere": "0" * 40},
                    unjudged={s["d"]: "tests cannot be collected", s["b"]: "objects missing",
                              "0" * 40: "unknown commit"})
    assert {row.commit.sha: row.arrived for row in line.rows} == {
        s["m"]: ("feature",), s["a"]: ("app",)}
    assert [(c.sha, why) for c, why in line.unjudged] == [
        (s["d"], "tests cannot be collected"), (s["b"], "objects missing")]
