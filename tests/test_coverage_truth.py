"""Coverage comes from the run that measured it; counts are of the cases that did not run.

Runs are laid over each other as gather does (:func:`tracker.evidence.layering.layer`), and
judged against a real workspace.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tracker.assess import Assessment, Status, assess
from tracker.evidence.bundle import Evidence
from tracker.evidence.layering import layer
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan

from .helpers import write

PLAN = """\
title: T
phases:
  - id: "1"
    title: One
    items:
      - id: app
        text: App
        tests: [tests/test_a.py]
        targets: [src/app.py]
        expect: {target_coverage: 50}
      - {id: plain, text: Plain, tests: [tests/test_a.py], targets: [src/app.py]}
      - {id: params, text: Parametrized, tests: [tests/test_b.py]}
"""

T0 = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
COVERAGE = (FileCoverage("src/app.py", statements=4, missing=(2,)),)


def record(minutes: int, args: tuple[str, ...], hashes: dict[str, str],
           coverage: tuple[FileCoverage, ...] = COVERAGE) -> RunRecord:
    start = T0 + dt.timedelta(minutes=minutes)
    return RunRecord(started=start, finished=start + dt.timedelta(seconds=5), args=args,
                     outcomes=(TestOutcome("tests/test_a.py::test_ok", "passed"),),
                     coverage=coverage, file_hashes=hashes)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    write(tmp_path, "plan.yaml", PLAN)
    write(tmp_path, "tests/test_a.py", "def test_ok():\n    pass\n")
    write(tmp_path, "tests/test_b.py", "import pytest\n\n"
                                       "@pytest.mark.parametrize('x', [1, 2, 3])\n"
                                       "def test_p(x):\n    pass\n")
    write(tmp_path, "src/app.py", "X = 1\n")
    return tmp_path


def judge(root: Path, runs: list[RunRecord], now: dict[str, str]) -> Assessment:
    plan = load_plan(root / "plan.yaml").plan
    assert plan is not None
    evidence = Evidence(workspace=gather_workspace(plan, root), run=layer(runs, now),
                        current_hashes=now)
    return assess(plan, evidence, dt.date(2026, 3, 11))


def reasons(a: Assessment) -> dict[str, tuple[Status, str]]:
    return {i.item.id: (i.status, i.reason) for i in a.items}


def test_rerunning_the_linked_tests_reestablishes_them_and_names_the_full_run(repo):
    full = record(0, (), {"tests/test_a.py": "A", "src/app.py": "S1"})
    now = {"tests/test_a.py": "A", "src/app.py": "S2"}
    before = reasons(judge(repo, [full], now))
    assert before["app"] == (Status.STALE,
                             "changed since the last run: src/app.py; run the tests again")
    again = record(5, ("tests/test_a.py",), {"tests/test_a.py": "A", "src/app.py": "S2"})
    after = reasons(judge(repo, [again, full], now))
    needs = ("coverage of targets not measured since src/app.py changed: "
             "needs a run of the whole suite")
    assert after["app"] == (Status.IN_PROGRESS, needs)
    assert after["plain"] == (Status.DONE, f"1 test, passing; {needs}")
    whole = record(9, (), {"tests/test_a.py": "A", "src/app.py": "S2"})
    assert reasons(judge(repo, [whole, again, full], now))["app"] == (
        Status.DONE, "1 test, passing; targets covered 75.0%")


def test_with_only_subset_runs_the_reason_says_no_whole_run_yet(repo):
    hashes = {"tests/test_a.py": "A", "src/app.py": "S1"}
    subset = record(0, ("tests/test_a.py",), hashes)
    got = reasons(judge(repo, [subset], hashes))
    assert got["app"] == (Status.IN_PROGRESS,
                          "coverage of targets not measured: no run of the whole suite yet")


def test_targets_the_coverage_settings_leave_out_are_said_once_with_the_cause(repo):
    """A project whose coverage ``source`` names other folders (a copied config that reads
    source = ["jinja2", "tests"]) measures none of the targets: the reason names that, not
    "needs a tracker run", and says it once though two expectations wanted it."""
    plan = repo / "plan.yaml"
    plan.write_text(plan.read_text().replace("expect: {target_coverage: 50}",
                                             "expect: {target_coverage: 50, own_coverage: 50}"))
    hashes = {"tests/test_a.py": "A", "src/app.py": "S1"}
    tests_only = (FileCoverage("tests/test_a.py", statements=3, missing=()),
                  FileCoverage("tests/conftest.py", statements=1, missing=()))
    got = reasons(judge(repo, [record(0, (), hashes, tests_only)], hashes))
    assert got["app"] == (Status.IN_PROGRESS,
                          "coverage of targets not measured: the run's coverage left them out "
                          "(it measured 2 other files, such as tests/conftest.py: check "
                          "coverage's `source` setting)")
    assert got["plain"][0] is Status.DONE  # no coverage expected: nothing to say
    measured = reasons(judge(repo, [record(0, (), hashes)], hashes))
    assert "left them out" not in measured["app"][1]


def test_the_cases_that_did_not_run_are_counted_not_the_functions(repo):
    hashes = {"tests/test_a.py": "A", "src/app.py": "S1"}
    plan = load_plan(repo / "plan.yaml").plan
    assert plan is not None
    unrun = assess(plan, Evidence(workspace=gather_workspace(plan, repo)), dt.date(2026, 3, 11))
    assert reasons(unrun)["params"] == (Status.IN_PROGRESS, "3 tests found, not yet run")
    ignored = record(0, ("--ignore", "tests/test_b.py"), hashes)
    a = judge(repo, [ignored], hashes)
    assert reasons(a)["params"] == (Status.IN_PROGRESS, "3 linked tests did not run: test_p")
    assert a.item("params").test_count == 3
    assert a.item("params").link_cases == (3,)


def test_a_run_counts_only_the_project_files_it_measured(tmp_path):
    """Files outside the project that a test's own subprocesses ran under coverage (the
    sample projects pytester writes to a temporary folder) are not the project's code:
    counting them made the total depend on when pytest cleaned its temporary folders."""
    import coverage

    from tracker.evidence.coverage_data import CoverageSettings, read_data_file

    root, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (root / "src").mkdir(parents=True)
    elsewhere.mkdir()
    (root / "src" / "a.py").write_text("X = 1\nif X:\n    Y = 2\n")
    (elsewhere / "b.py").write_text("Z = 3\n")
    data = root / ".coverage"
    cov = coverage.Coverage(data_file=str(data), branch=True, config_file=False)
    cov.start()
    try:
        for path in (root / "src" / "a.py", elsewhere / "b.py"):
            exec(compile(path.read_text(), str(path), "exec"), {})
    finally:
        cov.stop()
    cov.save()
    settings = CoverageSettings(config_file=False)
    ingested = read_data_file(data, root, settings)  # someone's data file, as given
    assert {f.path for f in ingested} == {"src/a.py", (elsewhere / "b.py").as_posix()}
    run = read_data_file(data, root, settings, own=True)  # tracker run's own
    assert [f.path for f in run] == ["src/a.py"]
