"""What each item changed (tracker.evidence.deltas): arrivals read from a real scripted history,
baselines along first parents, targets and tests followed through renames, and every reason
a delta cannot be told."""

from __future__ import annotations

import subprocess

import pytest

from tracker.evidence.deltas import (
    RunFacts,
    arrival,
    baselines_needed,
    item_delta,
)
from tracker.evidence.results import FileCoverage, TestOutcome
from tracker.evidence.values import ItemEvidence, LinkResult, TargetResult
from tracker.history.log import read_log
from tracker.plan.model import LinkKind, TestLink
from tracker.problems import Location

from .history_repo import Repo, make_history

WHERE = Location("plan.yaml", 1)
FILES = ["src/core.py", "tests/unit/test_app.py", "tests/test_feature.py",
         "tests/test_merge.py", "tests/test_new.py"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return make_history(tmp_path_factory.mktemp("deltas") / "repo")


@pytest.fixture(scope="module")
def log(repo):
    return read_log(repo.root, FILES)


def evidence(*files: str, kind: LinkKind = LinkKind.PATH, tests: tuple[str, ...] = (),
             targets: tuple[str, ...] = ("src/core.py",), marker: str | None = None
             ) -> ItemEvidence:
    links = tuple(LinkResult(TestLink(kind, f, WHERE), tests, (f,)) for f in files)
    if marker:
        links += (LinkResult(TestLink(LinkKind.MARKER, marker, WHERE), (), ()),)
    return ItemEvidence(links=links, targets=(TargetResult("t", targets),) if targets else ())


def cov(path: str, statements: int, missing: int) -> FileCoverage:
    return FileCoverage(path, statements, tuple(range(1, missing + 1)))


def facts(run_id: int, commit: str, coverage: tuple[FileCoverage, ...],
          outcomes: tuple[TestOutcome, ...] | None = ()) -> RunFacts:
    return RunFacts(run_id, commit, coverage, outcomes)


def test_the_delta_against_the_nearest_run_before_the_arrival(repo, log):
    s = repo.shas
    ev = evidence("tests/test_feature.py")
    found = arrival(ev, log)
    assert found is not None and found.commit.sha == s["f1"] and found.commit.author == "Cid"
    # f1's parent is c; the nearest run along first parents is a's (b and c have none)
    assert baselines_needed([ev], log, {s["a"], s["g"]}) == {s["a"]}
    before = facts(1, s["a"], (cov("src/app.py", 10, 6),),  # the target's name then
                   (TestOutcome("tests/test_app.py::test_app", "passed"),))
    now = facts(2, s["g"], (cov("src/core.py", 10, 1),),
                (TestOutcome("tests/test_feature.py::test_feature", "passed"),
                 TestOutcome("tests/test_feature.py::test_more[1]", "failed")))
    delta = item_delta("feat", ev, log, {s["a"], s["g"]}, {s["a"]: before}, now)
    assert delta.reason is None and delta.missing is None
    assert (delta.baseline, delta.baseline_run) == (s["a"], 1)
    assert (delta.coverage_then, delta.coverage_now) == (40.0, 90.0)
    assert delta.coverage_change == pytest.approx(50.0)
    assert (delta.tests_then, delta.tests_now, delta.tests_change) == (0, 2, 2)
    assert [(t.path, t.then, t.now) for t in delta.targets] == [("src/core.py", 40.0, 90.0)]
    text = delta.describe()
    assert text.startswith(f"tests arrived in {s['f1'][:10]} on 2026-01-15 (Cid)")
    assert "src/core.py 40.0% → 90.0%" in text and "tests 0 → 2" in text


def test_without_an_old_enough_run_it_names_the_commit_to_backfill(repo, log):
    s = repo.shas
    ev = evidence("tests/test_feature.py")
    delta = item_delta("feat", ev, log, {s["g"], s["d"]}, {}, None)  # d is not an ancestor
    assert delta.missing == s["c"] and delta.baseline is None
    assert delta.backfill_command == f"tracker backfill {s['c'][:12]}^!"
    assert f"`tracker backfill {s['c'][:12]}^!`" in delta.describe()


def test_the_oldest_linked_file_decides_and_a_merge_born_file_looks_before_the_merge(repo, log):
    s = repo.shas
    ev = evidence("tests/test_merge.py", "tests/test_feature.py")
    assert arrival(ev, log).commit.sha == s["f1"]  # type: ignore[union-attr]
    merge_only = evidence("tests/test_merge.py")
    found = arrival(merge_only, log)
    assert found is not None and found.commit.sha == s["m"]
    # the merge's first parent is e: along e, d, c... the nearest run is d's
    assert baselines_needed([merge_only], log, {s["d"], s["f2"]}) == {s["d"]}


def test_linked_tests_are_counted_as_each_link_selects_them(repo, log):
    s = repo.shas
    ev = evidence("tests/unit/test_app.py", marker="slow")
    ev_nodes = ItemEvidence(links=(LinkResult(
        TestLink(LinkKind.NODE, "tests/unit/test_app.py::test_app", WHERE),
        ("tests/unit/test_app.py::test_app",), ("tests/unit/test_app.py",)),))
    outcomes = (TestOutcome("tests/unit/test_app.py::test_app", "passed"),
                TestOutcome("tests/unit/test_app.py::test_other[1]", "passed"),
                TestOutcome("tests/test_x.py::test_slow", "passed", markers=("slow",)),
                TestOutcome("tests/test_y.py::test_marked", "passed", plan_items=("it",)),
                TestOutcome("tests/test_z.py::test_unrelated", "passed"))
    run = facts(1, s["a"], (), outcomes)
    # a path link takes every test of its file; a node id link only the one it names
    assert item_delta("it", ev, log, {s["a"]}, {s["a"]: run}, run).tests_now == 4
    assert item_delta("it", ev_nodes, log, {s["a"]}, {s["a"]: run}, run).tests_now == 2
    # arrival is the root commit: nothing existed before it
    delta = item_delta("it", ev, log, {s["a"]}, {s["a"]: run}, run)
    assert delta.arrival is not None and delta.arrival.commit.sha == s["a"]
    assert delta.tests_then == 0 and delta.coverage_then is None and delta.baseline is None


def test_pruned_outcomes_and_missing_targets_are_unknown_not_zero(repo, log):
    s = repo.shas
    ev = evidence("tests/test_feature.py", targets=("src/core.py", "src/new.py"))
    before = facts(1, s["a"], (cov("src/app.py", 4, 2),), outcomes=None)
    now = facts(2, s["g"], (cov("src/core.py", 4, 0), cov("src/new.py", 4, 4)), None)
    delta = item_delta("feat", ev, log, {s["a"]}, {s["a"]: before}, now)
    assert delta.tests_then is None and delta.tests_now is None and delta.tests_change is None
    assert [(t.path, t.then, t.now, t.change) for t in delta.targets] == [
        ("src/core.py", 50.0, 100.0, 50.0), ("src/new.py", None, 0.0, None)]
    assert delta.coverage_then == 50.0 and delta.coverage_now == 50.0  # both files together
    assert "targets 50.0% → 50.0%" in delta.describe()


def test_what_cannot_be_told_is_said(repo, log, tmp_path):
    s = repo.shas
    assert "committed yet" in (item_delta("x", evidence("tests/test_new.py"), log, set(), {},
                                          None).reason or "")
    assert "links no test" in (item_delta("x", ItemEvidence(), log, set(), {}, None).reason
                               or "")
    unloaded = item_delta("feat", evidence("tests/test_feature.py"), log, {s["a"]}, {}, None)
    assert unloaded.baseline == s["a"] and "not loaded" in (unloaded.reason or "")
    before = facts(1, s["a"], ())
    no_now = item_delta("feat", evidence("tests/test_feature.py"), log, {s["a"]},
                        {s["a"]: before}, None)
    assert no_now.baseline == s["a"] and "`tracker run`" in (no_now.reason or "")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)],
                   check=True, capture_output=True)
    shallow = read_log(clone, FILES)
    delta = item_delta("app", evidence("tests/unit/test_app.py"), shallow, set(), {}, None)
    assert delta.arrival is not None and delta.arrival.cut_off
    assert "--unshallow" in (delta.reason or "")
    assert delta.describe().startswith(f"tests arrived at or before {s['g'][:10]}")
