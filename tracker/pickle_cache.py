"""Pickled cache entries in ``.tracker/cache``: one file each, the key written before the
value, read only when the file is ours and its key is the one asked for.

The plan cache (:mod:`tracker.plan.cache`) and the git log cache
(:mod:`tracker.history.log_cache`) keep their entries this way: only tracker writes the
folder, a file not owned by the current user or larger than a limit is not read, a damaged
one reads as missing (the caller rebuilds it and the write replaces it), and a write replaces
the file in one step and is skipped quietly where the folder cannot be written.

A command that is about to exit need not wait for its cache to be written: inside
:func:`deferred_writes`, :func:`write_entry_later` only notes the entry, and
:func:`write_detached` then writes what was noted in a forked child process that the command
does not wait for (see there), so pickling a cold plan (a tenth of a cold ``tracker render``)
is no longer paid by the command that built it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path

from tracker.gcpause import paused_gc
from tracker.paths import replace_quietly

_PACKAGE = Path(__file__).resolve().parent


def code_stamp(modules: Iterable[str]) -> str:
    """Size and mtime of the modules (relative to the tracker package) whose code decides
    an entry's value: part of its key, so an edited checkout never reads what its older
    self wrote. "unknown" when one cannot be read."""
    stamps = []
    for name in modules:
        try:
            info = os.stat(_PACKAGE / name)
        except OSError:
            return "unknown"
        stamps.append(f"{info.st_size}:{info.st_mtime_ns}")
    return ",".join(stamps)


def read_entry(path: Path, key: bytes, max_bytes: int) -> object | None:
    """The stored value when the file is ours, at most ``max_bytes`` long and written for
    ``key``; else None."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_size > max_bytes or info.st_uid != _uid():
                return None
            if handle.read(len(key)) != key:
                return None
            data = handle.read()
    except OSError:
        return None
    try:
        with paused_gc():  # many acyclic objects, as when building them
            loaded: object = pickle.loads(data)
            return loaded
    except Exception:  # damaged: the caller builds it again, and the write replaces it
        return None


def write_entry(path: Path, key: bytes, value: object) -> None:
    """Keep ``value`` for ``key``, replacing the file in one step; never raises."""
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # something in it does not pickle: simply do not cache
        return
    replace_quietly(path, key + data, mode=0o600)


#: Entries to write later, by path (the last one noted for a path wins), while a
#: :func:`deferred_writes` block is active; None outside one.
Pending = dict[Path, tuple[bytes, object]]
_PENDING: ContextVar[Pending | None] = ContextVar("tracker_pending_cache_writes", default=None)


@contextlib.contextmanager
def deferred_writes() -> Iterator[Pending]:
    """A block whose :func:`write_entry_later` calls only note their entries, in the dict
    yielded: for the program's entry point, which hands them to :func:`write_detached` once
    its output is out. Library callers (the TUI, tests calling ``main``) never open one, so
    their writes happen where they did."""
    pending: Pending = {}
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


def write_now() -> None:
    """Stop deferring for the rest of the :func:`deferred_writes` block: write what was
    noted, and write later entries at once. For a command that runs long (the terminal UI):
    its plan would otherwise reach the cache only when it quits, and each reload of an
    unchanged plan would build it again."""
    pending = _PENDING.get()
    if pending is None:
        return
    _PENDING.set(None)
    for path, (key, value) in pending.items():
        write_entry(path, key, value)
    pending.clear()


def write_entry_later(path: Path, key: bytes, value: object) -> None:
    """:func:`write_entry`, or, inside :func:`deferred_writes`, a note to write it later."""
    pending = _PENDING.get()
    if pending is None:
        write_entry(path, key, value)
    else:
        pending[path] = (key, value)


def write_detached(entries: Mapping[Path, tuple[bytes, object]]) -> bool:
    """Write ``entries`` in a forked child that the caller does not wait for, or here and
    now where that cannot be done safely.

    For a command about to exit whose output is already flushed: the child gets the null
    device as stdin, stdout and stderr, holds no other descriptor of its parent (so whoever
    reads the command's output sees its end when the command exits, not when the child
    does), leaves the parent's session (a Ctrl-C at the terminal is not for it), runs no
    cleanup of its parent (``os._exit``), and writes each file as :func:`write_entry` does:
    under a temporary name, renamed in one step, so no reader ever sees half a file. Its
    exit status is never read, so it cannot change the command's. Where there is no
    ``fork`` (Windows), where it fails, or where other threads run (a forked copy of a
    threaded process may find a lock held forever), the entries are written inline.

    True when a child took them: the caller should then leave without tearing its heap
    down (see :func:`tracker.cli.entry`), since after a fork every page the teardown
    touches is first copied.
    """
    if not entries:
        return False
    pid = _fork()
    if pid is None:
        for path, (key, value) in entries.items():
            write_entry(path, key, value)
        return False
    if pid > 0:
        return True
    try:  # the child: everything here must end in os._exit
        gc.disable()  # no finalizer may close a descriptor number reused below
        _detach()
        for path, (key, value) in entries.items():
            write_entry(path, key, value)
    finally:
        os._exit(0)


def _fork() -> int | None:
    """``os.fork()``: 0 in the child, its pid in the parent; None where it is unavailable,
    failed, or unsafe because other threads run."""
    fork = getattr(os, "fork", None)
    threading = sys.modules.get("threading")  # not imported: no Python threads
    if fork is None or (threading is not None and threading.active_count() > 1):
        return None
    try:
        pid: int = fork()
    except OSError:
        return None
    return pid


def _detach() -> None:
    """In the forked child: the null device on 0-2, every other inherited descriptor closed,
    a session of its own."""
    with contextlib.suppress(OSError):
        os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, _max_fd())


def _max_fd() -> int:
    try:
        return max(int(os.sysconf("SC_OPEN_MAX")), 256)
    except (OSError, ValueError):
        return 65536


def _uid() -> int:
    getuid = getattr(os, "getuid", None)  # not on Windows, where st_uid is always 0
    return getuid() if getuid is not None else 0
