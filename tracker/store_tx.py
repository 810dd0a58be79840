"""The store's transactions: one snapshot per read, one lock per write, SQLite's errors about
the file turned into one-line StoreErrors.

Part of the store (:mod:`tracker.store`): only the store's modules know SQL. A mixin of
:class:`tracker.store.Store`, kept apart so that the store's module holds its queries.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from tracker.errors import StoreError
from tracker.store_files import damaged_message, store_error


class Transactions:
    """Transactions over ``_db``, the store at ``path``, waiting ``_timeout`` for locks."""

    _db: sqlite3.Connection
    path: Path
    _timeout: float

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
