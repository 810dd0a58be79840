"""The run store: every recorded run in one SQLite file, normally ``.tracker/tracker.db``.

This is the only module that knows SQL. The rest of the tool exchanges plain values from
:mod:`tracker.evidence.results` with it, so the file format can change (through a migration
below) without anyone else noticing.

Why the choices:

* One transaction per run: a run is in the store whole or not at all, even when the writer
  is killed, the disk fills up or an outcome cannot be stored.
* WAL mode: readers (``tracker status`` while ``tracker run`` writes) never wait for the
  writer, and an interrupted write leaves only uncommitted frames that SQLite ignores.
* The file is identified by ``PRAGMA application_id`` and versioned by ``PRAGMA
  user_version``; both are checked *before* anything is written, so a file that is not ours,
  or that a newer tracker wrote, is left exactly as it was.
* Per-run totals (tests per outcome, coverage sums) are computed by SQL aggregates once,
  when the run is written, so listing hundreds of runs for trends reads one small row each
  instead of every outcome again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tracker.errors import StoreError
from tracker.evidence.results import (
    CollectionError,
    FileCoverage,
    RunRecord,
    TestOutcome,
)
from tracker.paths import (
    default_store_path,  # noqa: F401  (re-exported)
    make_dirs,
    not_a_store,
)
from tracker.pickling import pickled_by_fields

#: ``PRAGMA application_id`` of every tracker store: ASCII "Trkr". Tells our files apart from
#: any other SQLite database that happens to sit where the store should be.
APPLICATION_ID = 0x54726B72

#: Seconds to wait for another process's write lock before giving up.
DEFAULT_TIMEOUT = 5.0

_SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreLocked(StoreError):
    """Another process holds the store's write lock past the timeout: nothing is wrong with the
    file, so it must not be treated as damaged (moved aside, rebuilt)."""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run without its rows: what ``tracker runs`` lists and metric trends plot."""

    id: int
    started: dt.datetime  #: UTC, timezone-aware
    finished: dt.datetime  #: UTC, timezone-aware
    commit: str | None
    dirty: bool
    exit_code: int
    source: str
    counts: dict[str, int]  #: tests per outcome, every one of OUTCOMES present
    coverage_total: float | None  #: as RunRecord.coverage_total(); None when nothing measured
    test_count: int
    args: tuple[str, ...] = ()  #: pytest's arguments: tells a subset run from a full one
    #: the key of the run's line in a git note (see tracker.evidence.note_format), when the
    #: run was noted here or imported from a note; None for a run only this store knows
    note_key: str | None = None
    #: only its totals are kept (see Store.prune): it can no longer be read whole
    pruned: bool = False


# --- schema ------------------------------------------------------------------------------
#
# Each migration takes the schema from version N to N+1; ``_MIGRATIONS[0]`` creates it.
# Never edit a released migration: stores in the wild were built by it. Append a new one.
# Statements are run one by one (not with executescript, which would commit half-way).

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

_MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1_CREATE_TABLES, _V2_ADD_TOTALS, _V3_NOT_RUN,
                                             _V4_PRUNED, _V5_NOTES, _V6_NOTE_BLOBS)

#: The schema version this code writes and reads.
SCHEMA_VERSION = len(_MIGRATIONS)

#: The outcomes the store counts, in the order of their ``n_*`` columns. A new outcome in
#: results.OUTCOMES needs a migration that adds its column (a test checks the two agree).
_COUNTED = ("error", "failed", "xpassed", "passed", "xfailed", "skipped")

# The totals of one new run. When a later migration changes the totals, give it its own copy.
_TOTALS_OF_RUN = _V2_TOTALS.replace("RUNS", "id = :id")

_RUN_COLUMNS = "id, started, finished, git_commit, dirty, args, exit_code, source"

# One row a run, nothing else read: the ten first columns, then the counts in _COUNTED order.
_SUMMARY_COLUMNS = ("SELECT id, started, finished, git_commit, dirty, exit_code, source,"
                    " coverage_units, coverage_covered, n_tests, "
                    + ", ".join(f"n_{outcome}" for outcome in _COUNTED)
                    + ", args, note_key, pruned FROM runs")
