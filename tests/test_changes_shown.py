"""What items changed, the trend and flaky tests, where people look: ``status`` (text and
JSON) and the rendered document, on a real repository and a real store (runs stored without
pytest, so quick). The end-to-end case with a real backfill is in test_history_backfill.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.evidence.hashes import file_hashes
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.store import Store, default_store_path

from .helpers import write
from .history_repo import commit, run
from .test_run import clean_env

T0 = dt.datetime(2026, 3, 5, tzinfo=dt.UTC)
PLAN = """
    title: P
    created: 2026-03-02
    phases:
      - id: "1"
        title: One
        items:
          - id: api
            text: API tests
            tests: [tests/test_api.py]
            targets: [src/api.py]
          - {id: other, text: Other, tests: [tests/test_other.py]}
    metrics:
      - {id: cov, title: Coverage, measure: coverage.total, target: ">= 80"}
"""
API_TESTS = "def test_get():\n    pass\n\n\ndef test_retry():\n    pass\n"


def tracker(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, text=True,
                          capture_output=True, env=clean_env(), timeout=120, check=False)


@dataclasses.dataclass
class Project:
    root: Path
    shas: list[str]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Three commits; the API tests arrive in the second, and no run is older than that (no
    baseline). Runs of the second and third commit, whose test file, targets and conftest
    files are the same: test_retry passes and fails on that unchanged code, and fails in the
    newest run, the only failure of its item."""
    root = tmp_path_factory.mktemp("changes") / "proj"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "plan.yaml", PLAN)
    write(root, "src/api.py", "def get():\n    return 1\n")
    write(root, "tests/test_other.py", "def test_other():\n    pass\n")
    shas = [commit(root, "2026-03-02", "api")]
    write(root, "tests/test_api.py", API_TESTS)
    shas.append(commit(root, "2026-03-03", "api tests", "Bob"))
    write(root, "README.md", "# p\n")
    shas.append(commit(root, "2026-03-04", "readme"))
    hashes = file_hashes(root, {"tests/test_api.py", "src/api.py", "tests/test_other.py"})
    passed = RunRecord(
        started=T0, finished=T0, commit=shas[1], file_hashes=hashes,
        outcomes=(TestOutcome("tests/test_other.py::test_other", "passed"),
                  TestOutcome("tests/test_api.py::test_get", "passed"),
                  TestOutcome("tests/test_api.py::test_retry", "passed")),
        coverage=(FileCoverage("src/api.py", 10, (1, 2, 3)),))
    again = dataclasses.replace(passed, commit=shas[2],
                                coverage=(FileCoverage("src/api.py", 10, (1, 2)),))
    failed = dataclasses.replace(again, exit_code=1, outcomes=(
        *passed.outcomes[:2], TestOutcome("tests/test_api.py::test_retry", "failed")))
    with Store.open(default_store_path(root)) as store:
        for record in (passed, failed, again, failed):
            store.add_run(record)
    return Project(root, shas)


def test_status_json_has_the_delta_the_trend_and_the_flaky_tests(project):
    done = tracker(project.root, "status", "--json", "--today", "2026-03-20")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    api = data["items"][0]
    assert api["status"] == "failing"
    assert api["reason"] == ("1 flaky test failed: test_retry (failed 2 of 4 runs of "
                             "unchanged code)")
    assert api["flaky"] == ["tests/test_api.py::test_retry"]
    delta = api["delta"]
    s = project.shas
    assert delta["arrived"]["commit"] == s[1] and delta["arrived"]["author"] == "Bob"
    assert delta["missing"] == s[0] and delta["backfill"] == f"tracker backfill {s[0][:12]}^!"
    assert [p["commit"] for p in data["trend"]] == [s[1], s[2]]
    assert data["trend"][0] == {"commit": s[1], "coverage": 70.0, "tests": 3}
    (flaky,) = data["flaky"]
    assert flaky["test"] == "tests/test_api.py::test_retry"
    assert flaky["failed"] == 2 and flaky["runs"] == 4
    assert data["items"][1]["flaky"] == [] and data["items"][1]["status"] == "done"


def test_status_lists_the_flaky_tests(project):
    done = tracker(project.root, "status", "--today", "2026-03-20")
    assert done.returncode == 0, done.stderr
    assert "failing: 1 flaky test failed: test_retry" in done.stdout
    assert ("Flaky tests (outcome changed between runs of unchanged code)\n"
            "  tests/test_api.py::test_retry: failed 2 of 4 runs of unchanged code\n"
            ) in done.stdout


