"""An on-disk cache of the static test scan, so that unchanged test files are not parsed again.

Parsing every test file with :mod:`ast` is most of what reading a workspace costs, and its
result changes only when the file does. The cache lives in the project's git-ignored data
folder, ``<root>/.tracker/cache/testscan.json``. A file's entry is used only while the file's
size and modification time (in nanoseconds) are what they were when it was parsed; the whole
cache only while tracker's version, the Python interpreter (which decides what parses) and the
collection settings that shape a scan are the ones it was written with.

A cache must never change an answer: a file that cannot be read, does not parse or holds
anything unexpected is ignored, and the test files are parsed again. Writing replaces the file
in one step, so readers never see half of it, and is skipped quietly when the folder cannot be
created or written (a read-only checkout still renders).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from tracker import __version__
from tracker.evidence.pytest_config import PytestConfig
from tracker.evidence.values import ScannedFile, StaticTest
from tracker.paths import data_dir, replace_quietly

#: Version of the file's layout, and of what a scan finds: bump it when either changes, so
#: that entries written by an older scan are not taken for what today's scan would find.
#:
#: 1. The first layout.
#: 2. The same layout; the scan now finds unittest.TestCase classes, inherited test methods
#:    and honours ``__test__``, so older entries can miss tests.
#: 3. Fixtures named ``test_*`` and functions given ``__test__ = False`` after their
#:    definition are no longer taken for tests.
FORMAT = 3

_SECOND = 1_000_000_000
_STR = {str}

#: A cache file larger than this is not ours: it is ignored rather than read into memory.
MAX_CACHE_BYTES = 64 * 1024 * 1024

#: What identifies a version of a file: (size, mtime_ns).
Stamp = tuple[int, int]


def cache_path(root: Path) -> Path:
    """Where the scan cache of the project at ``root`` lives."""
    return data_dir(root) / "cache" / "testscan.json"


class ScanCache:
    """Scanned test files by relative path, valid while their stamp is unchanged."""

    def __init__(self, path: Path, config: PytestConfig) -> None:
        self.path = path
        self.key = _key(config)
        self.entries: dict[str, list[Any]] = {}  #: relpath -> entry as stored (JSON-ready)
        self.changed = False
        self.now_ns = time.time_ns()

    @classmethod
    def load(cls, root: Path, config: PytestConfig) -> ScanCache:
        """The cache of ``root`` as last saved; empty when missing, unreadable or outdated."""
        cache = cls(cache_path(root), config)
        cache.entries = _read(cache.path, cache.key)
        return cache

    def get(self, relpath: str, stamp: Stamp) -> ScannedFile | None:
        """The scan of ``relpath`` if its file still has ``stamp``; None means parse it."""
        entry = self.entries.get(relpath)
        if entry is None:
            return None
        scanned = _decode(relpath, entry, stamp)
        if scanned is None:  # the file changed (or the entry is damaged): forget it
            del self.entries[relpath]
            self.changed = True
        return scanned

    def put(self, relpath: str, stamp: Stamp, scanned: ScannedFile) -> None:
        """Remember a fresh scan, unless the file changed too recently to be trusted."""
        if not settled(stamp[1], self.now_ns):
            return
        self.entries[relpath] = _encode(stamp, scanned)
        self.changed = True

    def save(self, keep: set[str]) -> None:
        """Write the cache if anything changed, with the entries of the ``keep`` files only.

        Never raises: a cache that cannot be written only means parsing again next time.
        """
        kept = {rel: self.entries[rel] for rel in sorted(self.entries) if rel in keep}
        if not self.changed and len(kept) == len(self.entries):
            return
        text = json.dumps({"format": FORMAT, "key": self.key, "files": kept},
                          separators=(",", ":"))
        replace_quietly(self.path, text.encode("utf-8"))
        self.entries, self.changed = kept, False


def settled(mtime_ns: int, now_ns: int) -> bool:
    """True when a file last changed long enough before ``now_ns`` for any later change to show.

    A file rewritten within the same tick of the file system's clock, at the same size, keeps
    its stamp; so a scan is only cached once its file has been left alone for longer than a
    tick. File systems that keep whole seconds (FAT counts in 2 s, HFS+ and ext3 in 1 s) get
    2 s; the others count in nanoseconds but move with the system clock's tick (at most about
    16 ms), for which a tenth of a second is ample.
    """
    window = 2 * _SECOND if mtime_ns % _SECOND == 0 else _SECOND // 10
    return mtime_ns < now_ns - window


def _key(config: PytestConfig) -> list[Any]:
    """What the whole cache depends on, as JSON would give it back."""
    return [__version__, sys.version, list(config.python_classes),
            list(config.python_functions)]


def _read(path: Path, key: list[Any]) -> dict[str, list[Any]]:
    """The stored entries when the file is ours and current; {} for anything else."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_CACHE_BYTES:
                return {}
            data = json.loads(handle.read())
    except (OSError, ValueError, RecursionError):  # missing, unreadable, not JSON
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _encode(stamp: Stamp, scanned: ScannedFile) -> list[Any]:
    tests = [[t.name, list(t.classes), t.line, sorted(t.markers), sorted(t.fixtures),
              list(t.plan_items), t.cases, t.parametrized] for t in scanned.tests]
    return [stamp[0], stamp[1], scanned.error, scanned.error_line, tests]


def _decode(relpath: str, entry: Any, stamp: Stamp) -> ScannedFile | None:
    """The stored scan when the entry is well formed and still matches the file, else None.

    Every value is type-checked: the file could have been damaged or edited, and a wrong type
    would surface much later as a crash or a wrong answer instead of a re-parse.
    """
    if not isinstance(entry, list) or len(entry) != 5:
        return None
    size, mtime_ns, error, error_line, tests = entry
    if (type(size) is not int or type(mtime_ns) is not int or (size, mtime_ns) != stamp
            or not (error is None or type(error) is str) or type(error_line) is not int
            or not isinstance(tests, list)):
        return None
    decoded = []
    for test in tests:
        static = _decode_test(relpath, test)
        if static is None:
            return None
        decoded.append(static)
    return ScannedFile(relpath, tuple(decoded), error, error_line)


def _decode_test(relpath: str, test: Any) -> StaticTest | None:
    if type(test) is not list or len(test) != 8:
        return None
    name, classes, line, markers, fixtures, plan_items, cases, parametrized = test
    if (type(line) is not int or type(cases) is not int or type(parametrized) is not bool
            or not (type(classes) is type(markers) is type(fixtures) is type(plan_items) is list)
            or not set(map(type, (name, *classes, *markers, *fixtures, *plan_items))) <= _STR):
        return None
    return StaticTest(nodeid="::".join((relpath, *classes, name)), file=relpath, name=name,
                      classes=tuple(classes), line=line, markers=frozenset(markers),
                      fixtures=frozenset(fixtures), plan_items=tuple(plan_items), cases=cases,
                      parametrized=parametrized)

