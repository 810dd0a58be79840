"""Subset runs lay their results over earlier runs, for files that did not change since."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tracker.evidence.layering import is_partial, layer
from tracker.evidence.results import CollectionError, FileCoverage, RunRecord, TestOutcome

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def run(args: tuple[str, ...], outcomes: dict[str, str], hashes: dict[str, str],
        coverage: float = 0) -> RunRecord:
    return RunRecord(started=T0, finished=T0, args=args,
                     outcomes=tuple(TestOutcome(n, o) for n, o in outcomes.items()),
                     file_hashes=hashes,
                     coverage=(FileCoverage("src/a.py", 10, tuple(range(int(coverage)))),))


@pytest.mark.parametrize(("args", "partial"), [
    ((), False),
    (("-q", "-n", "2"), False),
    (("-m", "not slow"), True),  # a subset: older results of the rest still count
    (("--cov", "src", "-q"), False),
    (("tests/test_a.py",), True),
    (("tests/test_a.py::test_x",), True),
    (("-k", "retry"), True),
    (("--lf",), True),
    (("-x",), True),
    (("--maxfail=2",), True),
    # clustered and attached short options, as pytest reads them
    (("-qx",), True), (("-xq",), True), (("-kretry",), True), (("-mslow",), True),
    (("-pno:cacheprovider", "-q"), False), (("-p", "no:randomly"), False), (("-n2",), False),
    (("-rA", "-vv"), False), (("-ra",), False), (("-W", "error"), False),
    (("--ignore=tests/slow",), True), (("--ignore", "tests/slow"), True),
    (("--ignore-glob=*_slow.py",), True),
    # naming tests to leave out keeps a run whole: they are reported as not run
    (("--deselect", "t.py::x"), False), (("--deselect=t.py::x", "-q"), False),
    # values of options tracker knows or does not: not test paths
    (("-q", "--capture", "no"), False), (("--color", "yes"), False),
    (("--timeout", "30"), False), (("--log-cli-level", "INFO"), False),
    (("--hypothesis-profile", "ci"), False), (("--some-plugin-flag", "value"), False),
    (("--some-plugin-flag", "tests/unit"), True), (("--runslow", "test_x.py"), True),
    (("--ff", "tests/test_a.py::test_x"), True),
])
def test_partial_runs_are_recognised(args, partial):
    assert is_partial(args) is partial


def test_subset_run_keeps_unchanged_files_results_from_the_full_run():
    full = run((), {"t/a.py::x": "passed", "t/b.py::y": "passed", "t/c.py::z": "failed"},
               {"t/a.py": "1", "t/b.py": "2", "t/c.py": "3"}, coverage=2)
    subset = run(("t/a.py",), {"t/a.py::x": "failed"}, {"t/a.py": "1"}, coverage=9)
    current = {"t/a.py": "1", "t/b.py": "2", "t/c.py": "changed"}
    merged = layer([subset, full], current)
    got = {o.nodeid: o.outcome for o in merged.outcomes}
    assert got == {"t/a.py::x": "failed", "t/b.py::y": "passed"}, "c.py changed: dropped"
    assert merged.coverage == full.coverage, "coverage comes from the full run"
    assert merged.file_hashes["t/b.py"] == "2"


def test_a_full_run_stands_alone():
    full = run((), {"t/a.py::x": "passed"}, {"t/a.py": "1"})
    older = run((), {"t/b.py::y": "passed"}, {"t/b.py": "2"})
    assert layer([full, older], {"t/b.py": "2"}) is full


def test_an_older_result_needs_its_conftest_unchanged_too():
    full = run((), {"t/sub/a.py::x": "passed", "t/b.py::y": "passed"},
               {"t/sub/a.py": "A", "t/sub/conftest.py": "C1", "t/b.py": "B"})
    subset = run(("t/b.py",), {"t/b.py::y": "passed"}, {"t/b.py": "B"})
    now = {"t/sub/a.py": "A", "t/sub/conftest.py": "C2", "t/b.py": "B"}
    layered = layer([subset, full], now)
    assert [o.nodeid for o in layered.outcomes] == ["t/b.py::y"], "its fixtures changed"
    assert layered.file_hashes["t/sub/conftest.py"] == "C1", "the change still shows as stale"


def test_targets_coverage_stays_stale_until_a_full_run_measures_them_again():
    full = run((), {"t/a.py::x": "passed"}, {"t/a.py": "A", "src/a.py": "S1"}, coverage=3)
    subset = run(("t/b.py",), {"t/b.py::y": "passed"}, {"t/b.py": "B", "src/a.py": "S2"})
    layered = layer([subset, full], {"t/a.py": "A", "t/b.py": "B", "src/a.py": "S2"})
    assert layered.coverage == full.coverage
    assert layered.coverage_hashes == {"src/a.py": "S1"}, "coverage measured the old code"
    assert layered.file_hashes["src/a.py"] == "S2", "the subset's tests ran on the new code"


def test_cases_an_older_run_deselected_are_not_forgotten():
    full = dataclasses.replace(
        run((), {"t/a.py::s[1]": "passed", "t/a.py::s[2]": "passed"}, {"t/a.py": "A"}),
        deselected=("t/a.py::s[3]",),
        collection_skips=(CollectionError("t/skip.py", "needs numpy"),))
    subset = run(("t/b.py",), {"t/b.py::y": "passed"}, {"t/b.py": "B"})
    layered = layer([subset, full], {"t/a.py": "A", "t/b.py": "B", "t/skip.py": "K"})
    assert layered.deselected == ("t/a.py::s[3]",)
    assert [e.nodeid for e in layered.collection_skips] == []  # t/skip.py was never hashed
    full = dataclasses.replace(full, file_hashes={**full.file_hashes, "t/skip.py": "K"})
    layered = layer([subset, full], {"t/a.py": "A", "t/b.py": "B", "t/skip.py": "K"})
    assert [e.nodeid for e in layered.collection_skips] == ["t/skip.py"]
    rerun = run(("-k", "s"), {"t/a.py::s[3]": "passed"}, {"t/a.py": "A"})
    assert layer([rerun, full], {"t/a.py": "A"}).deselected == (), "it ran since"


def test_test_paths_typed_in_a_subfolder_name_the_same_files_from_the_plans(tmp_path):
    from tracker.evidence.pytest_args import from_folder

    (tmp_path / "tests" / "sub").mkdir(parents=True)
    (tmp_path / "tests" / "sub" / "test_edges.py").write_text("")
    sub = tmp_path / "tests" / "sub"
    assert from_folder(["-q", "test_edges.py::test_x[1]", "-k", "x", "--timeout", "30"],
                       sub, tmp_path) == ["-q", "tests/sub/test_edges.py::test_x[1]", "-k",
                                          "x", "--timeout", "30"]
    assert from_folder([".", "-p", "no:cacheprovider"], sub, tmp_path) == [
        "tests/sub", "-p", "no:cacheprovider"]
    assert from_folder(["tests/sub/test_edges.py"], tmp_path, tmp_path) == [
        "tests/sub/test_edges.py"], "typed in the plan's folder: unchanged"
    assert from_folder(["missing.py"], sub, tmp_path) == ["missing.py"], "pytest says so"


@pytest.mark.parametrize(("args", "key"), [
    ((), ()),
    (("-q", "-n", "2", "-p", "no:randomly", "--tb=short"), ()),
    (("-m", "not slow"), ("-m=not slow",)),
    (("-mslow", "-q"), ("-m=slow",)),
    (("-k", "retry", "tests/unit"), ("-k=retry", "tests/unit")),
    (("--deselect", "t.py::x", "-q"), ("--deselect=t.py::x",)),
    (("--deselect=t.py::x",), ("--deselect=t.py::x",)),
    (("--capture", "no", "-x"), ("-x",)),
    (("--ignore", "tests/slow"), ("--ignore=tests/slow",)),
])
def test_a_runs_selection_is_what_it_chose_of_the_suite(args, key):
    from tracker.evidence.pytest_args import selection

    assert selection(args) == key


def test_a_subset_alone_gives_no_coverage():
    """79.6% of a `-k` subset describes the subset, not the code: not measured yet."""
    subset = run(("-k", "fast"), {"t/a.py::x": "passed"}, {"t/a.py": "1"}, coverage=2)
    assert layer([subset], {"t/a.py": "1"}).coverage == ()
    older_subset = run(("t/b.py",), {"t/b.py::y": "passed"}, {"t/b.py": "2"}, coverage=5)
    assert layer([subset, older_subset], {"t/a.py": "1", "t/b.py": "2"}).coverage == ()


def test_a_run_that_deselects_named_tests_is_whole():
    whole = run(("--deselect", "t/a.py::net"), {"t/a.py::x": "passed"}, {"t/a.py": "1"},
                coverage=3)
    older = run((), {"t/a.py::net": "passed", "t/a.py::x": "passed"}, {"t/a.py": "1"})
    merged = layer([whole, older], {"t/a.py": "1"})
    assert merged is whole, "nothing carried over: the deselected test did not run"