_SUMMARIES = _SUMMARY_COLUMNS + " ORDER BY id DESC LIMIT ?"
#: Commits asked for at once by summaries_of (SQLite's default limit of variables is 999).
_BATCH = 500


#: Runs kept whole, newest first: every test's outcome, the files' hashes, what did not run.
#: The evidence reads only the latest run and the subset runs laid over it (at most
#: layering.MAX_LAYERS), so this leaves room to look back; a 6,000-test run is about 1 MB.
KEEP_WHOLE = 30

#: Runs whose per-file coverage is kept: as far back as trends and coverage deltas look
#: (gather's ``history``). Older runs keep only their summary row: counts and totals.
KEEP_COVERAGE = 200

#: The tables holding a run's rows, by what pruning drops first.
_TEST_TABLES = ("outcomes", "not_run", "collection_errors", "run_files")


class Store:
    """An open store. Use :meth:`open`; close it, or use it as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path, timeout: float) -> None:
        self._db = connection
        self.path = path  #: the database file
        self._timeout = timeout
        self.keep_whole = KEEP_WHOLE  #: see :meth:`prune`
        self.keep_coverage = KEEP_COVERAGE

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, timeout: float = DEFAULT_TIMEOUT,
             read_only: bool = False) -> Store:
        """Open the store at ``path``, creating it (and its folder) or migrating it as needed.

        Raises StoreError, leaving the file untouched, when the file is not a tracker store,
        was written by a newer tracker, cannot be written, or stays locked past ``timeout``.
        ``read_only``: the caller only reads (status, render, the TUI), so a store it may not
        write (a read-only checkout, a CI cache) is opened as it is, unchanged.
        """
        path = Path(path)
        reason = not_a_store(path)
        if reason is not None:
            raise StoreError(reason)
        _check_header(path)
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            if read_only and os.access(path, os.R_OK):
                return cls._immutable(path, timeout)
            raise StoreError(_read_only(path))
        try:
            if path.exists():  # an existing file may be refused below: touch nothing
                path.parent.mkdir(parents=True, exist_ok=True)
            else:
                make_dirs(path.parent)
        except OSError as exc:
            raise StoreError(f"cannot create the folder {path.parent} ({exc.strerror}): "
                             "run tracker where it may write, or fix the permissions") from exc
        try:
            connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            error = _store_error(path, exc, timeout)
            if error is None:
                raise
            raise error from exc
        store = cls(connection, path, timeout)
        try:
            with store._translated():
                store._prepare()
        except BaseException:
            connection.close()
            raise
        return store

    @classmethod
    def _immutable(cls, path: Path, timeout: float) -> Store:
        """A store this process may read but not write, opened without writing anything:
        SQLite's ``immutable`` mode takes no locks and needs no -wal or -shm file."""
        try:
            uri = f"{path.resolve().as_uri()}?immutable=1"
            connection = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        except (sqlite3.Error, ValueError) as exc:
            raise StoreError(_read_only(path)) from exc
        store = cls(connection, path, timeout)
        try:
            with store._translated():
                if store._check_identity() < SCHEMA_VERSION:
                    raise StoreError(f"{path} was written by an older tracker and cannot be "
                                     "upgraded where it is read-only: run a tracker command "
                                     "where it may write it")
        except BaseException:
            connection.close()
            raise
        return store

    def check(self) -> None:
        """StoreError unless the newest runs can be read: ``run`` asks before the suite runs,
        so that a damaged store is said at once, not after minutes of tests."""
        for table in ("runs", "outcomes", "coverage", "collection_errors", "not_run",
                      "run_files"):
            with self._read() as db:
                if not db.execute(f"PRAGMA table_info({table})").fetchall():
                    raise StoreError(_damaged(self.path, f"the table {table} is missing"))
        for summary in self.runs(limit=3):
            if not summary.pruned:
                self.run(summary.id)

    def _prepare(self) -> None:
        db = self._db
        db.execute("PRAGMA foreign_keys = ON")
        # Only reads until we know the file is ours: nothing below may change a foreign file.
        version = self._check_identity()
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(_read_only(self.path))
        # NORMAL in WAL mode: a killed process loses nothing committed; a power cut may lose
        # the last runs, never the file's consistency. FULL would fsync every commit.
        db.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            _migrate(db, SCHEMA_VERSION, self.path)

    def _check_identity(self) -> int:
        """The file's schema version; StoreError unless it is a tracker store we can read."""
        app_id, version = _identity(self._db)
        if app_id == APPLICATION_ID:
            _check_version(version, self.path)
            return version
        empty = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        if app_id == 0 and version == 0 and empty:
            return 0  # a new file, or an empty one: ours to fill
        raise StoreError(_foreign(self.path))

    def close(self) -> None:
        """Close the connection; the store's last process also folds the WAL into the file."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # --- writing ---------------------------------------------------------------------------

    def add_run(self, run: RunRecord, *, note_key: str | None = None) -> int:
        """Write ``run`` whole, in one transaction, and return its new id (``run.id`` is ignored).

        Any exception part-way, including one raised by the run's own values (ValueError for
        an outcome not in OUTCOMES), rolls the transaction back: no part of the run is stored.
        ``note_key``: the key of the run's line in a git note, when it was noted; StoreError
        when another stored run has that key already (see :meth:`add_noted_run`).
        """
        with self._write() as db:
            if note_key is not None and self._noted(db, note_key) is not None:
                raise StoreError(f"a run with the note key {note_key} is in {self.path} already")
            return self._insert(db, run, note_key)

    def add_noted_run(self, run: RunRecord, note_key: str) -> int | None:
        """Write a run read from a git note, unless a run with its key is stored already.

        Returns the new id, or None when the run was there (imported before, or noted here):
        importing the same notes again, or two imports at once, store each run once.
        """
        with self._write() as db:  # the write lock is held from the check to the insert
            if self._noted(db, note_key) is not None:
                return None
            return self._insert(db, run, note_key)

    def set_note_key(self, run_id: int, note_key: str) -> bool:
        """Mark a stored run as noted under ``note_key`` (after its note was written), so that
        importing that note later does not store it twice. False when another run has the key
        already (the same run, imported first), or there is no such run."""
        with self._write() as db:
            other = self._noted(db, note_key)
            if other is not None:
                return other == run_id
            return db.execute("UPDATE runs SET note_key = ? WHERE id = ?",
                              (note_key, run_id)).rowcount == 1

    def note_keys(self) -> frozenset[str]:
        """The note keys of every stored run: what an import can skip without parsing."""
        with self._read() as db:
            return frozenset(key for (key,) in db.execute(
                "SELECT note_key FROM runs WHERE note_key IS NOT NULL"))

    def imported_blobs(self) -> frozenset[str]:
        """The ids of the note blobs whose runs were all imported (or refused) already."""
        with self._read() as db:
            return frozenset(blob for (blob,) in db.execute("SELECT blob FROM note_blobs"))

    def mark_imported_blobs(self, blobs: Iterable[str]) -> None:
        """Remember note blobs as imported, once their runs are stored."""
        with self._write() as db:
            db.executemany("INSERT OR IGNORE INTO note_blobs VALUES (?)",
                           ((blob,) for blob in blobs))

    @staticmethod
    def _noted(db: sqlite3.Connection, note_key: str) -> int | None:
        row = db.execute("SELECT id FROM runs WHERE note_key = ?", (note_key,)).fetchone()
        return None if row is None else int(row[0])

    def _insert(self, db: sqlite3.Connection, run: RunRecord, note_key: str | None) -> int:
        run_id = db.execute(
            "INSERT INTO runs (started, finished, git_commit, dirty, args, exit_code, source,"
            " note_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (_format_time(run.started), _format_time(run.finished), _text(run.commit),
             int(run.dirty), json.dumps(list(run.args)), run.exit_code, _text(run.source),
             note_key),
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
        self._prune(db)
        return run_id

    def prune(self) -> int:
        """Drop the rows of old runs, keeping every run's summary; return how many runs lost
        rows.

        The newest ``keep_whole`` runs stay whole, the newest ``keep_coverage`` keep their
        per-file coverage; older runs keep their summary row (counts, coverage total, commit,
        times), which is all that trends and the history screen read. :meth:`add_run` prunes
        in the same transaction, so a store stops growing instead of gaining a megabyte per
        run of a big suite for years. Freed pages are reused by later runs; the file itself
        shrinks only with SQLite's ``VACUUM``.
        """
        with self._write() as db:
            return self._prune(db)

    def _prune(self, db: sqlite3.Connection) -> int:
        pruned = 0
        for level, keep, tables in ((1, self.keep_whole, _TEST_TABLES),
                                    (2, self.keep_coverage, ("coverage",))):
            row = db.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?",
                             (max(keep, 1) - 1,)).fetchone()
            if row is None:  # fewer runs than are kept
                continue
            oldest_kept = row[0]
            for table in tables:
                db.execute(f"DELETE FROM {table} WHERE run_id < ?", (oldest_kept,))
            pruned += db.execute("UPDATE runs SET pruned = ? WHERE id < ? AND pruned < ?",
                                 (level, oldest_kept, level)).rowcount
        return pruned

    def delete_run(self, run_id: int) -> None:
        """Remove a run and all its rows; StoreError if there is no such run."""
        with self._write() as db:
            if db.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount == 0:
                raise self._no_run(run_id)

    # --- reading ---------------------------------------------------------------------------

    def run(self, run_id: int) -> RunRecord:
        """The run with this id, whole; StoreError if there is none or it was pruned."""
        with self._read() as db:
            row = db.execute(f"SELECT {_RUN_COLUMNS}, pruned FROM runs WHERE id = ?",
                             (run_id,)).fetchone()
            if row is None:
                raise self._no_run(run_id)
            if row[-1]:
                raise StoreError(f"run {run_id} in {self.path} was pruned: only its totals "
                                 f"are kept (the newest {self.keep_whole} runs are kept whole)")
            return _load_run(db, row[:-1])

    def latest_run(self, commit: str | None = None) -> RunRecord | None:
        """The newest run (highest id), or the newest on ``commit``; None when there is none."""
        with self._read() as db:
            if commit is None:
                cursor = db.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT 1")
            else:
                cursor = db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE git_commit = ?"
                                    " ORDER BY id DESC LIMIT 1", (_text(commit),))
            row = cursor.fetchone()
            return None if row is None else _load_run(db, row)

    def runs(self, limit: int | None = None) -> list[RunSummary]:
        """Summaries of the newest ``limit`` runs (all when None), newest first."""
        if limit is not None and limit <= 0:
            return []
        bound = -1 if limit is None else limit  # LIMIT -1: no limit
        with self._read() as db:  # rows decoded inside: a damaged row is a StoreError
            return [_summary(row) for row in db.execute(_SUMMARIES, (bound,)).fetchall()]

    def summaries_of(self, commits: Iterable[str]) -> list[RunSummary]:
        """Summaries of every run recorded on one of ``commits``, newest first: the runs that
        can speak for a checkout, however many runs of other commits were stored since (a
        backfill or an import of old notes adds hundreds)."""
        wanted = list(dict.fromkeys(commits))
        rows: list[tuple[Any, ...]] = []
        with self._read() as db:
            for start in range(0, len(wanted), _BATCH):
                batch = wanted[start:start + _BATCH]
                marks = ", ".join("?" * len(batch))
                rows += db.execute(f"{_SUMMARY_COLUMNS} WHERE git_commit IN ({marks})",
                                   batch).fetchall()
            return sorted((_summary(row) for row in rows), key=lambda s: -s.id)

    def runs_of_commit(self, commit: str) -> list[RunRecord]:
        """Every whole run recorded on ``commit``, newest first: the reruns and the shards
        that separate CI jobs noted (see tracker.evidence.shards). Pruned runs are left out."""
        with self._read() as db:
            rows = db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE git_commit = ?"
                              " AND pruned = 0 ORDER BY id DESC", (_text(commit),)).fetchall()
            return [_load_run(db, row) for row in rows]

    def coverage(self, run_id: int) -> tuple[FileCoverage, ...]:
        """Only the per-file coverage of a run: what coverage deltas compare against."""
        with self._read() as db:
            return _load_coverage(db, run_id)

    def runs_count(self) -> int:
        """How many runs are stored."""
        with self._read() as db:
            return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])

    def damage(self) -> str | None:
        """What SQLite's ``quick_check`` finds wrong with the file, None when nothing: a
        damaged page may only show when it is read, long after the store opened fine."""
        try:
            with self._read() as db:
                found = [row[0] for row in db.execute("PRAGMA quick_check(5)")]
        except StoreError as exc:
            return str(exc)
        return None if found == ["ok"] else "; ".join(found)

    # --- transactions and errors -------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed at the end, rolled back on any exception."""
        with self._translated():
            # IMMEDIATE: take the write lock now (waiting up to the timeout), not half-way.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back already
                    self._db.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction, so that the queries of one call see a single snapshot."""
        with self._translated():
            self._db.execute("BEGIN")
            try:
                yield self._db
            except sqlite3.OperationalError as exc:
                if "no such" not in str(exc):
                    raise
                raise StoreError(_damaged(self.path, f"{exc}: a table or column tracker "
                                                     "needs is missing")) from exc
            except (ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError) as exc:
                # a row no tracker wrote: a time that is not a time, JSON that is not JSON,
                # bytes that are not text. The file is damaged: say so, not a traceback.
                raise StoreError(_damaged(self.path, f"a row cannot be read: {exc}")) from exc
            finally:
                if self._db.in_transaction:
                    self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn SQLite's errors about the file (locked, read-only, damaged) into StoreError."""
        try:
            yield
        except sqlite3.Error as exc:
            error = _store_error(self.path, exc, self._timeout)
            if error is None:
                raise
            raise error from exc

    def _no_run(self, run_id: int) -> StoreError:
        return StoreError(f"there is no run {run_id} in {self.path}: "
                          "list the recorded runs to find its id")


