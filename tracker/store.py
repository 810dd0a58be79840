"""The run store: every recorded run in one SQLite file, normally ``.tracker/tracker.db``.

This module (opening, transactions, reading) and its parts, :mod:`tracker.store_schema` (the
migrations), :mod:`tracker.store_rows` (values to rows and back), :mod:`tracker.store_writes`
(writing a run, pruning old ones), :mod:`tracker.store_sets` (deselected sets) and
:mod:`tracker.store_files` (the file on disk: refusing, moving aside, SQLite's errors), are the
only ones that know SQL. The rest of the tool exchanges plain values from
:mod:`tracker.evidence.results` with them, so the file format can change (through a
migration) without anyone else noticing.

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
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from tracker import store_sets
from tracker.errors import StoreError
from tracker.evidence.results import (
    FileCoverage,
    RunRecord,
)
from tracker.paths import (
    default_store_path,  # noqa: F401  (re-exported)
    make_dirs,
    not_a_store,
)
from tracker.store_files import (
    StoreLocked,
    check_header,
    damaged_message,
    move_aside,
    read_only_message,
    store_error,
)
from tracker.store_rows import (
    _BATCH,
    _RUN_COLUMNS,
    _SUMMARIES,
    _SUMMARY_COLUMNS,
    RunSummary,
    _load_coverage,
    _load_run,
    _summary,
    _text,
)
from tracker.store_schema import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    _check_version,
    _foreign,
    _identity,
    _migrate,
)
from tracker.store_writes import KEEP_COVERAGE, KEEP_WHOLE, insert_run, prune_runs

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "RunSummary", "Store", "StoreError",
           "StoreLocked", "default_store_path", "move_aside"]

#: Seconds to wait for another process's write lock before giving up.
DEFAULT_TIMEOUT = 5.0

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
        check_header(path)
        if path.exists() and not os.access(path, os.R_OK | os.W_OK):
            if read_only and os.access(path, os.R_OK):
                return cls._immutable(path, timeout)
            raise StoreError(read_only_message(path))
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
            error = store_error(path, exc, timeout)
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
            raise StoreError(read_only_message(path)) from exc
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
        self.check_tables()
        self.check_newest()

    def check_tables(self) -> None:
        """The quick half of :meth:`check`: StoreError unless every table is there."""
        for table in ("runs", "outcomes", "coverage", "collection_errors", "not_run",
                      "run_files", "deselected_sets"):
            with self._read() as db:
                if not db.execute(f"PRAGMA table_info({table})").fetchall():
                    raise StoreError(damaged_message(self.path, f"the table {table} is missing"))

    def check_newest(self) -> None:
        """The slow half of :meth:`check`: StoreError unless the newest whole run reads
        (``tracker run`` asks while pytest starts, not before)."""
        newest = next((s for s in self.runs(limit=KEEP_WHOLE) if not s.pruned), None)
        if newest is not None:  # the rows every judgement reads first
            self.run(newest.id)

    def _prepare(self) -> None:
        db = self._db
        db.execute("PRAGMA foreign_keys = ON")
        # Only reads until we know the file is ours: nothing below may change a foreign file.
        version = self._check_identity()
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(read_only_message(self.path))
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
        run_id = insert_run(db, run, note_key)
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
        return prune_runs(db, self.keep_whole, self.keep_coverage)

    def delete_run(self, run_id: int) -> None:
        """Remove a run and all its rows; StoreError if there is no such run."""
        with self._write() as db:
            if db.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount == 0:
                raise self._no_run(run_id)
            store_sets.drop_unused(db)

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
                raise StoreError(damaged_message(self.path, f"{exc}: a table or column tracker "
                                                     "needs is missing")) from exc
            except (ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError) as exc:
                # a row no tracker wrote: a time that is not a time, JSON that is not JSON,
                # bytes that are not text. The file is damaged: say so, not a traceback.
                why = f"a row cannot be read: {exc}"
                raise StoreError(damaged_message(self.path, why)) from exc
            finally:
                if self._db.in_transaction:
                    self._db.execute("COMMIT")

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn SQLite's errors about the file (locked, read-only, damaged) into StoreError."""
        try:
            yield
        except sqlite3.Error as exc:
            error = store_error(self.path, exc, self._timeout)
            if error is None:
                raise
            raise error from exc

    def _no_run(self, run_id: int) -> StoreError:
        return StoreError(f"there is no run {run_id} in {self.path}: "
                          "list the recorded runs to find its id")
