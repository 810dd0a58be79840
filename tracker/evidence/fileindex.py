"""The repository's test files and file-system facts, each looked at once.

Resolving a plan asks the same questions many times over: which files a glob matches
(walked once per folder, see :mod:`.patterns`), whether a path is a file, a folder or leads
out of the repository, what tests a file holds. :class:`FileIndex` answers each once per
judgement, reads test files lazily (a plan that links only paths never scans the tree) and
parses a file again only when it changed (:mod:`.scancache`).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from tracker.evidence.dirents import Entries
from tracker.evidence.keyword import haystack
from tracker.evidence.patterns import FolderCache, expand
from tracker.evidence.pytest_config import PytestConfig
from tracker.evidence.scancache import ScanCache, Stamp
from tracker.evidence.testscan import is_test_file, scan_source
from tracker.evidence.values import ScannedFile, StaticTest
from tracker.paths import DATA_DIR

#: Folders that hold no project file in any project: version control, virtual environments,
#: installed packages and caches. Globs over sources (targets, file checks) leave out only
#: these; ``norecursedirs`` says where pytest collects tests, not where sources live.
ENVIRONMENTS = frozenset((".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox",
                          "node_modules", "site-packages", "__pycache__", ".mypy_cache",
                          ".pytest_cache", ".ruff_cache"))


#: Whether a folder its parent's listing shows as a plain folder (not a symlink) is where its
#: path says. Not on Windows: a junction lists as a plain folder yet leads elsewhere, and
#: only ``realpath`` resolves it.
_LISTED_FOLDERS_ARE_REAL = os.name != "nt"


class FileIndex:
    """The repository's test files, scanned lazily, and file-system facts asked for repeatedly.

    A big plan names the same files, folders and globs many times over; each is looked at once.
    """

    def __init__(self, root: Path, config: PytestConfig, cache: ScanCache | None = None) -> None:
        self.root = root
        self.config = config
        self.cache = cache
        self._root_text = os.fspath(root)
        self._files: list[str] | None = None
        self._scanned: dict[str, ScannedFile] = {}
        self._bytes: dict[str, bytes] = {}
        self._stamps: dict[str, Stamp | None] = {}
        self._by_id: dict[str, dict[str, StaticTest]] = {}
        self._globs: dict[tuple[str, bool], list[str]] = {}
        self._folders = FolderCache(self._root_text)  #: listings shared by every glob
        self._skip_names: dict[str, bool] = {}
        self._named: list[tuple[StaticTest, str]] | None = None
        self._real_root = os.path.realpath(root)
        self._real_dirs: dict[str, str] = {}
        self._inside: dict[str, bool] = {}
        self._paths: dict[str, Path | None] = {}
        self._modes: dict[str, int] = {}
        self._entries = Entries()  #: one os.scandir per folder answers what paths are

    def inside(self, path: Path | str) -> bool:
        """True when ``path`` (after symlinks) stays under the root."""
        text = os.fspath(path)
        known = self._inside.get(text)
        if known is None:
            folder = text.rpartition(os.sep)[0]
            linked = self._entries.is_link(text)
            real = os.path.realpath(text) if linked else self._real_dir(folder)
            known = self._inside[text] = self._under_root(real)
        return known

    def path(self, relpath: str) -> Path | None:
        """``root / relpath`` when it stays under the root after symlinks, else None."""
        if relpath not in self._paths:
            path = self.root / relpath
            self._paths[relpath] = path if self.inside(path) else None
        return self._paths[relpath]

    def mode(self, path: Path) -> int:
        """The type bits of ``path``'s mode (symlinks followed); 0 when missing. Served from
        the listing of its folder (:mod:`.dirents`), not a ``stat`` per path."""
        text = os.fspath(path)
        mode = self._modes.get(text)
        if mode is None:
            mode = self._modes[text] = self._entries.mode(text)
        return mode

    def size(self, path: Path) -> int:
        """The size of the file at ``path``; raises OSError when it cannot be stat-ed."""
        return self._entries.size(os.fspath(path))

    def is_file(self, path: Path) -> bool:
        return stat.S_ISREG(self.mode(path))

    def is_dir(self, path: Path) -> bool:
        return stat.S_ISDIR(self.mode(path))

    def _real_dir(self, folder: str) -> str:
        """The real path of a folder, resolved once per folder."""
        real = self._real_dirs.get(folder)
        if real is None:
            # a plain subfolder of a folder under the root: its parent's real path and its
            # name, from the parent's listing, without resolving every component again
            parent, _, name = folder.rpartition(os.sep)
            entry = (self._entries.entry(folder) if _LISTED_FOLDERS_ARE_REAL
                     and folder.startswith(self._root_text + os.sep) else None)
            if entry is not None and not entry.is_symlink() and _is_dir(entry):
                real = self._real_dir(parent) + os.sep + name
            else:
                real = os.path.realpath(folder or os.sep)
            self._real_dirs[folder] = real
        return real

    def _under_root(self, real: str) -> bool:
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def glob(self, pattern: str, *, tests: bool = True) -> list[str]:
        """Files matching a glob under the root, each pattern computed once.

        tracker's own data folder is never evidence: what it holds (caches, the run store)
        comes and goes with tracker's use, not with the project's work. Nor is what lies in
        version control, virtual environments or installed packages (:data:`ENVIRONMENTS`),
        and, for a glob of test files (``tests``), in a folder pytest does not collect from
        (``norecursedirs``), unless the pattern names that folder: ``**/test_x.py`` must not
        find a test file of an installed package, nor spend its time walking one. A glob of
        sources (a target, a file check) does enter ``norecursedirs``: a project may keep
        its sources in a folder named ``build`` or ``py``. Patterns are walked once per
        folder (:mod:`.patterns`), so repeated ``**`` cannot hang.
        """
        key = (pattern, tests)
        if key not in self._globs:
            skipped = self._skipped if tests else _environment
            clean = pattern.replace("\\", "/")
            clean = clean[2:] if clean.startswith("./") else clean
            # a pattern that names such a folder itself wants what is in it
            deliberate = any(skipped(seg) for seg in clean.split("/")[:-1]
                             if not any(c in seg for c in "*?["))
            # the walk does not enter such folders (unless deliberate): nothing to drop after
            matches = expand(self._folders, clean, _never if deliberate else skipped)
            self._globs[key] = sorted(
                rel for rel in matches if rel != DATA_DIR and not rel.startswith(DATA_DIR + "/")
                and self.inside(os.path.join(self._root_text, *rel.split("/"))))
        return self._globs[key]

    def test(self, nodeid: str) -> StaticTest | None:
        """The statically known test with this node id (no parameters)."""
        relpath = nodeid.split("::", 1)[0]
        tests = self._by_id.get(relpath)
        if tests is None:
            tests = self._by_id[relpath] = {t.nodeid: t for t in self.scan(relpath).tests}
        return tests.get(nodeid)

    def test_files(self) -> list[str]:
        if self._files is None:
            starts = [self.root / p for p in self.config.testpaths] or [self.root]
            found: list[str] = []
            for start in starts:
                if self.is_file(start):
                    found.append(self.rel(start))
                elif self.is_dir(start):
                    found.extend(f for f in self.walk(start) if is_test_file(f, self.config))
            self._files = sorted(set(found))
        return self._files

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def walk(self, start: Path, *, tests: bool = True) -> Iterator[str]:
        """Python files under the folder ``start``, relative to the root, in os.walk order.

        Like ``os.walk`` (which it replaces, to use what ``os.scandir`` already knows instead
        of a system call per file): symlinked folders are not followed; environments are
        skipped, and so are folders pytest does not recurse into when looking for ``tests``
        (a folder target's sources are looked for there too), files whose real path leaves
        the root and anything but regular files.
        """
        prefix = self.rel(start)
        skipped = self._skipped if tests else _environment
        yield from self._walk(os.fspath(start), "" if prefix == "." else prefix + "/", skipped)

    def _walk(self, folder: str, prefix: str,
              skipped: Callable[[str], bool]) -> Iterator[str]:
        listing = self._entries.listing(folder)
        if listing is None:
            return
        entries = sorted(listing.values(), key=_name)
        subfolders = []
        for entry in entries:
            if _is_dir(entry):
                subfolders.append(entry)
            elif (entry.name.endswith(".py") and self._is_regular(entry)
                  and self._entry_inside(folder, entry)):
                yield prefix + entry.name
        for entry in subfolders:
            if not skipped(entry.name) and not entry.is_symlink():
                yield from self._walk(entry.path, f"{prefix}{entry.name}/", skipped)

    @staticmethod
    def _is_regular(entry: os.DirEntry[str]) -> bool:
        """True for a regular file (symlinks followed), as pytest collects: not a FIFO,
        socket or device named like a test file, nor a dangling symlink."""
        try:
            return entry.is_file()
        except OSError:
            return False

    def _entry_inside(self, folder: str, entry: os.DirEntry[str]) -> bool:
        if not entry.is_symlink():
            return self._under_root(self._real_dir(folder))
        return self.inside(entry.path)

    def _skipped(self, name: str) -> bool:
        """True for a folder pytest would not collect from (norecursedirs, environments);
        answered once per name (a tree repeats names such as ``tests`` and ``src``)."""
        known = self._skip_names.get(name)
        if known is None:
            known = self._skip_names[name] = (
                name in ENVIRONMENTS
                or any(fnmatch.fnmatchcase(name, pat) for pat in self.config.norecursedirs))
        return known

    def stamp(self, relpath: str) -> Stamp | None:
        """Size and mtime of a file, taken once and always before its bytes are read; None
        when it is missing or not a regular file (then it is never read)."""
        if relpath not in self._stamps:
            try:
                info = os.stat(self.root / relpath)
            except (OSError, ValueError):
                info = None
            self._stamps[relpath] = ((info.st_size, info.st_mtime_ns)
                                     if info is not None and stat.S_ISREG(info.st_mode) else None)
        return self._stamps[relpath]

    def read(self, relpath: str) -> bytes:
        """A file's bytes, read once; b"" when it is missing, unreadable or not a regular file.

        A FIFO, socket or device named like a test file is never opened for reading: a FIFO
        would block the read until some writer came, which is forever.
        """
        data = self._bytes.get(relpath)
        if data is None:
            # the stamp first: a change after it is seen next time; and it tells regular files
            regular = self.stamp(relpath) is not None
            data = self._read_regular(self.root / relpath) if regular else b""
            self._bytes[relpath] = data
        return data

    #: Opening never waits (for a FIFO's writer, a device): what was stat-ed as a regular file
    #: could be replaced before it is opened, so the open file's type is checked again.
    _READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
                   | getattr(os, "O_BINARY", 0))

    @staticmethod
    def _read_regular(path: Path) -> bytes:
        """The bytes of ``path`` if it is a regular file when opened, else b""."""
        try:
            fd = os.open(path, FileIndex._READ_FLAGS)
        except (OSError, ValueError):
            return b""
        try:
            with open(fd, "rb") as handle:  # closes fd
                if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return handle.read()
        except OSError:
            pass
        return b""

    def scan(self, relpath: str) -> ScannedFile:
        scanned = self._scanned.get(relpath)
        if scanned is None:
            scanned = self._scanned[relpath] = self._scan(relpath)
        return scanned

    def _scan(self, relpath: str) -> ScannedFile:
        """The file's tests from the cache when it is unchanged, else parsed (and cached)."""
        stamp = self.stamp(relpath) if self.cache is not None else None
        if stamp is not None and self.cache is not None:
            cached = self.cache.get(relpath, stamp)
            if cached is not None:
                return cached
        scanned = scan_source(self.read(relpath), relpath, self.config)
        if stamp is not None and self.cache is not None:
            self.cache.put(relpath, stamp, scanned)
        return scanned

    def scanned(self) -> list[ScannedFile]:
        """The test files scanned so far."""
        return list(self._scanned.values())

    def save_cache(self) -> None:
        """Store what was scanned, for the next run (files no longer listed are dropped)."""
        if self.cache is not None:
            self.cache.save(set(self._scanned) | set(self._files or ()))

    def tests_in(self, relpaths: list[str]) -> list[StaticTest]:
        return [t for f in relpaths for t in self.scan(f).tests]

    def all_tests(self, needle: bytes | None = None) -> list[StaticTest]:
        """All tests; with ``needle``, only files whose bytes contain it are parsed."""
        files = self.test_files()
        if needle is not None:
            files = [f for f in files if needle in self.read(f)]
        return self.tests_in(files)

    def named_tests(self) -> list[tuple[StaticTest, str]]:
        """Every test with the names a -k expression is matched against (its haystack),
        built once for all the plan's expressions."""
        if self._named is None:
            self._named = [(t, haystack(t.names())) for t in self.all_tests()]
        return self._named


def _never(name: str) -> bool:
    return False


def _environment(name: str) -> bool:
    return name in ENVIRONMENTS


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
