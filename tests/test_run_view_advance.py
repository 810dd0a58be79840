"""A live run's judgements keep one index of the run (RunView.advance) while the run reports
the tests of the last run again, and still judge as a full judgement does.

A live run of the whole suite reports, one by one, the tests the last recorded run had, with
the same markers: the index of the run then only needs the new outcomes put in. These tests
lay random outcomes of those tests over a recorded run, check after every step that judging
what changed equals judging everything, and that the index was kept (not built again); a
result of a new test, or one with other markers, makes a new index, judged the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.assess import assess
from tracker.assess.incremental import LinkIndex, reassess
from tracker.evidence.results import TestOutcome
from tracker.plan.model import Plan
from tracker.tui.live import LiveRun, provisional_evidence

from .helpers import plan_with_run

TODAY = dt.date(2026, 3, 20)
T0 = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)

PLAN = """\
title: Advance
created: 2026-03-02
phases:
  - id: "1"
    title: One
    weeks: 1-2
    items:
      - {id: node, text: N, tests: [tests/test_a.py::test_one]}
      - {id: file, text: F, tests: [tests/test_a.py], expect: {min_tests: 4}}
      - {id: klass, text: K, tests: [tests/test_a.py::TestK]}
      - {id: case, text: C, tests: ["tests/test_a.py::test_p[2]"]}
  - id: "2"
    title: Two
    weeks: 3-4
    items:
      - {id: slow, text: S, tests: [{marker: slow}]}
      - {id: fixture, text: Fx, tests: [{fixture: db}]}
      - {id: keyword, text: Kw, tests: [{keyword: "one or db"}]}
      - {id: glob, text: G, tests: ["tests/sub/test_*.py"]}
      - {id: own, text: Marked by its tests}
      - {id: claimed, text: Cl, tests: [{marker: slow}], status: done}
"""

TESTS_A = """\
import pytest

def test_one():
    pass

@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 2])
def test_p(n):
    pass

class TestK:
    def test_m(self):
        pass
"""

TESTS_B = """\
import pytest

@pytest.fixture
def db():
    return 1

def test_db(db):
    pass

@pytest.mark.plan("own")
@pytest.mark.slow
def test_marked(db):
    pass
"""

#: the recorded run: every test, as the live run reports it again (same marks)
RECORDED = (
    TestOutcome("tests/test_a.py::test_one", "passed"),
    TestOutcome("tests/test_a.py::test_p[1]", "passed", markers=("slow",)),
    TestOutcome("tests/test_a.py::test_p[2]", "failed", markers=("slow",)),
    TestOutcome("tests/test_a.py::TestK::test_m", "passed"),
    TestOutcome("tests/sub/test_b.py::test_db", "passed", fixtures=("db",)),
    TestOutcome("tests/sub/test_b.py::test_marked", "skipped", markers=("slow",),
                fixtures=("db",), plan_items=("own",)),
)


class Project:
    """The plan, its workspace and the recorded run, read once for every example."""

    def __init__(self, root: Path) -> None:
        files = {"plan.yaml": PLAN, "tests/test_a.py": TESTS_A, "tests/sub/test_b.py": TESTS_B}
        self.plan: Plan
        self.plan, self.evidence = plan_with_run(root, files, T0, RECORDED)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(tmp_path_factory.mktemp("advance") / "live")


def reported(test: TestOutcome, outcome: str) -> dict[str, object]:
    """``test`` reported again with ``outcome``, as the pytest plugin writes it."""
    return {"event": "test", "nodeid": test.nodeid, "outcome": outcome, "duration": 0.01,
            "markers": list(test.markers), "fixtures": list(test.fixtures),
            "plan_items": list(test.plan_items)}


again = st.builds(reported, st.sampled_from(RECORDED),
                  st.sampled_from(["passed", "failed", "skipped", "error", "xfailed"]))


def judged_live(project: Project, steps: list[list[dict[str, object]]]
                ) -> tuple[LinkIndex, list[object]]:
    """Feed the steps to a live run, judging what changed after each and comparing that with
    a full judgement; the index and the run views the judgements used."""
    live = LiveRun(started=T0)
    index = LinkIndex(project.plan, project.evidence.workspace)
    previous = assess(project.plan, provisional_evidence(project.evidence, live), TODAY)
    views = []
    for events in steps:
        for e in events:
            live.feed(e)
        evidence = provisional_evidence(project.evidence, live)
        previous, _ = reassess(previous, evidence, live.take_fresh(), index)
        assert previous == assess(project.plan, evidence, TODAY)
        views.append(index.view)
    return index, views


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.lists(again, min_size=1, max_size=3), min_size=2, max_size=8))
def test_results_of_the_recorded_tests_keep_the_index_and_judge_alike(
        project: Project, steps: list[list[dict[str, object]]]) -> None:
    _, views = judged_live(project, steps)
    assert all(view is views[0] for view in views), "the run was indexed again"


def test_a_new_test_or_other_markers_index_the_run_again(project: Project) -> None:
    one, marked = RECORDED[0], RECORDED[5]
    other_marks = {**reported(marked, "passed"), "markers": ["slow", "flaky"]}
    new = {**reported(one, "failed"), "nodeid": "tests/test_a.py::test_generated"}
    _, views = judged_live(project, [[reported(one, "failed")], [reported(marked, "failed")],
                                     [other_marks], [reported(one, "passed")], [new],
                                     [reported(one, "failed")]])
    assert views[0] is views[1]  # the recorded tests again: the index kept
    assert views[2] is not views[1]  # other markers: which links select it may differ
    assert views[3] is views[2]
    assert views[4] is not views[3]  # a test the recorded run did not have
    assert views[5] is views[4]
