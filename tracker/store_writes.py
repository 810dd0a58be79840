"""Writing a run into the store and pruning old runs' rows: the SQL that changes the file.

Both run inside a transaction :class:`tracker.store.Store` opens (``add_run`` prunes in the
same one), so a run is stored whole or not at all; they are functions of the connection so
that :mod:`tracker.store` keeps to opening, transactions and reading.
"""

from __future__ import annotations

import json
import sqlite3

from tracker import store_sets
from tracker.evidence.results import RunRecord
from tracker.store_rows import (
    _coverage_rows,
    _encode_test_file_lines,
    _format_time,
    _not_run_rows,
    _outcome_rows,
    _text,
)
from tracker.store_schema import _V2_TOTALS

# The totals of one new run. When a later migration changes the totals, give it its own copy.
_TOTALS_OF_RUN = _V2_TOTALS.replace("RUNS", "id = :id")

#: Runs kept whole, newest first: every test's outcome, the files' hashes, what did not run.
#: The evidence reads only the latest run and the subset runs laid over it (at most
#: layering.MAX_LAYERS), so this leaves room to look back; a 6,000-test run is about 1 MB.
KEEP_WHOLE = 30

#: Runs whose per-file coverage is kept: as far back as trends and coverage deltas look
#: (gather's ``history``). Older runs keep only their summary row: counts and totals.
KEEP_COVERAGE = 200

#: The tables holding a run's rows, by what pruning drops first.
_TEST_TABLES = ("outcomes", "not_run", "collection_errors", "run_files")


def insert_run(db: sqlite3.Connection, run: RunRecord, note_key: str | None) -> int:
    """Write the rows of ``run`` (inside the caller's transaction) and its totals; its new id."""
    run_id = db.execute(
        "INSERT INTO runs (started, finished, git_commit, dirty, args, exit_code, source,"
        " note_key, deselected_set, test_file_lines) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (_format_time(run.started), _format_time(run.finished), _text(run.commit),
         int(run.dirty), json.dumps(list(run.args)), run.exit_code, _text(run.source),
         note_key, store_sets.store_set(db, run.deselected, run.deselected_markers),
         _encode_test_file_lines(run.test_file_lines)),
    ).lastrowid
    assert run_id is not None
    db.executemany("INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   _outcome_rows(run_id, run.outcomes))
    db.executemany("INSERT INTO coverage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   _coverage_rows(run_id, run.coverage))
    db.executemany("INSERT INTO collection_errors VALUES (?, ?, ?, ?)",
                   ((run_id, seq, _text(e.nodeid), _text(e.message))
                    for seq, e in enumerate(run.collection_errors)))
    db.executemany("INSERT INTO not_run VALUES (?, ?, ?, ?, ?)",
                   _not_run_rows(run_id, run))
    db.executemany("INSERT INTO run_files VALUES (?, ?, ?)",
                   ((run_id, _text(path), _text(sha1))
                    for path, sha1 in run.file_hashes.items()))
    db.execute(_TOTALS_OF_RUN, {"id": run_id})
    return run_id


def prune_runs(db: sqlite3.Connection, keep_whole: int, keep_coverage: int) -> int:
    """Drop the rows of runs older than the newest ``keep_whole`` (all but the summary) and
    ``keep_coverage`` (their per-file coverage); how many runs lost rows. See Store.prune."""
    pruned = 0
    for level, keep, tables in ((1, keep_whole, _TEST_TABLES),
                                (2, keep_coverage, ("coverage",))):
        row = db.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?",
                         (max(keep, 1) - 1,)).fetchone()
        if row is None:  # fewer runs than are kept
            continue
        oldest_kept = row[0]
        for table in tables:
            db.execute(f"DELETE FROM {table} WHERE run_id < ?", (oldest_kept,))
        pruned += db.execute("UPDATE runs SET pruned = ? WHERE id < ? AND pruned < ?",
                             (level, oldest_kept, level)).rowcount
        if level == 2:  # which test file ran which lines: part of the coverage
            db.execute("UPDATE runs SET test_file_lines = NULL WHERE id < ?"
                       " AND test_file_lines IS NOT NULL", (oldest_kept,))
        if level == 1:  # runs kept as note parts (tracker.store_parts) keep their coverage
            db.execute("UPDATE run_parts SET tests_part = NULL WHERE run_id < ?"
                       " AND tests_part IS NOT NULL", (oldest_kept,))
        else:
            db.execute("DELETE FROM run_parts WHERE run_id < ?", (oldest_kept,))
        if level == 1 and db.execute(
                "UPDATE runs SET deselected_set = NULL WHERE id < ?"
                " AND deselected_set IS NOT NULL", (oldest_kept,)).rowcount:
            store_sets.drop_unused(db)  # a set goes with the last run that refers to it
    return pruned