# --- opening helpers -----------------------------------------------------------------------

def _check_header(path: Path) -> None:
    """Refuse a file that is not SQLite at all before SQLite touches it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"cannot read {path} ({exc.strerror}): fix its permissions") from exc
    if head and head != _SQLITE_MAGIC:
        raise StoreError(f"{path} is not a tracker store (not an SQLite database): "
                         "move it away or delete it")


def move_aside(path: Path, label: str, now: dt.datetime) -> Path:
    """Rename the store at ``path`` to ``<name>.<label>-<UTC time>``, with its WAL files, and
    return the new path: a damaged store is kept for a look or a rescue, never deleted.

    SQLite pairs a database with the ``-wal`` and ``-shm`` files beside it by name: they move
    with it (still a pair under the new name), or a stale WAL could be read into the new store.
    """
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    try:
        os.replace(path, target)
        for suffix in ("-wal", "-shm"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                os.replace(companion, target.with_name(target.name + suffix))
    except OSError as exc:
        raise StoreError(f"cannot move {path} aside ({exc.strerror}): "
                         "fix the permissions of its folder") from exc
    return target


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
                db.execute(statement)
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


def _read_only(path: Path) -> str:
    return (f"cannot write {path} (read-only location or no permission): "
            "run tracker where it may write, or fix the permissions")


def _damaged(path: Path, what: str) -> str:
    """One line for a store that cannot be read, with the way out."""
    from tracker.text import one_line

    return (f"{path} is damaged ({one_line(what)}): run `tracker store rebuild` to rebuild "
            "it from the runs noted in git, or move it away or delete it")


def _store_error(path: Path, exc: sqlite3.Error, timeout: float) -> StoreError | None:
    """The StoreError for an SQLite error about the file itself; None for any other error."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreLocked(f"{path} is locked by another process (waited {timeout:g} s): "
                          "let it finish, then retry")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return StoreError(_read_only(path))
    if name == "SQLITE_NOTADB":
        return StoreError(f"{path} is not a tracker store (not an SQLite database): "
                          "move it away or delete it")
    if name.startswith("SQLITE_CORRUPT"):
        return StoreError(_damaged(path, f"a damaged SQLite database: {exc}"))

    if name == "SQLITE_FULL":
        return StoreError(f"the disk is full writing {path}: free some space and retry")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(f"cannot read or write {path} ({exc}): check the disk")
    return None


