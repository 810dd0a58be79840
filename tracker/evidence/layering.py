"""Evidence from several runs when the latest one ran only some of the tests.

Teams run subsets all day (one file, ``-k``, the tests of one item from the TUI). A subset run
must not erase what earlier runs proved about the other tests, nor may an old result count
for a file that changed since. Rule: each test file's results come from the newest run that
ran it; results older than the latest run count only while the file's content is unchanged
since that run. Coverage comes from the newest run that was not a subset.
"""

from __future__ import annotations

import dataclasses

from tracker.evidence.results import RunRecord, TestOutcome

#: pytest options that select a subset of the suite.
_SELECTING = ("-k", "--lf", "--last-failed", "--deselect", "--sw", "--stepwise", "-x",
              "--exitfirst", "--maxfail")
#: options whose value is the next argument (so it is not a test path).
_WITH_VALUE = {"-k", "-m", "-p", "-n", "-c", "-o", "-W", "--deselect", "--maxfail",
               "--rootdir", "--basetemp", "--confcutdir", "--junitxml", "--tb", "-r",
               "--durations", "--dist", "--numprocesses", "--cov", "--cov-report",
               "--log-level", "--import-mode"}

MAX_LAYERS = 10


def is_partial(args: tuple[str, ...] | list[str]) -> bool:
    """Whether pytest arguments select part of the suite (paths, node ids, -k, --lf, -x)."""
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
    if len(runs) == 1 or not is_partial(newest.args):
        return newest
    by_file: dict[str, list[TestOutcome]] = {}
    for o in newest.outcomes:
        by_file.setdefault(o.file, []).append(o)
    hashes = dict(newest.file_hashes)
    coverage = newest.coverage
    for older in runs[1:MAX_LAYERS]:
        found: dict[str, list[TestOutcome]] = {}
        for o in older.outcomes:
            if o.file not in by_file:
                found.setdefault(o.file, []).append(o)
        for path, results in found.items():
            recorded = older.file_hashes.get(path)
            if recorded is not None and current.get(path) == recorded:
                by_file[path] = results  # unchanged since that run: its results still count
                hashes[path] = recorded
        if not is_partial(older.args):
            coverage = older.coverage
            break
    outcomes = tuple(o for results in by_file.values() for o in results)
    return dataclasses.replace(newest, outcomes=outcomes, file_hashes=hashes, coverage=coverage)
