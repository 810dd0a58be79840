"""The history view: trends over recorded runs and a table of runs and commits.

Shaped here, shown by :class:`tracker.tui.screens.history.HistoryScreen`. Reading git (when
each linked test file first appeared) is the caller's work, in a worker thread; this module
only combines what was read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from tracker.assess import Assessment
from tracker.evidence.bundle import RunPoint


@dataclass(frozen=True)
class HistoryRow:
    """One row of the history table: a recorded run, or a commit in which an item's tests
    first appeared and no run was recorded."""

    key: str  #: a stable row key: ``run-ID`` or ``commit-SHA``
    day: dt.date
    commit: str | None
    tests: int | None  #: test count of the run; None for a commit without a run
    coverage: float | None  #: coverage total of the run, when measured
    #: items whose tests first appeared in this commit (on its first row only)
    first_seen: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryView:
    """What the history screen shows."""

    coverage: tuple[float, ...]  #: coverage totals over runs, oldest first
    test_counts: tuple[float, ...]  #: test counts over runs, oldest first
    rows: tuple[HistoryRow, ...]  #: by day, runs in the order they were made
    #: item id → (commit, day) where its tests first appeared
    first_seen: Mapping[str, tuple[str, dt.date]]


def linked_test_files(a: Assessment) -> dict[str, list[str]]:
    """Each test file linked by the plan, with the items linking it (what to ask git)."""
    files: dict[str, list[str]] = {}
    for ia in a.items:
        for nodeid in ia.test_ids:
            items = files.setdefault(nodeid.split("::", 1)[0], [])
            if ia.item.id not in items:
                items.append(ia.item.id)
    return files


def first_seen_by_item(files: Mapping[str, list[str]],
                       added: Mapping[str, tuple[str, dt.date]]
                       ) -> dict[str, tuple[str, dt.date]]:
    """For each item, the earliest commit that added one of its test files."""
    first: dict[str, tuple[str, dt.date]] = {}
    for path, (sha, day) in added.items():
        for item_id in files.get(path, []):
            if item_id not in first or day < first[item_id][1]:
                first[item_id] = (sha, day)
    return first


def history_view(runs: tuple[RunPoint, ...],
                 first_seen: Mapping[str, tuple[str, dt.date]]) -> HistoryView:
    """Runs and first appearances as one table: a commit with runs lists its items on its
    first run's row; a commit without runs gets a row of its own."""
    by_commit: dict[str, list[str]] = {}
    days: dict[str, dt.date] = {}
    for item_id, (sha, day) in sorted(first_seen.items()):
        by_commit.setdefault(sha, []).append(item_id)
        days[sha] = day
    ordered: list[tuple[dt.date, int, HistoryRow]] = []
    run_commits = set()
    for n, p in enumerate(runs):
        ordered.append((p.started.date(), n, HistoryRow(
            f"run-{p.run_id}", p.started.date(), p.commit, p.test_count, p.coverage_total)))
        if p.commit:
            run_commits.add(p.commit)
    for sha, day in days.items():
        if sha not in run_commits:
            ordered.append((day, -1, HistoryRow(f"commit-{sha}", day, sha, None, None)))
    rows: list[HistoryRow] = []
    listed: set[str] = set()  #: commits whose first appearances are listed already
    for _, _, row in sorted(ordered, key=lambda t: (t[0], t[1])):
        items = by_commit.get(row.commit or "", []) if row.commit not in listed else []
        if items and row.commit:
            listed.add(row.commit)
        rows.append(HistoryRow(row.key, row.day, row.commit, row.tests, row.coverage,
                               tuple(items)))
    coverage = tuple(p.coverage_total for p in runs if p.coverage_total is not None)
    return HistoryView(coverage, tuple(float(p.test_count) for p in runs), tuple(rows),
                       dict(first_seen))
