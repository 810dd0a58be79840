"""The TUI's history view, shaped outside Textual: rows, order, first appearances once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from tracker.evidence.bundle import RunPoint
from tracker.views.history import first_seen_by_item, history_view

DAY = dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC)


def _run(n: int, commit: str | None, hours: int, coverage: float | None = 80.0) -> RunPoint:
    return RunPoint(n, DAY + dt.timedelta(hours=hours), commit, {"passed": n}, coverage, n, 1.0)


def test_runs_and_commits_in_one_table_first_appearances_listed_once():
    a, b, c = "a" * 40, "b" * 40, "c" * 40
    runs = (_run(1, a, 0), _run(2, a, 1, None), _run(3, b, 30))
    first = {"x": (a, DAY), "y": (a, DAY), "z": (c, dt.datetime(2026, 3, 10, tzinfo=dt.UTC))}
    view = history_view(runs, first)
    assert [(r.key, r.day.isoformat(), r.tests, r.coverage, r.first_seen) for r in view.rows] == [
        (f"commit-{c}", "2026-03-10", None, None, ("z",)),  # no run of c: a row of its own
        ("run-1", "2026-03-18", 1, 80.0, ("x", "y")),
        ("run-2", "2026-03-18", 2, None, ()),  # the same commit again: listed once
        ("run-3", "2026-03-19", 3, 80.0, ()),
    ]
    assert view.coverage == (80.0, 80.0) and view.test_counts == (1.0, 2.0, 3.0)
    assert history_view((), {}).rows == ()


def test_rows_of_one_day_are_in_time_order_not_by_item_id():
    """Two commits and a run on one day: the commit of item "a" came last, the run between."""
    early, late = "e" * 40, "f" * 40
    cet = dt.timezone(dt.timedelta(hours=1))
    first = {"a": (late, dt.datetime(2026, 3, 18, 17, 0, tzinfo=cet)),  # 16:00 UTC
             "b": (early, dt.datetime(2026, 3, 18, 8, 15, tzinfo=dt.UTC))}
    view = history_view((_run(1, None, 3),), first)  # 12:00 UTC
    assert [(r.key, r.first_seen) for r in view.rows] == [
        (f"commit-{early}", ("b",)), ("run-1", ()), (f"commit-{late}", ("a",))]


def test_first_seen_takes_each_items_earliest_file():
    files = {"tests/test_a.py": ["x"], "tests/test_b.py": ["x", "y"]}
    added = {"tests/test_a.py": ("a" * 40, dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)),
             "tests/test_b.py": ("b" * 40, dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)),
             "tests/test_other.py": ("c" * 40, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))}
    first = ("b" * 40, dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))  # the same day, earlier
    assert first_seen_by_item(files, added) == {"x": first, "y": first}


def test_views_and_the_renderer_import_neither_textual_nor_git():
    code = ("import sys, tracker.views.history, tracker.render.markdown, tracker.render.ics, "
            "tracker.render.status_text, tracker.render.remind_text; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'textual', 'rich', 'git', 'subprocess'} or m.startswith('tracker.history')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
