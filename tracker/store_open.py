"""Opening the store's file: creating, recognising, migrating, or opening it read-only.

Part of the store (:mod:`tracker.store`): only the store's modules know SQL. The base of
:class:`tracker.store.Store`, kept apart so that the store's module holds its queries.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import TracebackType
from typing import Self

from tracker.errors import StoreError
from tracker.paths import make_dirs, not_a_store
from tracker.store_files import check_header, read_only_message, store_error
from tracker.store_schema import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    _check_version,
    _foreign,
    _identity,
    _migrate,
)
from tracker.store_tx import Transactions
from tracker.store_writes import KEEP_COVERAGE, KEEP_WHOLE

#: Seconds to wait for another process's write lock before giving up.
DEFAULT_TIMEOUT = 5.0


class StoreFile(Transactions):
    """An open store's file and connection. Use :meth:`open`; close it, or use it as a
    context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path, timeout: float) -> None:
        self._db = connection
        self.path = path  #: the database file
        self._timeout = timeout
        self.keep_whole = KEEP_WHOLE  #: see :meth:`prune`
        self.keep_coverage = KEEP_COVERAGE
        #: runs refused while this store was open (see :class:`RunRefused`): id → warning.
        #: They are left out of every listing, even where the store cannot be written.
        self.refused: dict[int, str] = {}

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, timeout: float = DEFAULT_TIMEOUT,
             read_only: bool = False) -> Self:
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
    def _immutable(cls, path: Path, timeout: float) -> Self:
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