# --- values to rows and back ---------------------------------------------------------------

def _summary(row: tuple[Any, ...]) -> RunSummary:
    """A row of _SUMMARY_COLUMNS as a RunSummary."""
    return RunSummary(id=row[0], started=_parse_time(row[1]), finished=_parse_time(row[2]),
                      commit=_str(row[3]), dirty=bool(row[4]), exit_code=row[5],
                      source=_str(row[6]), counts=dict(zip(_COUNTED, row[10:-3], strict=True)),
                      coverage_total=_percent(row[7], row[8]), test_count=row[9],
                      args=tuple(json.loads(row[-3])), note_key=row[-2], pruned=bool(row[-1]))


def _format_time(moment: dt.datetime) -> str:
    """ISO-8601 in UTC with microseconds always shown: fixed width, so text order is time order.

    A naive datetime is taken to be UTC already, as RunRecord documents.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _text(value: Any) -> Any:
    """A value SQLite can store for ``value``: itself, except for a str with lone surrogates.

    Those come from undecodable bytes in file names (Python's surrogateescape) and cannot be
    encoded as UTF-8 text; they are stored as a BLOB of their surrogatepass bytes instead, so
    that the run is still recorded and reads back exactly (see _str).
    """
    if type(value) is str and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    return value


def _str(value: Any) -> Any:
    """The inverse of _text."""
    return value.decode("utf-8", "surrogatepass") if type(value) is bytes else value


def _json_list_cache() -> Callable[[tuple[str, ...]], str | None]:
    """JSON for tuples of names; the same few marker and fixture lists recur on every test."""
    cache: dict[tuple[str, ...], str | None] = {(): None}

    def encode(names: tuple[str, ...]) -> str | None:
        try:
            return cache[names]
        except KeyError:
            text = cache[names] = json.dumps(list(names))  # ASCII: surrogates survive
            return text
    return encode


def _outcome_rows(run_id: int, outcomes: Iterable[TestOutcome]) -> Iterator[tuple[object, ...]]:
    encode = _json_list_cache()
    counted = frozenset(_COUNTED)
    for seq, o in enumerate(outcomes):
        if o.outcome not in counted:  # it would be stored but never counted
            raise ValueError(f"test {o.nodeid!r} has the outcome {o.outcome!r}, "
                             f"not one of {', '.join(_COUNTED)}")
        yield (run_id, seq, _text(o.nodeid), o.outcome, o.duration, encode(o.markers),
               encode(o.fixtures), encode(o.plan_items), _text(o.message))


def _not_run_rows(run_id: int, run: RunRecord) -> Iterator[tuple[object, ...]]:
    seq = 0
    encode = _json_list_cache()
    marks = run.deselected_markers
    for nodeid in run.deselected:  # a deselected test's markers: a JSON list as the message
        yield run_id, seq, _text(nodeid), "deselected", encode(marks.get(nodeid, ()))
        seq += 1
    for skip in run.collection_skips:
        yield run_id, seq, _text(skip.nodeid), "skipped", _text(skip.message)
        seq += 1


def _coverage_rows(run_id: int, files: Iterable[FileCoverage]) -> Iterator[tuple[object, ...]]:
    for seq, f in enumerate(files):
        yield (run_id, seq, _text(f.path), f.statements, _encode_lines(f.missing), len(f.missing),
               f.branches, f.missing_branches, _encode_arcs(f.missing_arcs))


def _encode_arcs(arcs: tuple[tuple[int, int], ...]) -> str:
    """``((3, 5), (7, -1))`` → ``"3>5,7>-1"``; ``""`` for none."""
    return ",".join(f"{a}>{b}" for a, b in arcs)


def _decode_arcs(text: str) -> tuple[tuple[int, int], ...]:
    if not text:
        return ()
    arcs = []
    for part in text.split(","):
        a, _, b = part.partition(">")
        arcs.append((int(a), int(b)))
    return tuple(arcs)


def _encode_lines(lines: tuple[int, ...]) -> str:
    """``(1, 2, 3, 4, 7)`` → ``"1-4,7"``: missing lines come in blocks, so ranges are short.

    Lossless for any order or repeats (only ascending neighbours are merged); negative
    numbers, which line numbers never are, fall back to a JSON list.
    """
    if not lines:
        return ""
    if min(lines) < 0:
        return json.dumps(list(lines))
    parts: list[str] = []
    start = end = lines[0]
    for line in lines[1:]:
        if line == end + 1:
            end = line
            continue
        parts.append(f"{start}-{end}" if end != start else str(start))
        start = end = line
    parts.append(f"{start}-{end}" if end != start else str(start))
    return ",".join(parts)


def _decode_lines(text: str) -> tuple[int, ...]:
    if not text:
        return ()
    if text.startswith("["):
        return tuple(json.loads(text))
    lines: list[int] = []
    for part in text.split(","):
        first, dash, last = part.partition("-")
        if dash:
            lines.extend(range(int(first), int(last) + 1))
        else:
            lines.append(int(first))
    return tuple(lines)


def _percent(units: int | None, covered: int | None) -> float | None:
    """Coverage percent exactly as RunRecord.coverage_total computes it from the same sums."""
    if units is None or covered is None:
        return None
    if not units:
        return 100.0
    return 100.0 * covered / units


def _load_coverage(db: sqlite3.Connection, run_id: int) -> tuple[FileCoverage, ...]:
    return tuple(
        FileCoverage(_str(path), statements, _decode_lines(missing), branches, missing_branches,
                     _decode_arcs(arcs))
        for path, statements, missing, branches, missing_branches, arcs in db.execute(
            "SELECT path, statements, missing, branches, missing_branches, missing_arcs"
            " FROM coverage WHERE run_id = ? ORDER BY seq", (run_id,)))


def _load_run(db: sqlite3.Connection, row: tuple[Any, ...]) -> RunRecord:
    run_id, started, finished, commit, dirty, args, exit_code, source = row
    decoded: dict[str | None, tuple[str, ...]] = {None: ()}

    def names(text: str | None) -> tuple[str, ...]:
        try:
            return decoded[text]
        except KeyError:
            value = decoded[text] = tuple(json.loads(text or "[]"))
            return value

    outcomes = tuple(
        TestOutcome(_str(nodeid), outcome, duration, names(markers), names(fixtures),
                    names(plan_items), _str(message))
        for nodeid, outcome, duration, markers, fixtures, plan_items, message in db.execute(
            "SELECT nodeid, outcome, duration, markers, fixtures, plan_items, message"
            " FROM outcomes WHERE run_id = ? ORDER BY seq", (run_id,)))
    coverage = _load_coverage(db, run_id)
    errors = tuple(
        CollectionError(_str(nodeid), _str(message)) for nodeid, message in db.execute(
            "SELECT nodeid, message FROM collection_errors WHERE run_id = ? ORDER BY seq",
            (run_id,)))
    hashes = {_str(path): _str(sha1) for path, sha1 in db.execute(
        "SELECT path, sha1 FROM run_files WHERE run_id = ? ORDER BY path", (run_id,))}
    deselected: list[str] = []
    deselected_markers: dict[str, tuple[str, ...]] = {}
    skips: list[CollectionError] = []
    for nodeid, kind, message in db.execute(
            "SELECT nodeid, kind, message FROM not_run WHERE run_id = ? ORDER BY seq", (run_id,)):
        if kind == "deselected":
            deselected.append(_str(nodeid))
            if message:
                deselected_markers[deselected[-1]] = names(message)
        else:
            skips.append(CollectionError(_str(nodeid), _str(message) or ""))
    return RunRecord(started=_parse_time(started), finished=_parse_time(finished),
                     commit=_str(commit), dirty=bool(dirty), args=tuple(json.loads(args)),
                     exit_code=exit_code, source=_str(source), outcomes=outcomes, coverage=coverage,
                     collection_errors=errors, file_hashes=hashes, id=run_id,
                     deselected=tuple(deselected), deselected_markers=deselected_markers,
                     collection_skips=tuple(skips))
