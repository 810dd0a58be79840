"""Never throwing away a finished run: kept aside until the store takes it.

A suite can take an hour; the store can be locked by another process when it ends (another
``tracker run`` writing, someone's ``sqlite3`` shell left in a transaction). SQLite waits
for the lock only as long as the store's timeout (5 s), and the run used to be lost with
it. Now :func:`record_run`:

1. keeps the finished run in ``.tracker/pending/`` first (written whole and synced), so
   nothing that happens next can lose it: a lock that never ends, a full disk, SIGTERM or
   SIGKILL while waiting;
2. records every kept run, oldest first, waiting for a locked store as long as
   ``TRACKER_LOCK_WAIT`` says (60 s by default) while saying so on stderr, and deletes
   each kept file once its run is stored.

Runs kept by a ``tracker run`` that could not record them are recorded by the next one, in
the order they ran, before its own (:func:`record_kept`). The store shows the newest run by
the order runs were added, so a kept run older than the newest stored run is not added
(it would shadow newer results) but left where it is, and said so.

The files are pickles read back with an allow-list of the classes a run is made of: a file
planted in the folder can name no other callable. Files not owned by the current user are
not read, as for the plan cache.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import StoreError
from tracker.evidence.results import RunRecord
from tracker.paths import data_dir, make_dirs

if TYPE_CHECKING:
    from tracker.store import Store

Say = Callable[[str], None]

#: Seconds a finished run waits for a locked store before it is left in .tracker/pending.
WAIT_ENV = "TRACKER_LOCK_WAIT"
DEFAULT_WAIT = 60.0
#: How often, while waiting, the wait is said again.
REMIND_SECONDS = 30.0
#: A kept file larger than this is not a run of ours.
MAX_BYTES = 512 * 1024 * 1024

_ALLOWED = {
    ("tracker.evidence.results", "RunRecord"), ("tracker.evidence.results", "TestOutcome"),
    ("tracker.evidence.results", "FileCoverage"),
    ("tracker.evidence.results", "CollectionError"),
    ("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta"),
    ("copyreg", "_reconstructor"), ("builtins", "object"),
}


class _RunUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> type:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a run")
        return super().find_class(module, name)  # type: ignore[no-any-return]


def pending_dir(root: Path) -> Path:
    """Where finished runs wait for the store."""
    return data_dir(root) / "pending"


def keep(root: Path, record: RunRecord) -> Path:
    """Write ``record`` to the pending folder in one step; its path. Raises OSError."""
    folder = pending_dir(root)
    make_dirs(folder)
    name = f"run-{record.started.strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}.pickle"
    tmp = folder / f".{name}.tmp"
    try:
        with open(tmp, "wb") as handle:
            pickle.dump(record, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return folder / name


def load(path: Path) -> RunRecord:
    """The run kept in ``path``. Raises ValueError when it is not one (or not ours)."""
    try:
        info = path.stat()
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise ValueError("not written by the current user")
        if info.st_size > MAX_BYTES:
            raise ValueError("too large to be a run")
        record = _RunUnpickler(io.BytesIO(path.read_bytes())).load()
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError) as exc:
        raise ValueError(str(exc)) from exc
    if not isinstance(record, RunRecord):
        raise ValueError("not a run")
    return record


def is_locked(exc: StoreError) -> bool:
    """Whether the store refused because another process holds its lock (worth waiting)."""
    name = str(getattr(exc.__cause__, "sqlite_errorname", "") or "")
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def wait_seconds() -> float:
    """How long to wait for a locked store (``TRACKER_LOCK_WAIT``, seconds)."""
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


def add_patiently(store: Store, record: RunRecord, say: Say, wait: float) -> int:
    """``store.add_run(record)``, trying again while the store is locked, up to ``wait``
    seconds (each try itself waits the store's timeout); StoreError after that."""
    deadline = time.monotonic() + wait
    started = time.monotonic()
    told = 0.0
    while True:
        try:
            return store.add_run(record)
        except StoreError as exc:
            now = time.monotonic()
            if not is_locked(exc) or now >= deadline:
                raise
            if not told or now - told >= REMIND_SECONDS:
                told = now
                say(f"tracker: {store.path} is locked by another process; waiting up to "
                    f"{wait:g} s to record the finished run ({now - started:.0f} s so far)")
            time.sleep(min(0.5, max(0.0, deadline - now)))


def record_kept(store: Store, root: Path, say: Say, *, wait: float = 0.0,
                own: Path | None = None, own_record: RunRecord | None = None) -> int | None:
    """Record the kept runs, oldest first; the id given to ``own`` (a path :func:`keep`
    returned), None when it was not recorded. Stops at the first run the store refuses,
    leaving it and the later ones kept (raises that StoreError when ``own`` is given).
    ``own_record``: the run ``own`` holds, so that it is not read back (the user waits)."""
    own_id = None
    for path in sorted(pending_dir(root).glob("run-*.pickle")):
        try:
            record = own_record if path == own and own_record is not None else load(path)
        except ValueError as exc:
            if path == own:
                raise StoreError(f"the finished run could not be kept aside ({exc})") from exc
            say(f"tracker: {path} is not a run tracker can read ({exc}); left as it is")
            continue
        try:
            run_id = _add_once(store, record, path, say, wait, newer_wins=path != own)
        except StoreError:
            if own is not None:
                raise
            say(f"tracker: the store is busy; {path.name} stays kept for the next run")
            return None
        if path == own:
            own_id = run_id
        elif run_id is not None:
            say(f"tracker: recorded run {run_id} (started {record.started:%Y-%m-%d %H:%M}), "
                "kept by an earlier tracker run that could not record it")
    return own_id


def _add_once(store: Store, record: RunRecord, path: Path, say: Say, wait: float, *,
              newer_wins: bool) -> int | None:
    """Add a kept run unless the store has it already or (``newer_wins``) holds a run that
    finished after it; delete the file once it is stored. The id, or None if not added."""
    recent = store.runs(limit=50)
    same = [r.id for r in recent if (r.started, r.finished) == (record.started, record.finished)]
    if same:  # stored before the file could be deleted (the process died in between)
        _remove(path)
        return same[0]
    newer = [r.id for r in recent if r.finished > record.finished]
    if newer_wins and newer:
        say(f"tracker: {path} holds a run that finished before run {newer[0]}; not recorded, "
            "as it would hide newer results: delete the file to drop it")
        return None
    run_id = add_patiently(store, record, say, wait)
    _remove(path)
    return run_id


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def record_run(store: Store, root: Path, record: RunRecord, say: Say) -> int:
    """Record a finished run, never losing it: kept aside first, then recorded after any
    runs kept before it; its id. On StoreError the run stays kept, and the message says
    where and that the next ``tracker run`` records it."""
    try:
        own = keep(root, record)
    except OSError as exc:  # a full disk: the store may still take it
        say(f"tracker: could not keep the run aside in {pending_dir(root)} "
            f"({exc.strerror}); recording it directly")
        return add_patiently(store, record, say, wait_seconds())
    try:
        run_id = record_kept(store, root, say, wait=wait_seconds(), own=own,
                             own_record=record)
    except StoreError as exc:
        raise StoreError(f"{exc}; the run is kept in {own} and the next `tracker run` "
                         "records it") from exc
    assert run_id is not None, "this process's own run is always added"
    return run_id
