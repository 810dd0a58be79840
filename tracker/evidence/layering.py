"""Evidence from several runs when the latest one ran only some of the tests.

Teams run subsets all day (one file, ``-k``, ``-m``, the tests of one item from the TUI, a run
stopped by ``-x`` or Ctrl-C). A subset run must not erase what earlier runs proved about the
other tests, nor may an old result count for a file that changed since. Rule: each test's
result comes from the newest run that ran it; results older than the latest run count only
while their file and the conftest.py files above it are unchanged since that run. So
``-k "test_x and 1"`` after a full run that failed ``test_x[3]`` leaves ``test_x[3]``
failing. Coverage comes from the newest whole run, with the hashes of the files it measured
(``coverage_hashes``): a target changed since then has no coverage until the next whole run,
while the outcomes a subset re-ran stand on their own hashes. With no whole run, coverage is
not measured.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol

from tracker.evidence.hashes import conftest_candidates
from tracker.evidence.pytest_args import is_partial

if TYPE_CHECKING:  # the runs' module: imported where there are runs to lay
    from tracker.evidence.results import FileCoverage, RunRecord

#: pytest's exit status for a session interrupted (Ctrl-C) part-way.
INTERRUPTED = 2

MAX_LAYERS = 10


class _Ran(Protocol):
    """A run or its summary: both say how they ended, what they were asked, and by whom."""

    @property
    def exit_code(self) -> int: ...
    @property
    def args(self) -> tuple[str, ...]: ...
    @property
    def source(self) -> str: ...


def is_partial_run(run: _Ran) -> bool:
    """Whether a run (or its summary) ran part of the suite: by its pytest arguments, or cut
    short (Ctrl-C, a collection error stopping the session). The arguments of an ingested run
    are the reports it was read from, not pytest's: what it ran is unknown, so it is whole."""
    if run.exit_code == INTERRUPTED:
        return True
    return run.source == "pytest" and is_partial(run.args)


def layer(runs: list[RunRecord], current: dict[str, str]) -> RunRecord:
    """One run's worth of evidence from ``runs`` (newest first, the newest always counts).

    An older result counts only while its test file and the conftest.py files above it are
    unchanged since its run; what an older run knew that the newest did not (the cases it
    deselected, modules skipped while collecting, the hashes of conftest.py files and of the
    files its coverage measured) is carried with it, so that nothing it proved or failed to
    prove is forgotten by a subset run of other files.
    """
    newest = runs[0]
    if not is_partial_run(newest):
        return newest
    outcomes = {o.nodeid: o for o in newest.outcomes}
    hashes = dict(newest.file_hashes)
    #: a subset's coverage describes the subset, not the code: only a whole run's counts
    coverage: tuple[FileCoverage, ...] = ()
    coverage_hashes: dict[str, str] | None = None
    test_file_lines: dict[str, dict[str, tuple[int, ...]]] = {}  #: the same run's, with it
    errors = {e.nodeid: e for e in newest.collection_errors}
    skips = {e.nodeid: e for e in newest.collection_skips}
    deselected = dict.fromkeys(newest.deselected)
    marks = dict(newest.deselected_markers)
    for older in runs[1:MAX_LAYERS]:
        recorded = older.file_hashes
        usable: dict[str, bool] = {}

        def unchanged(path: str, recorded: dict[str, str] = recorded) -> bool:
            was = recorded.get(path)
            return was is not None and current.get(path) == was

        def still_holds(path: str, recorded: dict[str, str] = recorded,
                        usable: dict[str, bool] = usable) -> bool:
            """The test file and the conftest.py files its run loaded are as they were."""
            known = usable.get(path)
            if known is None:
                known = usable[path] = unchanged(path) and all(
                    unchanged(c) for c in conftest_candidates(path) if c in recorded)
            return known

        for o in older.outcomes:
            if o.nodeid not in outcomes and still_holds(o.file):
                outcomes[o.nodeid] = o  # not run since, files unchanged: the result counts
        for nodeid in older.deselected:
            if nodeid not in outcomes and nodeid not in deselected \
                    and still_holds(nodeid.split("::", 1)[0]):
                deselected[nodeid] = None
                if nodeid in older.deselected_markers:
                    marks[nodeid] = older.deselected_markers[nodeid]
        for kept, found in ((errors, older.collection_errors), (skips, older.collection_skips)):
            for e in found:
                path = e.nodeid.split("::", 1)[0]
                if e.nodeid not in kept and path not in newest.file_hashes and unchanged(path):
                    kept[e.nodeid] = e
        for path, sha in recorded.items():  # what only older runs hashed: conftest.py files,
            hashes.setdefault(path, sha)     # targets, test files the subset did not run
        if not is_partial_run(older):
            coverage, test_file_lines = older.coverage, older.test_file_lines
            # measured by that run: changed since means its coverage is stale, not the
            # outcomes of the tests run since
            coverage_hashes = {f.path: recorded[f.path] for f in coverage
                               if f.path in recorded}
            break
    return dataclasses.replace(newest, outcomes=tuple(outcomes.values()), file_hashes=hashes,
                               coverage=coverage, coverage_hashes=coverage_hashes,
                               test_file_lines=test_file_lines,
                               collection_errors=tuple(errors.values()),
                               collection_skips=tuple(skips.values()),
                               deselected=tuple(deselected), deselected_markers=marks)
