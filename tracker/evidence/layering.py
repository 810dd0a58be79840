"""Evidence from several runs when the latest one ran only some of the tests.

Teams run subsets all day (one file, ``-k``, ``-m``, the tests of one item from the TUI, a run
stopped by ``-x`` or Ctrl-C). A subset run must not erase what earlier runs proved about the
other tests, nor may an old result count for a file that changed since. Rule: each test's
result comes from the newest run that ran it; results older than the latest run count only
while their file's content is unchanged since that run. So ``-k "test_x and 1"`` after a
full run that failed ``test_x[3]`` leaves ``test_x[3]`` failing. Coverage comes from the
newest run that was not a subset.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from tracker.evidence.results import RunRecord

#: pytest options that select a subset of the suite.
_SELECTING = ("-k", "-m", "--lf", "--last-failed", "--deselect", "--sw", "--stepwise", "-x",
              "--exitfirst", "--maxfail")
#: pytest's exit status for a session interrupted (Ctrl-C) part-way.
_INTERRUPTED = 2
#: options whose value is the next argument (so it is not a test path).
_WITH_VALUE = {"-k", "-m", "-p", "-n", "-c", "-o", "-W", "--deselect", "--maxfail",
               "--rootdir", "--basetemp", "--confcutdir", "--junitxml", "--tb", "-r",
               "--durations", "--dist", "--numprocesses", "--cov", "--cov-report",
               "--log-level", "--import-mode"}

MAX_LAYERS = 10


class _Ran(Protocol):
    exit_code: int
    args: tuple[str, ...]


def is_partial_run(run: _Ran) -> bool:
    """Whether a run (or its summary) ran part of the suite: by its arguments, or cut short
    (Ctrl-C, a collection error stopping the session)."""
    return run.exit_code == _INTERRUPTED or is_partial(run.args)


def is_partial(args: tuple[str, ...] | list[str]) -> bool:
    """Whether pytest arguments select part of the suite (paths, node ids, -k, -m, --lf, -x)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.split("=", 1)[0] in _SELECTING:
            return True
        if arg in _WITH_VALUE:
            skip = True
            continue
        if not arg.startswith("-"):
            return True  # a file, folder or node id
    return False


def layer(runs: list[RunRecord], current: dict[str, str]) -> RunRecord:
    """One run's worth of evidence from ``runs`` (newest first, the newest always counts)."""
    newest = runs[0]
    if len(runs) == 1 or not is_partial_run(newest):
        return newest
    outcomes = {o.nodeid: o for o in newest.outcomes}
    hashes = dict(newest.file_hashes)
    coverage = newest.coverage
    errors = {e.nodeid: e for e in newest.collection_errors}
    for older in runs[1:MAX_LAYERS]:
        recorded = older.file_hashes

        def unchanged(path: str, recorded: dict[str, str] = recorded) -> bool:
            was = recorded.get(path)
            return was is not None and current.get(path) == was

        for o in older.outcomes:
            if o.nodeid not in outcomes and unchanged(o.file):
                outcomes[o.nodeid] = o  # not run since, file unchanged: the result still counts
                hashes.setdefault(o.file, recorded[o.file])
        for e in older.collection_errors:
            path = e.nodeid.split("::", 1)[0]
            if e.nodeid not in errors and path not in newest.file_hashes and unchanged(path):
                errors[e.nodeid] = e
        if not is_partial_run(older):
            coverage = older.coverage
            break
    return dataclasses.replace(newest, outcomes=tuple(outcomes.values()), file_hashes=hashes,
                               coverage=coverage, collection_errors=tuple(errors.values()))
