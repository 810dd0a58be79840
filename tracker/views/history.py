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
    #: when the run started, or the commit was made: rows of one day are in this order
    when: dt.datetime
    commit: str | None
    tests: int | None  #: test count of the run; None for a commit without a run
    coverage: float | None  #: coverage total of the run, when measured
    #: items whose tests first appeared in this commit (on its first row only)
    first_seen: tuple[str, ...] = ()

    @property
    def day(self) -> dt.date:
        return self.when.date()


@dataclass(frozen=True)
class TrendPoint:
    """One recorded run on the history screen's plots."""

    when: dt.datetime  #: when the run started
    tests: int  #: how many tests it ran
    coverage: float | None  #: its coverage total, when it measured one


@dataclass(frozen=True)
class HistoryView:
    """What the history screen shows."""

    points: tuple[TrendPoint, ...]  #: the recorded runs, oldest first
    rows: tuple[HistoryRow, ...]  #: in time order: runs and commits as they were made
    #: item id → (commit, time) where its tests first appeared
    first_seen: Mapping[str, tuple[str, dt.datetime]]

    @property
    def coverage(self) -> tuple[float, ...]:
        """Coverage totals over the runs that measured one, oldest first."""
        return tuple(p.coverage for p in self.points if p.coverage is not None)

    @property
    def test_counts(self) -> tuple[float, ...]:
        """Test counts over runs, oldest first."""
        return tuple(float(p.tests) for p in self.points)


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
                       added: Mapping[str, tuple[str, dt.datetime]]
                       ) -> dict[str, tuple[str, dt.datetime]]:
    """For each item, the earliest commit that added one of its test files."""
    first: dict[str, tuple[str, dt.datetime]] = {}
    for path, (sha, when) in added.items():
        for item_id in files.get(path, []):
            if item_id not in first or when < first[item_id][1]:
                first[item_id] = (sha, when)
    return first


def history_view(runs: tuple[RunPoint, ...],
                 first_seen: Mapping[str, tuple[str, dt.datetime]]) -> HistoryView:
    """Runs and first appearances as one table in time order (not by item id): a commit with
    runs lists its items on its first run's row; a commit without runs gets a row of its
    own, where its time puts it."""
    by_commit: dict[str, list[str]] = {}
    times: dict[str, dt.datetime] = {}
    for item_id, (sha, when) in sorted(first_seen.items()):
        by_commit.setdefault(sha, []).append(item_id)
        times[sha] = when
    ordered: list[tuple[dt.datetime, int, HistoryRow]] = []
    run_commits = set()
    for n, p in enumerate(runs):
        ordered.append((p.started, n, HistoryRow(
            f"run-{p.run_id}", p.started, p.commit, p.test_count, p.coverage_total)))
        if p.commit:
            run_commits.add(p.commit)
    for sha, when in times.items():
        if sha not in run_commits:
            ordered.append((when, -1, HistoryRow(f"commit-{sha}", when, sha, None, None)))
    rows: list[HistoryRow] = []
    listed: set[str] = set()  #: commits whose first appearances are listed already
    for _, _, row in sorted(ordered, key=lambda t: (_utc(t[0]), t[1])):
        items = by_commit.get(row.commit or "", []) if row.commit not in listed else []
        if items and row.commit:
            listed.add(row.commit)
        rows.append(HistoryRow(row.key, row.when, row.commit, row.tests, row.coverage,
                               tuple(items)))
    points = tuple(TrendPoint(p.started, p.test_count, p.coverage_total) for p in runs)
    return HistoryView(points, tuple(rows), dict(first_seen))


def _utc(when: dt.datetime) -> dt.datetime:
    """A time comparable with any other: one without a zone is taken as UTC."""
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