def test_the_document_shows_the_missing_baseline_the_trend_and_the_flaky_tests(project):
    done = tracker(project.root, "render", "--today", "2026-03-20")
    assert done.returncode == 0, done.stderr
    doc = done.stdout
    s = project.shas
    assert (f"changed: tests arrived in {s[1][:10]} on 2026-03-03 (Bob); no run at or before "
            f"its parent {s[0][:10]}: record one with `tracker backfill {s[0][:12]}^!`") in doc
    assert "✘ failing: 1 flaky test failed: test_retry" in doc
    assert doc.index("## Success metrics") < doc.index("## Trend") < doc.index("## Flaky")
    assert f'    x-axis ["{s[1][:7]}", "{s[2][:7]}"]\n' in doc
    assert "    line [70.0, 80.0]\n" in doc and "    bar [3, 3]\n" in doc
    assert ("- `tests/test_api.py::test_retry`: failed 2 of 4 runs of unchanged code"
            in doc)
    assert tracker(project.root, "render", "--today", "2026-03-20").stdout == doc


def test_without_runs_or_git_the_document_has_no_changes(project, tmp_path):
    no_runs = tracker(project.root, "render", "--no-runs", "--today", "2026-03-20")
    assert no_runs.returncode == 0, no_runs.stderr
    assert "changed:" not in no_runs.stdout and "## Trend" not in no_runs.stdout
    copy = tmp_path / "copy"
    shutil.copytree(project.root, copy, ignore=shutil.ignore_patterns(".git", "cache"))
    outside = tracker(copy, "render", "--today", "2026-03-20")
    assert outside.returncode == 0, outside.stderr
    assert "changed:" not in outside.stdout and "## Trend" not in outside.stdout
    assert "failing: 1 flaky test failed" in outside.stdout  # the runs still tell that


async def test_the_detail_pane_shows_what_the_item_changed_and_its_flaky_test(project):
    from tracker.tui.launch import make_app
    from tracker.tui.widgets.plan_tree import PlanTree

    from .tui.conftest import wait_until
    from .tui.test_app import detail_text

    app = make_app(project.root / "plan.yaml", dt.date(2026, 3, 20), watch=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: app.query_one(PlanTree).root.children)
        await pilot.press("down")
        await wait_until(pilot, lambda: "Changed" in detail_text(app))
        text = detail_text(app)
        s = project.shas
        assert f"tests arrived in {s[1][:10]} on 2026-03-03 (Bob)" in text
        assert f"tracker backfill {s[0][:12]}^!" in text
        assert "since the first recorded run" not in text
        assert "tests/test_api.py::test_retry  failed 2 of 4 runs of unchanged code" in text


def test_a_new_run_renews_the_cached_flaky_record(project, tmp_path):
    copy = tmp_path / "proj"
    shutil.copytree(project.root, copy, symlinks=True)
    first = json.loads(tracker(copy, "status", "--json").stdout)
    assert first["flaky"][0]["runs"] == 4
    assert (copy / ".tracker" / "cache" / "flaky.pickle").is_file()
    with Store.open(default_store_path(copy)) as store:
        latest = store.latest_run()
        assert latest is not None
        store.add_run(dataclasses.replace(latest, id=None))  # failed once more
    second = json.loads(tracker(copy, "status", "--json").stdout)
    assert second["flaky"][0]["runs"] == 5 and second["flaky"][0]["failed"] == 3


def test_the_trend_keeps_like_with_like_oldest_first():
    from tracker.assess.changes import TREND_POINTS, trend
    from tracker.evidence.bundle import ChangeEvidence
    from tracker.evidence.commits import Commit, GitLog
    from tracker.evidence.layering import INTERRUPTED
    from tracker.evidence.timeline import CommitRow, Timeline

    def row(n: int, args: tuple[str, ...] = (), partial: bool = False,
            code: int = 0) -> CommitRow:
        c = Commit(f"{n:040x}", (), "Ann", T0, T0, f"c{n}")
        return CommitRow(c, n, (n,), "pytest", partial, args, code, 50.0 + n, n, n, 0, 100.0)

    rows = (row(9, ("-k", "fast"), partial=True), row(8), row(7, code=INTERRUPTED),
            row(6, ("--deselect", "tests/test_a.py::test_x")), row(5, ("-k", "fast"), True),
            row(4))
    changes = ChangeEvidence(GitLog(), Timeline(rows), frozenset())
    # the newest whole run's selection (the whole suite), oldest first: not the -k runs,
    # not the run cut short, not the run that deselected a test
    assert [p.tests for p in trend(changes)] == [4, 8]
    assert trend(ChangeEvidence(GitLog(), Timeline(rows[:1]), frozenset()))[0].tests == 9
    many = tuple(row(n) for n in range(100, 0, -1))
    points = trend(ChangeEvidence(GitLog(), Timeline(many), frozenset()))
    assert len(points) == TREND_POINTS and points[-1].tests == 100
    assert points[0].commit == f"{100 - TREND_POINTS + 1:040x}"
    # a commit whose figures did not move (a docs-only commit, the document's own update)
    # adds no point: the streak keeps its first commit
    same = (dataclasses.replace(row(3), coverage=52.0, tests=2), row(2), row(1))
    points = trend(ChangeEvidence(GitLog(), Timeline(same), frozenset()))
    assert [(p.commit, p.tests) for p in points] == [(f"{1:040x}", 1), (f"{2:040x}", 2)]
