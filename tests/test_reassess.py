"""Judging again only what new results change gives what judging everything gives.

The terminal UI re-judges, while a suite runs, only the items a finished test can change
(tracker.assess.incremental). These tests lay random sequences of results over a recorded
run, as a live run does, and compare that judgement with a full one after every step, on a
real workspace whose items link tests in every way a plan can (node ids, parametrized cases,
files, folders, classes, markers, fixtures, ``-k`` keywords, globs, @pytest.mark.plan).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.assess import Status, assess
from tracker.assess.incremental import LinkIndex, reassess
from tracker.evidence.results import TestOutcome
from tracker.plan.model import Plan
from tracker.tui.live import LiveJudge, LiveRun, provisional_evidence

from .helpers import plan_with_run

TODAY = dt.date(2026, 3, 20)
T0 = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)

PLAN = """\
title: Live
created: 2026-03-02
phases:
  - id: "1"
    title: One
    weeks: 1-2
    items:
      - {id: node, text: N, tests: [tests/test_a.py::test_one]}
      - {id: case, text: C, tests: ["tests/test_a.py::test_p[2]"]}
      - {id: file, text: F, tests: [tests/test_a.py], expect: {min_tests: 5}}
      - {id: folder, text: D, tests: [tests/sub/]}
      - {id: klass, text: K, tests: [tests/test_a.py::TestK]}
      - {id: claimed, text: Cl, tests: [tests/test_a.py::test_two], status: done}
      - {id: nothing, text: Nothing linked}
  - id: "2"
    title: Two
    weeks: 3-4
    items:
      - {id: slow, text: S, tests: [{marker: slow}]}
      - {id: fast, text: Fa, tests: [{marker: fast}], expect: {min_tests: 2}}
      - {id: fixture, text: Fx, tests: [{fixture: db}]}
      - {id: keyword, text: Kw, tests: [{keyword: "two or k_word"}]}
      - {id: glob, text: G, tests: ["tests/sub/test_*.py"]}
      - {id: own, text: Marked by its tests}
      - {id: skipped, text: Sk, tests: [tests/test_a.py], status: skipped, note: later}
      - {id: several, text: Sv, tests: [tests/test_a.py::test_one, {marker: fast}, tests/sub/]}
"""

TESTS_A = """\
import pytest

def test_one():
    pass

@pytest.mark.slow
def test_two():
    pass

@pytest.mark.fast
@pytest.mark.parametrize("n", [1, 2, 3])
def test_p(n):
    pass

class TestK:
    def test_m(self):
        pass

@pytest.mark.plan("own")
def test_owned():
    pass
"""

TESTS_B = """\
import pytest

def test_db(db):
    pass

def test_k_word():
    pass

@pytest.mark.plan("own")
@pytest.mark.slow
def test_marked(db):
    pass
"""

CONFTEST = """\
import pytest

@pytest.fixture
def db():
    return 1
"""

KNOWN = ["tests/test_a.py::test_one", "tests/test_a.py::test_two",
         "tests/test_a.py::test_p[1]", "tests/test_a.py::test_p[2]",
         "tests/test_a.py::test_p[3]", "tests/test_a.py::TestK::test_m",
         "tests/test_a.py::test_owned", "tests/sub/test_b.py::test_db",
         "tests/sub/test_b.py::test_k_word", "tests/sub/test_b.py::test_marked"]
#: results the source does not show (generated tests, a case added since the scan)
UNKNOWN = ["tests/test_a.py::test_new", "tests/sub/test_b.py::test_gen[x]",
           "tests/other/test_c.py::test_two_more"]


class Project:
    """The plan, its workspace and a recorded run, read once for every example."""

    def __init__(self, root: Path, plan: str = PLAN) -> None:
        files = {"plan.yaml": plan, "tests/test_a.py": TESTS_A,
                 "tests/sub/test_b.py": TESTS_B, "tests/conftest.py": CONFTEST}
        self.plan: Plan
        self.plan, self.evidence = plan_with_run(root, files, T0, (
            TestOutcome("tests/test_a.py::test_one", "passed"),
            TestOutcome("tests/test_a.py::test_two", "failed", markers=("slow",)),
            TestOutcome("tests/test_a.py::test_p[1]", "passed", markers=("fast",)),
            TestOutcome("tests/sub/test_b.py::test_db", "passed", fixtures=("db",)),
            TestOutcome("tests/sub/test_b.py::test_marked", "skipped", markers=("slow",),
                        fixtures=("db",), plan_items=("own",)),
        ))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(tmp_path_factory.mktemp("reassess") / "live")


def result(nodeid: str, outcome: str, markers: frozenset[str], fixtures: bool,
           owned: bool) -> dict[str, object]:
    """A test's result as the pytest plugin reports it."""
    return {"event": "test", "nodeid": nodeid, "outcome": outcome, "duration": 0.01,
            "markers": sorted(markers), "fixtures": ["db"] if fixtures else [],
            "plan_items": ["own"] if owned else []}


