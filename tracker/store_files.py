"""The store's file itself: what is refused before SQLite opens it, moving a damaged one
aside, and the one-line errors for what SQLite says about the file (locked, read-only,
damaged, full).

Kept apart from :mod:`tracker.store`, which holds the transactions and queries, because these
are about the file on disk and are used before a connection exists.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from tracker.errors import StoreError

_SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreLocked(StoreError):
    """Another process holds the store's write lock past the timeout: nothing is wrong with the
    file, so it must not be treated as damaged (moved aside, rebuilt)."""


def check_header(path: Path) -> None:
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


def read_only_message(path: Path) -> str:
    return (f"cannot write {path} (read-only location or no permission): "
            "run tracker where it may write, or fix the permissions")


def damaged_message(path: Path, what: str) -> str:
    """One line for a store that cannot be read, with the way out."""
    from tracker.text import one_line

    return (f"{path} is damaged ({one_line(what)}): run `tracker store rebuild` to rebuild "
            "it from the runs noted in git, or move it away or delete it")


def store_error(path: Path, exc: sqlite3.Error, timeout: float) -> StoreError | None:
    """The StoreError for an SQLite error about the file itself; None for any other error."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreLocked(f"{path} is locked by another process (waited {timeout:g} s): "
                          "let it finish, then retry")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return StoreError(read_only_message(path))
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
