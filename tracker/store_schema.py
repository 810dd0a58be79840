"""The run store's schema and its history: every migration, and how a file is recognised.

Part of the store (:mod:`tracker.store`): only the store's modules know SQL. Kept apart because
migrations only ever grow (a released one is never edited), while the store's code changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tracker import store_sets
from tracker.errors import StoreError

#: ``PRAGMA application_id`` of every tracker store: ASCII "Trkr". Tells our files apart from
#: any other SQLite database that happens to sit where the store should be.
APPLICATION_ID = 0x54726B72


# --- schema ------------------------------------------------------------------------------
#
# Each migration takes the schema from version N to N+1; ``_MIGRATIONS[0]`` creates it.
# Never edit a released migration: stores in the wild were built by it. Append a new one.
# Statements are run one by one (not with executescript, which would commit half-way); a step
# that SQL alone cannot take is a function of the connection, run in the same transaction.

Step = str | Callable[[sqlite3.Connection], None]

_V1_CREATE_TABLES = (
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a deleted run's id is never reused
        started TEXT NOT NULL,                 -- ISO-8601 UTC, fixed width, so it sorts
        finished TEXT NOT NULL,
        git_commit TEXT,
        dirty INTEGER NOT NULL,
        args TEXT NOT NULL,                    -- JSON list of strings
        exit_code INTEGER NOT NULL,
        source TEXT NOT NULL
    )""",
    # The rows of one run are kept together and in order: (run_id, seq) is the table's key.
    """CREATE TABLE outcomes (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        nodeid TEXT NOT NULL,
        outcome TEXT NOT NULL,
        duration REAL NOT NULL,
        markers TEXT,                          -- JSON lists of strings; NULL when empty
        fixtures TEXT,
        plan_items TEXT,
        message TEXT,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE coverage (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        path TEXT NOT NULL,
        statements INTEGER NOT NULL,
        missing TEXT NOT NULL,                 -- line ranges, "1-4,7"; see _encode_lines
        missing_count INTEGER NOT NULL,        -- so that sums need no decoding
        branches INTEGER NOT NULL,
        missing_branches INTEGER NOT NULL,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE collection_errors (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        nodeid TEXT NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE run_files (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha1 TEXT NOT NULL,
        PRIMARY KEY (run_id, path)
    ) WITHOUT ROWID""",
)

# Version 2: each run's totals, computed by SQL when the run is written, so that listing runs
# for trends reads one row a run instead of aggregating all their outcomes again; and an index
# for "the latest run of this commit". The totals of the runs already stored are filled in.
_V2_TOTALS = """UPDATE runs SET
    (n_tests, n_error, n_failed, n_xpassed, n_passed, n_xfailed, n_skipped) = (
        SELECT count(*), count(CASE outcome WHEN 'error' THEN 1 END),
               count(CASE outcome WHEN 'failed' THEN 1 END),
               count(CASE outcome WHEN 'xpassed' THEN 1 END),
               count(CASE outcome WHEN 'passed' THEN 1 END),
               count(CASE outcome WHEN 'xfailed' THEN 1 END),
               count(CASE outcome WHEN 'skipped' THEN 1 END)
        FROM outcomes WHERE outcomes.run_id = runs.id),
    (coverage_units, coverage_covered) = (
        SELECT sum(statements + branches),
               sum(statements - missing_count + branches - missing_branches)
        FROM coverage WHERE coverage.run_id = runs.id)
    WHERE RUNS"""

_V2_ADD_TOTALS = (
    "ALTER TABLE runs ADD COLUMN n_tests INTEGER NOT NULL DEFAULT 0",
    *(f"ALTER TABLE runs ADD COLUMN n_{outcome} INTEGER NOT NULL DEFAULT 0"
      for outcome in ("error", "failed", "xpassed", "passed", "xfailed", "skipped")),
    # Sums over all measured files in coverage.py's units (statements + branches);
    # NULL when the run measured nothing.
    "ALTER TABLE runs ADD COLUMN coverage_units INTEGER",
    "ALTER TABLE runs ADD COLUMN coverage_covered INTEGER",
    "CREATE INDEX runs_by_commit ON runs (git_commit, id)",
    _V2_TOTALS.replace("RUNS", "1"),
)

# Version 3: the tests a run did not run and why: deselected (by -m, -k or --deselect,
# also from addopts), or skipped while collecting (a module-level pytest.skip or
# importorskip). Without them a linked test that was filtered out looks like one that was
# never linked, and a parametrized test with one case deselected looks complete.
_V3_NOT_RUN = (
    """CREATE TABLE not_run (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        nodeid TEXT NOT NULL,
        kind TEXT NOT NULL,                    -- 'deselected' or 'skipped'
        message TEXT,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID""",
)

