"""The run history along the first-parent line: coverage, test count and pass rate per commit.

What ``tracker history`` shows, as values. Each commit of the line that has runs gets one row
(its newest whole-suite run, else its newest run), with the change since the previous row it
can be compared with. Runs that do not belong to a commit of the line are never filed under
one: a run on a dirty tree ran code no commit holds, and a run of another branch's commit is
not on this line; both are listed apart. Pure: the caller reads the store and git.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from tracker.evidence.commits import Commit, GitLog
from tracker.evidence.layering import INTERRUPTED, is_partial_run
from tracker.evidence.pytest_args import selection


class Summary(Protocol):
    """A run reduced to its totals (tracker.store.RunSummary is one)."""

    @property
    def id(self) -> int: ...
    @property
    def started(self) -> dt.datetime: ...
    @property
    def commit(self) -> str | None: ...
    @property
    def dirty(self) -> bool: ...
    @property
    def exit_code(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def counts(self) -> dict[str, int]: ...
    @property
    def coverage_total(self) -> float | None: ...
    @property
    def test_count(self) -> int: ...
    @property
    def args(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class CommitRow:
    """One commit of the first-parent line and the run that stands for it."""

    commit: Commit
    run_id: int
    runs: tuple[int, ...]  #: every clean run of the commit, newest first
    source: str  #: how the run was made: pytest (tracker run), backfill, junit
    partial: bool  #: the run selected part of the suite (-k, paths) or was cut short
    args: tuple[str, ...]
    exit_code: int  #: pytest's; 2 when the session was cut short
    coverage: float | None
    tests: int
    passed: int
    failed: int  #: failed and errors
    pass_rate: float | None  #: passed of the tests that ran (skips and xfails left out)
    coverage_change: float | None = None  #: since the previous comparable row
    tests_change: int | None = None
    arrived: tuple[str, ...] = ()  #: items whose first linked test came with this commit


@dataclass(frozen=True, slots=True)
class LooseRun:
    """A run that stands for no commit of the line, and why."""

    run_id: int
    commit: str | None
    started: dt.datetime
    why: str  #: "dirty": tracked files differed from the commit; "off the line"; "no commit"
    coverage: float | None
    tests: int


@dataclass(frozen=True)
class Timeline:
    """The rows newest first, and what could not be filed under a commit of the line."""

    rows: tuple[CommitRow, ...] = ()
    loose: tuple[LooseRun, ...] = ()
    unjudged: tuple[tuple[Commit, str], ...] = ()  #: commits backfill could not judge, why
    problem: str | None = None  #: what git could not tell


def timeline(log: GitLog, runs: Iterable[Summary], *,
             unjudged: Mapping[str, str] | None = None,
             arrivals: Mapping[str, str] | None = None,
             backfilled: Container[int] = ()) -> Timeline:
    """The history of ``runs`` along ``log``'s first-parent line.

    ``unjudged``: commit → why backfill could not judge it; ``arrivals``: item id → the
    commit its first linked test appeared in (see :func:`tracker.evidence.deltas.arrival`);
    ``backfilled``: ids of the runs ``tracker backfill`` made (shown as their source).
    """
    by_commit: dict[str, list[Summary]] = {}
    loose: list[LooseRun] = []
    for run in sorted(runs, key=lambda r: r.id, reverse=True):
        why = ("no commit" if not run.commit else "dirty" if run.dirty
               else None if run.commit in log.on_line else "off the line")
        if why is None and run.commit is not None:
            by_commit.setdefault(run.commit, []).append(run)
        else:
            loose.append(LooseRun(run.id, run.commit, run.started, why or "", run.coverage_total,
                                  run.test_count))
    items_by_commit: dict[str, list[str]] = {}
    for item_id, sha in (arrivals or {}).items():
        line_commit = log.arrivals.get(sha)
        if line_commit is not None:
            items_by_commit.setdefault(line_commit, []).append(item_id)
    rows = [_row(log.commits[sha], by_commit[sha], sorted(items_by_commit.get(sha, ())),
                 backfilled) for sha in log.first_parent if sha in by_commit]
    rows = _with_changes(rows)
    failed = tuple((log.commits[sha], why) for sha, why in (unjudged or {}).items()
                   if sha in log.commits)
    failed = tuple(sorted(failed, key=lambda pair: log.position[pair[0].sha]))
    return Timeline(tuple(rows), tuple(loose), failed, log.problem)


def _row(commit: Commit, runs: Sequence[Summary], arrived: list[str],
         backfilled: Container[int]) -> CommitRow:
    whole = [r for r in runs if not is_partial_run(r)]
    run = (whole or list(runs))[0]  # newest first
    counts = run.counts
    ran = run.test_count - counts.get("skipped", 0) - counts.get("xfailed", 0)
    passed = counts.get("passed", 0)
    source = "backfill" if run.id in backfilled else run.source
    return CommitRow(commit, run.id, tuple(r.id for r in runs), source, not whole,
                     run.args, run.exit_code, run.coverage_total, run.test_count, passed,
                     counts.get("failed", 0) + counts.get("error", 0),
                     100.0 * passed / ran if ran else None, arrived=tuple(arrived))


def _with_changes(rows: list[CommitRow]) -> list[CommitRow]:
    """Each row with its change since the next older row it can be compared with: both ran
    the same selection of the suite (the whole of it, or the same ``-k``, paths...) to the
    end."""
    out = []
    for i, row in enumerate(rows):
        older = next((r for r in rows[i + 1:] if _comparable(row, r)), None)
        if older is None:
            out.append(row)
            continue
        change = (None if row.coverage is None or older.coverage is None
                  else row.coverage - older.coverage)
        out.append(dataclasses.replace(row, coverage_change=change,
                                       tests_change=row.tests - older.tests))
    return out


def _comparable(a: CommitRow, b: CommitRow) -> bool:
    """Like with like, as metric trends decide (tracker.evidence.gather.comparable): the same
    selection of the suite (``--deselect`` of a few tests keeps it whole), both run to the end."""
    return (INTERRUPTED not in (a.exit_code, b.exit_code)
            and selection(a.args) == selection(b.args))
