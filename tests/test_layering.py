"""Subset runs lay their results over earlier runs, for files that did not change since."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.evidence.layering import is_partial, layer
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome

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
