"""Pickled cache entries in ``.tracker/cache``: one file each, the key written before the
value, read only when the file is ours and its key is the one asked for.

The plan cache (:mod:`tracker.plan.cache`) and the git log cache
(:mod:`tracker.history.log_cache`) keep their entries this way: only tracker writes the
folder, a file not owned by the current user or larger than a limit is not read, a damaged
one reads as missing (the caller rebuilds it and the write replaces it), and a write replaces
the file in one step and is skipped quietly where the folder cannot be written.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable
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


def _uid() -> int:
    getuid = getattr(os, "getuid", None)  # not on Windows, where st_uid is always 0
    return getuid() if getuid is not None else 0