# Version 4: old runs are pruned (see Store.prune): their summary row stays for trends and
# history, their rows go. ``pruned`` says how much went: 1 the tests' rows, 2 coverage too.
_V4_PRUNED = (
    "ALTER TABLE runs ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0",
)

# Version 5: runs travel as git notes (tracker.history.run_notes). ``note_key`` is the key of
# a run's line in a note, on runs imported from notes and on local runs that were noted, and
# unique: importing the same noted run twice, in any order, stores it once (NULL for runs no
# note holds; SQLite's unique indexes allow many NULLs). ``missing_arcs`` are the branch arcs
# coverage.py found never taken ("3>5,7>-1"), so that shards' coverage combines exactly; ''
# for the runs stored before, which only counted them.
_V5_NOTES = (
    "ALTER TABLE runs ADD COLUMN note_key TEXT",
    "CREATE UNIQUE INDEX runs_by_note_key ON runs (note_key)",
    "ALTER TABLE coverage ADD COLUMN missing_arcs TEXT NOT NULL DEFAULT ''",
)

# Version 6: the note blobs already imported. A blob's id is a hash of its text, so one seen
# before holds nothing new: a sync reads only the notes that changed instead of every note of
# every commit (a run of a big suite is a megabyte of note text), and warns of a bad note once.
_V6_NOTE_BLOBS = (
    "CREATE TABLE note_blobs (blob TEXT PRIMARY KEY) WITHOUT ROWID",
)

# Version 7: what a run deselected is a set stored once, compressed, and referred to by every
# run that deselected exactly it (tracker.store_sets), instead of a row a test in not_run: a
# 427-test -m run of a 62,000-test suite added 9 MB, every time. The rows already stored
# move into sets; not_run keeps the collection skips.
_V7_DESELECTED_SETS: tuple[Step, ...] = (
    """CREATE TABLE deselected_sets (
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,           -- SHA-256 of the set's JSON: one row a set
        count INTEGER NOT NULL,                -- how many tests it holds
        data BLOB NOT NULL                     -- zlib of the JSON; see store_sets.encode
    )""",
    "ALTER TABLE runs ADD COLUMN deselected_set INTEGER REFERENCES deselected_sets(id)",
    "CREATE INDEX runs_by_deselected_set ON runs (deselected_set)",
    store_sets.migrate_rows,
)

# Version 8: which lines each test file ran (RunRecord.test_file_lines), for the items' own
# coverage: zlib of JSON {test file: {source file: "1-4,7"}}, NULL when the run recorded no
# contexts (every run stored before). Pruned with the run's coverage.
_V8_TEST_FILE_LINES = (
    "ALTER TABLE runs ADD COLUMN test_file_lines BLOB",
)

# Version 9: runs imported from version 3 note lines are kept as the line's parts, decoded
# when read (tracker.store_parts): a first sync of hundreds of noted runs stores their summary
# rows and text instead of decoding every test of every run. The parts are JSON text as the
# note wrote it; ``tests_part`` is dropped when the run is pruned of its tests, the row when
# it is pruned of its coverage.
_V9_RUN_PARTS = (
    """CREATE TABLE run_parts (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        header TEXT NOT NULL,                  -- the line's header: a JSON object
        coverage_part TEXT NOT NULL,           -- {"coverage": [...]}
        tests_part TEXT                        -- {"tests": [...], ...}; NULL once pruned
    )""",
)

_MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    _V1_CREATE_TABLES, _V2_ADD_TOTALS, _V3_NOT_RUN, _V4_PRUNED, _V5_NOTES, _V6_NOTE_BLOBS,
    _V7_DESELECTED_SETS, _V8_TEST_FILE_LINES, _V9_RUN_PARTS)

#: The schema version this code writes and reads.
SCHEMA_VERSION = len(_MIGRATIONS)


def _identity(db: sqlite3.Connection) -> tuple[int, int]:
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    return app_id, version


def _check_version(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer tracker (store version {version}, this "
                         f"tracker reads up to {SCHEMA_VERSION}): upgrade tracker")
    if version < 1:
        raise StoreError(f"{path} is a damaged tracker store (no schema version): "
                         "move it away or delete it")


def _migrate(db: sqlite3.Connection, target: int, path: Path) -> None:
    """Bring the schema up to version ``target`` in one transaction: all steps or none."""
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        app_id, version = _identity(db)
        if app_id == APPLICATION_ID:
            _check_version(version, path)
        elif app_id != 0 or version != 0:
            raise StoreError(_foreign(path))
        for step in _MIGRATIONS[version:target]:
            for statement in step:
                if isinstance(statement, str):
                    db.execute(statement)
                else:
                    statement(db)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {max(version, target)}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _foreign(path: Path) -> str:
    return (f"{path} is an SQLite database of another program, not a tracker store: "
            "move it away or delete it")
