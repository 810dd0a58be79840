"""An on-disk cache of loaded plans, keyed by the plan's exact text.

Validating a plan is a pure function of its text and the name it is shown under, and it is
most of what every command pays before it can say anything: a 2,000-item plan.yaml takes
tens of milliseconds to compose, convert and check, while the same result read back from a
pickle takes a fraction of that. Plans are read far more often than they change (every render,
status, CI check and TUI start), so the result is kept in the project's git-ignored data
folder, ``<root>/.tracker/cache/``, one file per plan name.

A cache must never change an answer. An entry is used only when the SHA-256 of the plan's
text and name, tracker's version, the interpreter, and the size and modification time of the
modules that do the loading (so an edited checkout never reads results of its older self) are
all what they were when it was written; anything else, including a damaged or foreign file,
means loading the plan again. Writing replaces the file in one step and is skipped quietly
when the folder cannot be written (a read-only checkout still works); the ``tracker`` program
leaves it to a child process once its output is out (:func:`tracker.cli.entry`), so a command
that had to build the plan does not also wait for it to be pickled.

The entries are pickles, as in black's and jedi's caches: only tracker writes this folder,
and anyone who can write it can already change the repository it sits in. A file not owned by
the current user is not read.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

from tracker import __version__
from tracker.paths import data_dir
from tracker.pickle_cache import code_stamp, read_entry, write_entry_later

T = TypeVar("T")

#: Version of the entry layout; bump it when the layout changes.
FORMAT = 1

#: A cache file larger than this is not ours: it is ignored rather than read.
MAX_ENTRY_BYTES = 256 * 1024 * 1024

#: Text smaller than this loads faster than a cache file can be checked and read.
MIN_TEXT_CHARS = 16 * 1024


def cache_file(root: Path, name: str) -> Path:
    """Where the cached load of the plan shown as ``name`` lives."""
    tag = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return data_dir(root) / "cache" / f"plan-{tag}.pickle"


def cached(root: Path | None, name: str, text: str, build: Callable[[], T]) -> T:
    """``build()``, or its result from the last time this exact text was built.

    ``build`` must be a pure function of ``text`` and ``name``; ``root`` is the project whose
    data folder holds the cache (None: no cache, just build).
    """
    if root is None or len(text) < MIN_TEXT_CHARS:
        return build()
    key = _key(name, text)
    path = cache_file(root, name)
    found = _read(path, key)
    if found is not None:
        return cast(T, found)  # written by this same build for this same key
    result = build()
    _write(path, key, result)
    return result


def _key(name: str, text: str) -> bytes:
    digest = hashlib.sha256()
    for part in (str(FORMAT), __version__, sys.version, _code_stamp(), name):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.digest()


#: The files of the code that decides a load's result (relative to the tracker package): an
#: edit to any of them must show in the key. tests/test_plan_cache.py checks that loading a
#: plan imports no tracker module missing here.
LOADING_FILES = (
    "__init__.py", "gcpause.py", "paths.py", "pickle_cache.py", "pickling.py", "problems.py",
    "text.py",
    "evidence/__init__.py", "evidence/keyword.py",
    "plan/__init__.py", "plan/cache.py", "plan/dates.py", "plan/fields.py", "plan/links.py",
    "plan/load.py", "plan/measures.py", "plan/model.py", "plan/phases.py", "plan/reader.py",
    "plan/records.py", "plan/yaml_problems.py", "plan/yamlread.py",
)


def _code_stamp() -> str:
    """Size and mtime of every file of the loading code: an edit in a checkout shows."""
    return code_stamp(LOADING_FILES)


def _read(path: Path, key: bytes) -> object | None:
    """The stored result when the file is ours and was written for ``key``; else None."""
    return read_entry(path, key, MAX_ENTRY_BYTES)


_write = write_entry_later  # the CLI entry point writes it after the output, in a child
