"""The git log of :mod:`tracker.history.log`, kept in ``.tracker/cache`` by HEAD.

Every render, ``status --json`` and terminal UI start that shows what items changed needs
the whole history behind HEAD, and walking it (with rename detection) is the slowest thing
they do on a long history: seconds for tens of thousands of commits. What the walk finds is a
function of the commits reachable from HEAD and of the files followed, so it is kept, keyed
by HEAD's id, the plan folder's place in the repository, the shallow boundary, the files
followed, tracker's version and the code that parses the log; a warm command only asks git
for HEAD (one ``rev-parse``). A new commit, a checkout, a fetch that deepens a shallow clone
or a newly linked file makes a new key, so the cache never changes an answer.

The entry is a pickle, as the plan cache's (:mod:`tracker.plan.cache`): only tracker writes
the folder, a file not owned by the current user is not read, and a damaged one is rebuilt.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

from tracker import __version__
from tracker.evidence.commits import GitLog
from tracker.history.log import PendingLog
from tracker.paths import data_dir
from tracker.pickle_cache import code_stamp, write_entry
from tracker.pickle_cache import read_entry as _read_entry

#: Version of the entry layout; bump it when GitLog or the parsing changes meaning.
FORMAT = 1
#: A cache file larger than this is not ours: it is ignored rather than read.
MAX_ENTRY_BYTES = 512 * 1024 * 1024
#: The modules whose code decides the cached value (relative to the tracker package).
_CODE = ("history/log.py", "history/log_cache.py", "evidence/commits.py")


def cache_file(root: Path) -> Path:
    """Where the cached log of the project at ``root`` lives (one entry: HEAD moves on)."""
    return data_dir(root) / "cache" / "gitlog.pickle"


def cached_log(root: Path, paths: Iterable[str]) -> GitLog:
    """:func:`tracker.history.log.read_log` of ``root`` following ``paths``, from the cache
    when it holds this HEAD and these paths; never raises (see ``GitLog.problem``)."""
    wanted = sorted(set(paths))
    pending = PendingLog(root, start=False)
    if pending.head is None:
        return pending.result(wanted)  # nothing to walk: the problem says why
    key = _key(pending, wanted)
    path = cache_file(root)
    found = read_entry(path, key)
    if isinstance(found, GitLog):
        return found
    log = pending.result(wanted)
    if log.problem is None or pending.shallow:  # a failed git log is not kept
        write_entry(path, key, log)
    return log


def _key(pending: PendingLog, paths: list[str]) -> bytes:
    return entry_key(_CODE, str(FORMAT), pending.head or "", pending.prefix,
                     *sorted(pending.shallow), "\0paths", *paths)


def entry_key(code: Iterable[str], *parts: str) -> bytes:
    """The key of a cache entry: ``parts``, tracker's version, the interpreter and the size and
    mtime of the modules ``code`` names (relative to the tracker package), which decide the
    value, so an edited checkout never reads what its older self wrote."""
    digest = hashlib.sha256()
    for part in (__version__, sys.version, code_stamp(code), *parts):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.digest()


def read_entry(path: Path, key: bytes) -> object | None:
    """The stored value when the file is ours and was written for ``key``; else None."""
    return _read_entry(path, key, MAX_ENTRY_BYTES)
