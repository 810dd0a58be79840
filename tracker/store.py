"""The run store: every recorded run in one SQLite file, normally ``.tracker/tracker.db``.

This module (writing and reading runs) and its parts, :mod:`tracker.store_open` (opening
the file), :mod:`tracker.store_tx` (transactions), :mod:`tracker.store_schema` (the
migrations), :mod:`tracker.store_rows` (values to rows and back), :mod:`tracker.store_writes`
(writing a run, pruning old ones), :mod:`tracker.store_parts` (runs kept as their note's
parts), :mod:`tracker.store_sets` (deselected sets) and :mod:`tracker.store_files` (the file
on disk: refusing, moving aside, SQLite's errors), are the only ones that know SQL. The rest
of the tool exchanges plain values from :mod:`tracker.evidence.results` with them, so the
file format can change (through a migration) without anyone else noticing.

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
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tracker import store_sets
from tracker.errors import StoreError
from tracker.evidence.results import (
    FileCoverage,
    RunRecord,
)
from tracker.paths import default_store_path  # noqa: F401  (re-exported)
from tracker.store_files import (
    StoreLocked,
    damaged_message,
    move_aside,
)
from tracker.store_open import StoreFile
from tracker.store_parts import BadParts, insert_split, load_split, load_split_coverage
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
)
from tracker.store_writes import KEEP_COVERAGE, KEEP_WHOLE, insert_run, prune_runs

if TYPE_CHECKING:
    from tracker.evidence.note_parts import SplitRun

__all__ = ["APPLICATION_ID", "KEEP_COVERAGE", "KEEP_WHOLE", "SCHEMA_VERSION", "RunRefused",
           "RunSummary", "Store", "StoreError", "StoreLocked", "default_store_path",
           "move_aside"]

#: Runs kept as note parts stored in one transaction by add_noted_runs.
_SPLIT_BATCH = 50


class RunRefused(StoreError):
    """A run imported from a note turned out unreadable when it was read whole (its note's
    parts do not hold, or disagree with its summary): it is removed from the store, as the
    import would have skipped its line, and the message names its commit."""


class Store(StoreFile):
    """An open store. Use :meth:`open`; close it, or use it as a context manager."""

    def check(self) -> None:
        """StoreError unless the newest runs can be read: ``run`` asks before the suite runs,
        so that a damaged store is said at once, not after minutes of tests."""
        self.check_tables()
        self.check_newest()

    def check_tables(self) -> None:
        """The quick half of :meth:`check`: StoreError unless every table is there."""
        for table in ("runs", "outcomes", "coverage", "collection_errors", "not_run",
                      "run_files", "deselected_sets", "run_parts"):
            with self._read() as db:
                if not db.execute(f"PRAGMA table_info({table})").fetchall():
                    raise StoreError(damaged_message(self.path, f"the table {table} is missing"))

    def check_newest(self) -> None:
        """The slow half of :meth:`check`: StoreError unless the newest whole run reads
        (``tracker run`` asks while pytest starts, not before)."""
        newest = next((s for s in self.runs(limit=KEEP_WHOLE) if not s.pruned), None)
        if newest is not None:  # the rows every judgement reads first
            with contextlib.suppress(RunRefused):  # a bad note, not a damaged store
                self.run(newest.id)

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

    def add_noted_run(self, run: RunRecord | SplitRun, note_key: str, *,
                      whole: bool = True) -> int | None:
        """Write a run read from a git note, unless a run with its key is stored already.

        Returns the new id, or None when the run was there (imported before, or noted here):
        importing the same notes again, or two imports at once, store each run once. A
        :class:`SplitRun` (a version 3 line) is stored as its summary and undecoded parts
        (tracker.store_parts), decoded when it is read; not ``whole``, as pruning would leave
        it (an import of hundreds of runs knows which ones the newest will push out).
        """
        return self.add_noted_runs([(run, note_key, whole)])[0]

    def add_noted_runs(self, runs: Sequence[tuple[RunRecord | SplitRun, str, bool]]
                       ) -> list[int | None]:
        """:meth:`add_noted_run` for each ``(run, note_key, whole)``, in order: split runs a
        few dozen to a transaction (an import stores hundreds; each is a few inserts), a run
        decoded whole (an older line) alone in its own, so the write lock is never held
        long."""
        ids: list[int | None] = []
        start = 0
        while start < len(runs):
            end = start + 1
            while (end < len(runs) and end - start < _SPLIT_BATCH
                   and not isinstance(runs[end][0], RunRecord)
                   and not isinstance(runs[start][0], RunRecord)):
                end += 1
            with self._write() as db:  # the write lock is held from the checks to the inserts
                for run, note_key, whole in runs[start:end]:
                    if self._noted(db, note_key) is not None:
                        ids.append(None)
                    elif isinstance(run, RunRecord):
                        ids.append(self._insert(db, run, note_key))
                    else:
                        ids.append(insert_split(db, run, note_key, tests=whole))
                self._prune(db)
            start = end
        return ids

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
        """The run with this id, whole; StoreError if there is none or it was pruned.

        RunRefused for a run kept as the parts of its note (tracker.store_parts) that turn
        out unreadable now that they are decoded: the run is removed from the store (when
        it may be written) and left out of every listing of this Store from now on.
        """
        with self._read() as db:
            row = db.execute(f"SELECT {_RUN_COLUMNS}, pruned FROM runs WHERE id = ?",
                             (run_id,)).fetchone()
            if row is None or run_id in self.refused:
                raise self._no_run(run_id)
            if row[-1]:
                raise StoreError(f"run {run_id} in {self.path} was pruned: only its totals "
                                 f"are kept (the newest {self.keep_whole} runs are kept whole)")
            try:
                return load_split(db, run_id) or _load_run(db, row[:-1])
            except BadParts as exc:
                refused = exc
        raise self._refuse(run_id, row[3], refused)

    def latest_run(self, commit: str | None = None) -> RunRecord | None:
        """The newest run (highest id), or the newest on ``commit``; None when there is none.
        A pruned run comes back with the rows it kept; RunRefused as for :meth:`run`."""
        with self._read() as db:
            if commit is None:
                cursor = db.execute(f"SELECT {_RUN_COLUMNS}, pruned FROM runs"
                                    " ORDER BY id DESC LIMIT 1")
            else:
                cursor = db.execute(f"SELECT {_RUN_COLUMNS}, pruned FROM runs"
                                    " WHERE git_commit = ? ORDER BY id DESC LIMIT 1",
                                    (_text(commit),))
            row = cursor.fetchone()
            if row is not None and row[-1]:
                return _load_run(db, row[:-1])
        return None if row is None else self.run(row[0])

    def runs(self, limit: int | None = None) -> list[RunSummary]:
        """Summaries of the newest ``limit`` runs (all when None), newest first."""
        if limit is not None and limit <= 0:
            return []
        bound = -1 if limit is None else limit  # LIMIT -1: no limit
        with self._read() as db:  # rows decoded inside: a damaged row is a StoreError
            return [_summary(row) for row in db.execute(_SUMMARIES, (bound,)).fetchall()
                    if row[0] not in self.refused]

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
            return sorted((_summary(row) for row in rows if row[0] not in self.refused),
                          key=lambda s: -s.id)

    def runs_of_commit(self, commit: str) -> list[RunRecord]:
        """Every whole run recorded on ``commit``, newest first: the reruns and the shards
        that separate CI jobs noted (see tracker.evidence.shards). Pruned runs are left out."""
        with self._read() as db:
            ids = [run_id for (run_id,) in db.execute(
                "SELECT id FROM runs WHERE git_commit = ? AND pruned = 0 ORDER BY id DESC",
                (_text(commit),))]
        runs = []
        for run_id in ids:
            with contextlib.suppress(RunRefused):
                runs.append(self.run(run_id))
        return runs

    def coverage(self, run_id: int) -> tuple[FileCoverage, ...]:
        """Only the per-file coverage of a run: what coverage deltas compare against.
        RunRefused as for :meth:`run`."""
        with self._read() as db:
            if run_id in self.refused:
                return ()
            try:
                found = load_split_coverage(db, run_id)
                return _load_coverage(db, run_id) if found is None else found
            except BadParts as exc:
                refused = exc
            row = db.execute("SELECT git_commit FROM runs WHERE id = ?", (run_id,)).fetchone()
        raise self._refuse(run_id, row[0] if row else None, refused)

    def _refuse(self, run_id: int, commit: str | None, why: BadParts) -> RunRefused:
        """Forget a run whose note's parts do not hold: deleted where the store may be
        written, left out of this Store's listings in any case; the error to raise."""
        done = "it is removed from the store"
        try:
            with self._write() as db:
                db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        except StoreError:  # read-only or locked: left out all the same, and said so
            done = ("it is left out (the store could not be written, so the next command "
                    "that reads the run says this again)")
        message = f"skipped the run noted on {(commit or '?')[:12]} (run {run_id}): {why}; {done}"
        self.refused[run_id] = message
        return RunRefused(message)

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

    def _no_run(self, run_id: int) -> StoreError:
        return StoreError(f"there is no run {run_id} in {self.path}: "
                          "list the recorded runs to find its id")
