"""The run store: every recorded run in one SQLite file, normally ``.tracker/tracker.db``.

This module and its two parts, :mod:`tracker.store_schema` (the migrations) and
:mod:`tracker.store_rows` (values to rows and back), are the only ones that know SQL. The rest
of the tool exchanges plain values from :mod:`tracker.evidence.results` with them, so the file
format can change (through a migration) without anyone else noticing.

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
from tracker.store_rows import (
    _COUNTED,
    RunSummary,
    _coverage_rows,
    _encode_test_file_lines,
    _format_time,
    _load_coverage,
    _load_run,
    _not_run_rows,
    _outcome_rows,
    _summary,
    _text,
)
from tracker.store_schema import (
    _V2_TOTALS,
    APPLICATION_ID,
    SCHEMA_VERSION,
    _check_version,
    _foreign,
    _identity,
    _migrate,
)

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "RunSummary", "Store", "StoreError",
           "StoreLocked", "default_store_path", "move_aside"]

#: Seconds to wait for another process's write lock before giving up.
DEFAULT_TIMEOUT = 5.0

_SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreLocked(StoreError):
    """Another process holds the store's write lock past the timeout: nothing is wrong with the
    file, so it must not be treated as damaged (moved aside, rebuilt)."""



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
                      "run_files", "deselected_sets"):
            with self._read() as db:
                if not db.execute(f"PRAGMA table_info({table})").fetchall():
                    raise StoreError(_damaged(self.path, f"the table {table} is missing"))
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
            if level == 2:  # which test file ran which lines: part of the coverage
                db.execute("UPDATE runs SET test_file_lines = NULL WHERE id < ?"
                           " AND test_file_lines IS NOT NULL", (oldest_kept,))
            if level == 1 and db.execute(
                    "UPDATE runs SET deselected_set = NULL WHERE id < ?"
                    " AND deselected_set IS NOT NULL", (oldest_kept,)).rowcount:
                store_sets.drop_unused(db)  # a set goes with the last run that refers to it
        return pruned

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
        return StoreError(f"{path} is a damaged SQLite database ({exc}): run `tracker store "
                          "rebuild` to rebuild it from the runs noted in git, or move it away "
                          "or delete it")

    if name == "SQLITE_FULL":
        return StoreError(f"the disk is full writing {path}: free some space and retry")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(f"cannot read or write {path} ({exc}): check the disk")
    return None