results = st.builds(
    result, st.sampled_from(KNOWN + UNKNOWN),
    st.sampled_from(["passed", "failed", "skipped", "error", "xfailed", "xpassed"]),
    st.frozensets(st.sampled_from(["slow", "fast", "other"])), st.booleans(), st.booleans())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.lists(results, min_size=1, max_size=3), min_size=1, max_size=8),
       scoped=st.booleans())
def test_judging_what_changed_equals_judging_everything(project: Project,
                                                       steps: list[list[dict[str, object]]],
                                                       scoped: bool) -> None:
    live = LiveRun(started=T0, scope=("tests/sub",) if scoped else ())
    index = LinkIndex(project.plan, project.evidence.workspace)
    previous = assess(project.plan, provisional_evidence(project.evidence, live), TODAY)
    for events in steps:
        for event in events:
            live.feed(event)
        evidence = provisional_evidence(project.evidence, live)
        fresh = live.take_fresh()
        again, judged = reassess(previous, evidence, fresh, index)
        assert again == assess(project.plan, evidence, TODAY)
        assert judged < {ia.item.id for ia in again.items}, "only some items judged again"
        previous = again


def test_a_result_judges_again_only_the_items_that_can_select_it(project: Project) -> None:
    """test_k_word is linked by the folder, glob, keyword and "several" items: only those
    (and not the seven items of phase 1 that link other tests) are judged again."""
    live = LiveRun(started=T0)
    judge = LiveJudge(project.plan, project.evidence, TODAY)
    first, judged = judge.judge(live)
    assert judged is None  # the first judgement is a whole one
    assert {ia.status for ia in first.items if ia.item.id in ("node", "file")} == {
        Status.RUNNING}
    live.feed(result("tests/sub/test_b.py::test_k_word", "failed", frozenset(), False, False))
    after, judged = judge.judge(live)
    assert judged == {"folder", "glob", "keyword", "several"}
    keyword = after.item("keyword")
    assert keyword is not None and keyword.status is Status.FAILING
    live.feed({"event": "finish"})
    done, judged = judge.judge(live)
    assert judged is None  # the run ended: nothing is running any more, all judged again
    full = assess(project.plan, provisional_evidence(project.evidence, live), TODAY)
    assert (done.items, done.phases) == (full.items, full.phases)  # the run's end time differs


def test_a_collection_error_judges_everything_again(project: Project) -> None:
    live = LiveRun(started=T0)
    judge = LiveJudge(project.plan, project.evidence, TODAY)
    judge.judge(live)
    live.feed({"event": "collect_error", "nodeid": "tests/sub/test_b.py",
               "message": "ImportError: no module named shop"})
    assessment, judged = judge.judge(live)
    assert judged is None  # a file that cannot be collected touches every item under it
    glob = assessment.item("glob")
    assert glob is not None and glob.tally is not None
    assert glob.tally.collection_errors == ("tests/sub/test_b.py: ImportError: no module "
                                            "named shop",)


def test_results_judged_together_touch_the_items_each_one_touches(tmp_path: Path) -> None:
    """A live run's results pile up while the tree is being judged, so the next judgement
    takes several at once: they touch the union of what each one touches. Driven here on
    purpose, on a plan without ``-k`` links (no keyword to match), rather than left to how
    the UI's timer happens to batch them (which made our own coverage differ between runs).
    """
    keyword_item = '      - {id: keyword, text: Kw, tests: [{keyword: "two or k_word"}]}\n'
    no_keywords = PLAN.replace(keyword_item, "")
    assert no_keywords != PLAN
    project = Project(tmp_path / "live", no_keywords)
    index = LinkIndex(project.plan, project.evidence.workspace)
    one = TestOutcome("tests/test_a.py::test_one", "passed")
    db = TestOutcome("tests/sub/test_b.py::test_db", "failed", fixtures=("db",))
    alone = index.touched([one]), index.touched([db])
    assert all(alone) and alone[0] != alone[1]
    assert index.touched([one, db]) == alone[0] | alone[1]
