"""Runs that are parts of one suite, combined into one: CI shards noted by separate jobs.

A big suite runs split over several CI jobs (pytest-split, one job per test folder); each
job notes its own run on the same commit. Judged alone, each part would say the others'
tests did not run. Combined, they are the suite's run: outcomes unioned, coverage combined
exactly as coverage.py would have measured one process running them all (a line is missing
only if every part missed it; a branch arc likewise), never by adding percentages.

Pure functions over RunRecords: no I/O. The gathering code decides which runs to combine,
with :func:`suite_parts` as the rule for "parts of one suite".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tracker.evidence.pytest_args import is_partial, units
from tracker.evidence.results import CollectionError, FileCoverage, RunRecord, TestOutcome

#: pytest's exit statuses: tests failed, interrupted, no tests collected.
_FAILED, _INTERRUPTED, _NO_TESTS = 1, 2, 5


class NotOneSuite(ValueError):
    """The runs cannot be parts of one suite: different commits, trees or code measured."""


def combine_file(parts: Sequence[FileCoverage]) -> FileCoverage:
    """One file's coverage measured by several parts, combined.

    Missing lines intersect. Missing branch arcs intersect when every part lists its arcs
    (see FileCoverage.arcs_known); when one only counted them, the combined count is the
    smallest (what the best part proved: the true figure can only be lower).
    """
    first = parts[0]
    if any(p.statements != first.statements or p.branches != first.branches for p in parts):
        raise NotOneSuite(f"{first.path} was measured with different statements or branches "
                          "in the runs: not the same code")
    missing = set(first.missing)
    for p in parts[1:]:
        missing &= set(p.missing)
    if all(p.arcs_known for p in parts):
        arcs = set(first.missing_arcs)
        for p in parts[1:]:
            arcs &= set(p.missing_arcs)
        return FileCoverage(first.path, first.statements, tuple(sorted(missing)),
                            first.branches, len(arcs), tuple(sorted(arcs)))
    fewest = min(p.missing_branches for p in parts)
    return FileCoverage(first.path, first.statements, tuple(sorted(missing)), first.branches,
                        fewest)


def combine_coverage(parts: Iterable[Sequence[FileCoverage]]) -> tuple[FileCoverage, ...]:
    """The per-file coverage of several parts, combined file by file (a file only some parts
    measured is taken from those), in the order files first appear."""
    by_path: dict[str, list[FileCoverage]] = {}
    for files in parts:
        for f in files:
            by_path.setdefault(f.path, []).append(f)
    return tuple(combine_file(found) for found in by_path.values())


def compatible(a: RunRecord, b: RunRecord) -> bool:
    """Whether two runs tested the same code: the same commit, clean trees, and no file
    hashed differently by the two."""
    if a.commit is None or a.commit != b.commit or a.dirty or b.dirty:
        return False
    return all(b.file_hashes.get(path, sha) == sha for path, sha in a.file_hashes.items())


def suite_parts(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """From runs of one commit, newest first, the newest and the older runs that are other
    parts of its suite: compatible with it and running none of the tests already chosen
    (a run repeating tests is a rerun, laid over by tracker.evidence.layering instead).

    Returns just the newest run when nothing combines with it; empty for no runs.

    Reruns are not shards: a run of the same code that ran every test chosen so far and more
    (the whole suite, before someone reran two of its files) shows that the newer runs are
    not the whole suite together, so none is combined: each is laid over that run instead.
    Combined, two files rerun on a commit had passed for its whole suite, older shards of it
    picked up beside them, while the whole run that held every other test was skipped.
    """
    if not runs:
        return []
    chosen = [runs[0]]
    seen = {o.nodeid for o in runs[0].outcomes}
    for run in runs[1:]:
        ids = {o.nodeid for o in run.outcomes}
        if not ids or not all(compatible(run, c) for c in chosen):
            continue
        if not ids & seen:
            chosen.append(run)
            seen |= ids
        elif ids > seen:  # ran all of them and more: the newer runs are reruns of its parts
            return chosen[:1]
    return chosen


def combine_runs(parts: Sequence[RunRecord]) -> RunRecord:
    """Several runs of one suite as one run; NotOneSuite unless they are compatible.

    Outcomes are unioned (a test several parts ran counts as in the newest of them, by
    finish time); coverage is combined file by file (:func:`combine_file`); a case one part
    deselected and another ran is not deselected; collection errors and skips are unioned.
    Which lines each test file ran are unioned too (:func:`combine_test_file_lines`).
    The run spans the parts' times; its arguments are those every part was given (the
    selection that split the suite drops out: ``-m "not slow"`` given to every part stays, and
    the combined run is still a subset); its exit status is the worst meaningful one.
    """
    if not parts:
        raise NotOneSuite("no runs to combine")
    if len(parts) == 1:
        return parts[0]
    for run in parts[1:]:
        if not compatible(parts[0], run):
            raise NotOneSuite(f"runs of {parts[0].commit} and {run.commit} (or of a dirty tree, "
                              "or of files that differ) are not parts of one suite")
    newest_first = sorted(parts, key=lambda r: r.finished, reverse=True)
    outcomes: dict[str, TestOutcome] = {}
    for run in newest_first:
        for o in run.outcomes:
            outcomes.setdefault(o.nodeid, o)
    ordered = {o.nodeid: outcomes[o.nodeid] for run in parts for o in run.outcomes}
    deselected = {nodeid: None for run in parts for nodeid in run.deselected
                  if nodeid not in ordered}
    markers = {nodeid: marks for run in parts for nodeid, marks in run.deselected_markers.items()
               if nodeid in deselected}
    hashes: dict[str, str] = {}
    for run in parts:
        hashes.update(run.file_hashes)
    sources = dict.fromkeys(run.source for run in parts)
    args = _common_args(parts)
    if (not is_partial(args) and _left_out_by_all(args, deselected)
            and any(is_partial(r.args) for r in parts)):
        args = parts[0].args  # -k api and -k jwk: tests neither chose, still a subset
    return RunRecord(
        started=min(r.started for r in parts), finished=max(r.finished for r in parts),
        commit=parts[0].commit, dirty=False, args=args,
        exit_code=_exit_code(r.exit_code for r in parts), source="+".join(sources),
        outcomes=tuple(ordered.values()),
        coverage=combine_coverage(r.coverage for r in parts),
        collection_errors=_union(e for r in parts for e in r.collection_errors),
        file_hashes=dict(sorted(hashes.items())), deselected=tuple(deselected),
        deselected_markers=markers,
        collection_skips=_union(e for r in parts for e in r.collection_skips),
        test_file_lines=combine_test_file_lines(parts))


def combine_test_file_lines(parts: Sequence[RunRecord],
                            ) -> dict[str, dict[str, tuple[int, ...]]]:
    """Which lines each test file ran, over all parts (a line any part's run of the file
    ran); empty unless every part recorded them, since a part without would leave its test
    files' own coverage out and make the items' figures look lower than they are."""
    if not all(run.test_file_lines for run in parts):
        return {}
    found: dict[str, dict[str, set[int]]] = {}
    for run in parts:
        for test, files in run.test_file_lines.items():
            mine = found.setdefault(test, {})
            for path, lines in files.items():
                mine.setdefault(path, set()).update(lines)
    return {test: {path: tuple(sorted(lines)) for path, lines in sorted(files.items())}
            for test, files in sorted(found.items())}


def _left_out_by_all(common: tuple[str, ...], deselected: Iterable[str]) -> bool:
    """Whether the parts together deselected a test that the arguments they share do not
    name (``--deselect`` given to every part leaves the whole suite whole): the selections
    that split the suite did not add up to all of it."""
    named = tuple(unit[1] if len(unit) == 2 else unit[0].partition("=")[2]
                  for unit in units(common) if unit[0].partition("=")[0] == "--deselect")
    return any(not nodeid.startswith(named) for nodeid in deselected)


def _common_args(parts: Sequence[RunRecord]) -> tuple[str, ...]:
    """The arguments of the first part that every other part was given as many times, an
    option with its value as one (shards split by ``-k jwk`` and ``-k "not jwk"`` share no
    ``-k``: kept alone, it made the combined run a subset of the suite, judged as one)."""
    left = [units(run.args) for run in parts[1:]]
    common: list[str] = []
    for unit in units(parts[0].args):
        if all(unit in other for other in left):
            for other in left:
                other.remove(unit)
            common.extend(unit)
    return tuple(common)


def _exit_code(codes: Iterable[int]) -> int:
    """Interrupted beats failed beats passed; "no tests collected" counts only when every
    part said it (a shard may well be empty); any other error status is kept."""
    found = set(codes)
    meaningful = found - {_NO_TESTS} or found
    if _INTERRUPTED in meaningful:
        return _INTERRUPTED
    others = meaningful - {0, _FAILED}
    if others:
        return max(others)
    return _FAILED if _FAILED in meaningful else min(meaningful)


def _union(errors: Iterable[CollectionError]) -> tuple[CollectionError, ...]:
    """One error per node id, the first part's, in order."""
    seen: dict[str, CollectionError] = {}
    for e in errors:
        seen.setdefault(e.nodeid, e)
    return tuple(seen.values())
