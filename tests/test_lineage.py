"""The evidence for HEAD comes from runs of its first-parent history, nearest first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tracker.assess import Status, assess
from tracker.evidence.gather import gather
from tracker.evidence.hashes import file_hashes
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.paths import default_store_path
from tracker.plan.load import load_plan
from tracker.store import Store

from .helpers import git, write

TODAY = dt.date(2026, 3, 20)
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

PLAN = """\
title: Lineage
phases:
  - id: '1'
    title: One
    items:
      - {id: a, text: A, tests: [tests/test_a.py], targets: [src/a.py]}
      - {id: b, text: B, tests: [tests/test_b.py]}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    write(root, "plan.yaml", PLAN)
    write(root, "src/a.py", "def f():\n    return 1\n")
    write(root, "tests/test_a.py", "def test_a():\n    assert True\n")
    write(root, "tests/test_b.py", "def test_b():\n    assert True\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    return root


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def record(root: Path, outcomes: dict[str, str], *, args: tuple[str, ...] = (),
           missing: tuple[int, ...] = (), hours: int = 0) -> None:
    """A run of the code checked out now, as `tracker run` would record it."""
    files = {n.split("::")[0] for n in outcomes} | {"src/a.py"}
    when = T0 + dt.timedelta(hours=hours)
    with Store.open(default_store_path(root)) as store:
        store.add_run(RunRecord(
            started=when, finished=when, commit=head(root), args=args,
            outcomes=tuple(TestOutcome(n, o) for n, o in outcomes.items()),
            coverage=(FileCoverage("src/a.py", 2, missing),),
            file_hashes=file_hashes(root, files)))


def judged(root: Path):
    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None
    evidence = gather(plan, root / "plan.yaml", signoffs=False, updated=False)
    return assess(plan, evidence, TODAY)


ALL_PASS = {"tests/test_a.py::test_a": "passed", "tests/test_b.py::test_b": "passed"}


def test_a_docs_only_commit_keeps_its_parents_evidence(repo):
    record(repo, ALL_PASS)
    write(repo, "README.md", "docs\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "docs")
    assessment = judged(repo)
    assert assessment.item("a").status is Status.DONE
    assert assessment.item("b").status is Status.DONE


def test_runs_of_another_branch_do_not_speak_for_this_one(repo):
    git(repo, "checkout", "-qb", "feature")
    write(repo, "tests/test_b.py", "def test_b():\n    assert False\n")
    git(repo, "commit", "-qam", "break b")
    record(repo, {**ALL_PASS, "tests/test_b.py::test_b": "failed"}, hours=2)
    assert judged(repo).item("b").status is Status.FAILING
    git(repo, "checkout", "-q", "main")
    assessment = judged(repo)
    assert assessment.run is None, "the feature branch's run is not main's evidence"
    assert assessment.item("b").status is Status.IN_PROGRESS  # found, not yet run on main


def test_the_nearest_commits_run_wins_over_a_newer_run_of_an_older_commit(repo):
    first = head(repo)
    write(repo, "tests/test_b.py", "def test_b():\n    assert 1\n")
    git(repo, "commit", "-qam", "touch b")
    record(repo, ALL_PASS, hours=1)  # a run of HEAD
    git(repo, "checkout", "-q", first)
    record(repo, {**ALL_PASS, "tests/test_b.py::test_b": "failed"}, hours=5)  # newer, older code
    git(repo, "checkout", "-q", "main")
    assert judged(repo).item("b").status is Status.DONE


def test_shards_of_one_commit_combine_their_outcomes_and_coverage(repo):
    """Two CI jobs each ran half the suite: judged together, not each alone."""
    record(repo, {"tests/test_a.py::test_a": "passed"}, args=("tests/test_a.py",),
           missing=(2,), hours=1)
    record(repo, {"tests/test_b.py::test_b": "passed"}, args=("tests/test_b.py",),
           missing=(1,), hours=2)
    assessment = judged(repo)
    assert assessment.item("a").status is Status.DONE
    assert assessment.item("b").status is Status.DONE
    assert assessment.item("a").target_coverage == 100.0, "line 1 by one shard, 2 by the other"


def test_heads_run_is_found_after_hundreds_of_runs_of_older_commits(repo):
    """A backfill or an import of old notes stores hundreds of runs after HEAD's own: HEAD is
    still judged by its run (or, once pruned to totals, by the nearest whole run)."""
    first = head(repo)
    write(repo, "tests/test_b.py", "def test_b():\n    assert 1\n")
    git(repo, "commit", "-qam", "touch b")
    record(repo, ALL_PASS)
    git(repo, "checkout", "-q", first)
    for n in range(210):
        record(repo, {**ALL_PASS, "tests/test_b.py::test_b": "failed"}, hours=n + 1)
    git(repo, "checkout", "-q", "main")
    assessment = judged(repo)
    assert assessment.item("b").status is Status.STALE, \
        "HEAD's run was pruned to its totals: the nearest whole run is of older code"
    with Store.open(default_store_path(repo)) as store:
        assert [s.pruned for s in store.summaries_of([head(repo)])] == [True]
