"""What the repository's files say about each item right now.

Resolves every test link (paths, globs, node ids, markers, fixtures, ``-k`` expressions and
``@pytest.mark.plan`` from the test side) to the tests the source holds, and runs every file
check. Test files are read once, lazily: a plan that links only paths never scans the tree;
and a file's tests are parsed again only when it changed (see :mod:`.scancache`).
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from tracker.evidence.keyword import haystack, parse_keyword
from tracker.evidence.patterns import BadPattern, FolderCache, PatternTooSlow, expand, search
from tracker.evidence.pytest_config import PytestConfig, read_pytest_config
from tracker.evidence.scancache import ScanCache, Stamp
from tracker.evidence.testscan import is_test_file, scan_source
from tracker.evidence.values import (
    CheckResult,
    ItemEvidence,
    LinkResult,
    ScannedFile,
    StaticTest,
    TargetResult,
    Workspace,
)
from tracker.gcpause import paused_gc
from tracker.paths import DATA_DIR
from tracker.plan.model import CheckKind, FileCheck, Item, LinkKind, Plan, TestLink
from tracker.problems import Location, Problem, Severity

#: A file larger than this is not searched by contains/lacks checks.
MAX_CHECK_BYTES = 50 * 1024 * 1024


_NO_EVIDENCE = ItemEvidence()


class _Index:
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
        self._globs: dict[str, list[str]] = {}
        self._folders = FolderCache(self._root_text)  #: listings shared by every glob
        self._skip_names: dict[str, bool] = {}
        self._named: list[tuple[StaticTest, str]] | None = None
        self._real_root = os.path.realpath(root)
        self._real_dirs: dict[str, str] = {}
        self._inside: dict[str, bool] = {}
        self._paths: dict[str, Path | None] = {}
        self._modes: dict[str, int] = {}

    def inside(self, path: Path | str) -> bool:
        """True when ``path`` (after symlinks) stays under the root."""
        text = os.fspath(path)
        known = self._inside.get(text)
        if known is None:
            folder = text.rpartition(os.sep)[0]
            real = os.path.realpath(text) if os.path.islink(text) else self._real_dir(folder)
            known = self._inside[text] = self._under_root(real)
        return known

    def path(self, relpath: str) -> Path | None:
        """``root / relpath`` when it stays under the root after symlinks, else None."""
        if relpath not in self._paths:
            path = self.root / relpath
            self._paths[relpath] = path if self.inside(path) else None
        return self._paths[relpath]

    def mode(self, path: Path) -> int:
        """The type and permission bits of ``path`` (symlinks followed); 0 when missing."""
        text = os.fspath(path)
        mode = self._modes.get(text)
        if mode is None:
            try:
                mode = os.stat(text).st_mode
            except (OSError, ValueError):
                mode = 0
            self._modes[text] = mode
        return mode

    def is_file(self, path: Path) -> bool:
        return stat.S_ISREG(self.mode(path))

    def is_dir(self, path: Path) -> bool:
        return stat.S_ISDIR(self.mode(path))

    def _real_dir(self, folder: str) -> str:
        """The real path of a folder, resolved once per folder."""
        real = self._real_dirs.get(folder)
        if real is None:
            real = self._real_dirs[folder] = os.path.realpath(folder or os.sep)
        return real

    def _under_root(self, real: str) -> bool:
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def glob(self, pattern: str) -> list[str]:
        """Files matching a glob under the root, each pattern computed once.

        tracker's own data folder is never evidence: what it holds (caches, the run store)
        comes and goes with tracker's use, not with the project's work. Nor is what lies in a
        folder pytest does not collect from (``.git``, virtual environments, ``node_modules``,
        ``norecursedirs``) unless the pattern names that folder: ``**/test_x.py`` must not
        find a test file of an installed package, nor spend its time walking one. Patterns
        are walked once per folder (:mod:`.patterns`), so repeated ``**`` cannot hang.
        """
        if pattern not in self._globs:
            clean = pattern.replace("\\", "/")
            clean = clean[2:] if clean.startswith("./") else clean
            # a pattern that names such a folder itself wants what is in it
            deliberate = any(self._skipped(seg) for seg in clean.split("/")[:-1]
                             if not any(c in seg for c in "*?["))
            # the walk does not enter such folders (unless deliberate): nothing to drop after
            matches = expand(self._folders, clean, _never if deliberate else self._skipped)
            self._globs[pattern] = sorted(
                rel for rel in matches if rel != DATA_DIR and not rel.startswith(DATA_DIR + "/")
                and self.inside(os.path.join(self._root_text, *rel.split("/"))))
        return self._globs[pattern]

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

    def walk(self, start: Path) -> Iterator[str]:
        """Python files under the folder ``start``, relative to the root, in os.walk order.

        Like ``os.walk`` (which it replaces, to use what ``os.scandir`` already knows instead
        of a system call per file): symlinked folders are not followed; folders pytest does
        not recurse into are skipped, and so are files whose real path leaves the root and
        anything but regular files.
        """
        prefix = self.rel(start)
        yield from self._walk(os.fspath(start), "" if prefix == "." else prefix + "/")

    def _walk(self, folder: str, prefix: str) -> Iterator[str]:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_name)
        except OSError:
            return
        subfolders = []
        for entry in entries:
            if _is_dir(entry):
                subfolders.append(entry)
            elif (entry.name.endswith(".py") and self._is_regular(entry)
                  and self._entry_inside(folder, entry)):
                yield prefix + entry.name
        for entry in subfolders:
            if not self._skipped(entry.name) and not entry.is_symlink():
                yield from self._walk(entry.path, f"{prefix}{entry.name}/")

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
                name in (".venv", "venv", ".tox", ".nox", ".git")
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
            fd = os.open(path, _Index._READ_FLAGS)
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


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def gather_workspace(plan: Plan, root: Path, config: PytestConfig | None = None) -> Workspace:
    """Resolve every item of ``plan`` against the files under ``root``.

    Saves the scans of the test files under ``root/.tracker/cache`` for the next run.
    """
    with paused_gc():  # thousands of acyclic results: collection passes would free nothing
        return _gather(plan, root, config or read_pytest_config(root))


def _gather(plan: Plan, root: Path, config: PytestConfig) -> Workspace:
    index = _Index(root, config, ScanCache.load(root, config))
    workspace = Workspace(root=root)
    resolver = _Resolver(root, index, workspace)
    marked = resolver.plan_markers(plan)
    for _, item in plan.items():
        workspace.items[item.id] = resolver.evidence(item, marked.get(item.id, ()))
    for scanned in index._scanned.values():
        for test in scanned.tests:
            workspace.tests.setdefault(test.nodeid, test)
    index.save_cache()
    return workspace


class _Resolver:
    def __init__(self, root: Path, index: _Index, workspace: Workspace) -> None:
        self.root = root
        self.index = index
        self.workspace = workspace
        self._links: dict[tuple[LinkKind, str], LinkResult] = {}
        self._checks: dict[tuple[CheckKind, str, str | None, bool], tuple[bool, str, int]] = {}
        self._targets: dict[str, tuple[str, ...]] = {}

    def warn(self, loc: Location, message: str) -> None:
        self.workspace.problems.append(Problem(loc, message, Severity.WARNING))

    def error(self, loc: Location, message: str) -> None:
        self.workspace.problems.append(Problem(loc, message))

    def safe(self, relpath: str, loc: Location) -> Path | None:
        """The path under root, or None (with an error) when a symlink leads out of it."""
        path = self.index.path(relpath)
        if path is None:
            self.error(loc, f"{relpath!r} resolves outside the repository (a symlink?): link "
                            "only files inside it")
            return None
        return path

    def plan_markers(self, plan: Plan) -> dict[str, list[StaticTest]]:
        ids = {item.id for _, item in plan.items()}
        found: dict[str, list[StaticTest]] = {}
        for test in self.index.all_tests(needle=b"plan"):
            for item_id in test.plan_items:
                if item_id in ids:
                    found.setdefault(item_id, []).append(test)
                else:
                    close = [i for i in ids if i.lower() == item_id.lower()]
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    self.warn(Location(test.file, test.line),
                              f"@pytest.mark.plan({item_id!r}) names no item of {plan.path}"
                              f"{hint}: fix the id or add the item")
        return found

    def evidence(self, item: Item, marked: list[StaticTest] | tuple[()]) -> ItemEvidence:
        """What the workspace shows for one item; ``marked``: tests naming it."""
        if not (item.tests or item.files or item.targets or marked):
            return _NO_EVIDENCE  # many items of a plan link nothing (yet)
        return ItemEvidence(
            links=tuple([self.link(link) for link in item.tests]),
            marked=tuple([t.nodeid for t in marked]),
            checks=tuple([self.check(c) for c in item.files]),
            targets=tuple([self.target(i, item) for i in range(len(item.targets))]),
        )

    def link(self, link: TestLink) -> LinkResult:
        key = (link.kind, link.value)
        known = self._links.get(key)
        if known is None:  # big plans repeat the same marker or -k link many times
            known = self._links[key] = self._link(link)
        # a link the source cannot show may still match at run time (a marker a conftest hook
        # adds): whether it matches nothing is for assess to say (Assessment.unmatched)
        return LinkResult(link, known.tests, known.files, known.problem, known.cases)

    def cases(self, nodeid: str) -> int:
        """How many test cases a node id stands for (parametrized tests count each case)."""
        if "[" in nodeid:
            return 1
        test = self.index.test(nodeid)
        return test.cases if test is not None else 1

    def _link(self, link: TestLink) -> LinkResult:
        """What a link resolves to, its test cases counted."""
        found = self._resolve(link)
        cases = sum(map(self.cases, found.tests))
        return LinkResult(link, found.tests, found.files, found.problem, cases)

    def _resolve(self, link: TestLink) -> LinkResult:
        match link.kind:
            case LinkKind.PATH:
                path = self.safe(link.value, link.location)
                if path is None:
                    return LinkResult(link, (), (), "it leaves the repository")
                if self.index.is_file(path):
                    files = [link.value.strip("/")]
                elif self.index.is_dir(path):
                    files = [f for f in self.index.walk(path)
                             if is_test_file(f, self.index.config)]
                else:
                    return LinkResult(link, (), (), "no such file or directory")
                return self._from_files(link, files)
            case LinkKind.GLOB:
                files = [f for f in self.index.glob(link.value) if f.endswith(".py")]
                if not files:
                    return LinkResult(link, (), (), "no file matches the glob")
                return self._from_files(link, files)
            case LinkKind.NODE:
                return self._node(link)
            case LinkKind.MARKER:
                tests = [t for t in self.index.all_tests(needle=link.value.encode())
                         if link.value in t.markers]
                return self._from_tests(link, tests, f"no test is marked {link.value!r}")
            case LinkKind.FIXTURE:
                tests = [t for t in self.index.all_tests(needle=link.value.encode())
                         if link.value in t.fixtures]
                return self._from_tests(link, tests, f"no test uses fixture {link.value!r}")
            case _:
                matcher = parse_keyword(link.value)
                tests = [t for t, names in self.index.named_tests() if matcher(names)]
                return self._from_tests(link, tests, "no test name matches the expression")

    def _from_files(self, link: TestLink, files: list[str]) -> LinkResult:
        tests = self.index.tests_in(files)
        broken = [self.index.scan(f) for f in files if self.index.scan(f).error]
        if broken:
            first = broken[0]
            return LinkResult(link, (), tuple(files),
                              f"{first.path}:{first.error_line} has a {first.error}")
        if not tests:
            return LinkResult(link, (), tuple(files), "the files hold no test functions")
        return LinkResult(link, tuple(t.nodeid for t in tests), tuple(files))

    def _from_tests(self, link: TestLink, tests: list[StaticTest], why: str) -> LinkResult:
        if not tests:
            return LinkResult(link, (), (), why)
        return LinkResult(link, tuple(t.nodeid for t in tests),
                          tuple(dict.fromkeys(t.file for t in tests)))

    def _node(self, link: TestLink) -> LinkResult:
        relpath, _, rest = link.value.partition("::")
        path = self.safe(relpath, link.location)
        if path is None:
            return LinkResult(link, (), (), "it leaves the repository")
        if not self.index.is_file(path):
            return LinkResult(link, (), (), f"{relpath} does not exist")
        scanned = self.index.scan(relpath)
        if scanned.error:
            return LinkResult(link, (), (relpath,),
                              f"{relpath}:{scanned.error_line} has a {scanned.error}")
        params = ""
        if rest.endswith("]") and "[" in rest:
            rest, params = rest[: rest.index("[")], rest[rest.index("["):]
        wanted = f"{relpath}::{rest}"
        for test in scanned.tests:
            if test.nodeid == wanted:
                if params and not test.parametrized:
                    return LinkResult(link, (), (relpath,),
                                      f"{test.name} is not parametrized, so {params} cannot "
                                      "exist")
                return LinkResult(link, (test.nodeid + params,), (relpath,))
        # a class (or nested class) node id selects every test inside it
        inside = [t for t in scanned.tests if t.nodeid.startswith(wanted + "::")]
        if inside and not params:
            return LinkResult(link, tuple(t.nodeid for t in inside), (relpath,))
        return LinkResult(link, (), (relpath,), f"{relpath} has no test {rest!r}")

    def check(self, check: FileCheck) -> CheckResult:
        if check.kind is CheckKind.GLOB:
            files = self.index.glob(check.path)
            ok = len(files) >= check.min_files
            return CheckResult(check, ok, f"{len(files)} of {check.min_files} files match",
                               len(files))
        path = self.safe(check.path, check.location)
        if path is None:
            return CheckResult(check, False, "outside the repository")
        key = (check.kind, check.path, check.pattern, check.regex)
        state = self._checks.get(key)
        if state is None:  # big plans check the same files for the same text many times
            state = self._checks[key] = self._file_state(check, path)
        ok, detail, count = state
        return CheckResult(check, ok, detail, count)

    def _file_state(self, check: FileCheck, path: Path) -> tuple[bool, str, int]:
        """Whether a (non-glob) file check holds: ok, detail and files matched."""
        exists = self.index.mode(path) != 0
        if check.kind is CheckKind.EXISTS:
            return exists, "exists" if exists else "missing", int(exists)
        if check.kind is CheckKind.ABSENT:
            return not exists, "still exists" if exists else "absent", 0
        if not self.index.is_file(path):
            return False, "file missing", 0
        try:
            if path.stat().st_size > MAX_CHECK_BYTES:
                return False, "file too large to search", 0
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return False, f"unreadable ({exc.strerror})", 0
        pattern = check.pattern or ""
        if check.regex:
            try:
                found = search(pattern, text)
            except PatternTooSlow as exc:  # neither contains nor lacks is known: not holding
                self.warn(check.location, f"the regular expression {pattern!r} is too slow on "
                                          f"{check.path} ({exc}): it backtracks; write it "
                                          "without nested repeats such as (a+)+")
                return False, "pattern too slow", 1
            except BadPattern as exc:
                self.error(check.location, f"invalid regular expression {pattern!r}: {exc}")
                return False, "invalid regular expression", 1
        else:
            found = pattern in text
        if check.kind is CheckKind.CONTAINS:
            return found, "found" if found else "not found", 1
        return not found, "still present" if found else "gone", 1

    def target(self, index: int, item: Item) -> TargetResult:
        target = item.targets[index]
        where = item.target_location(index)
        if "*" in target or "?" in target or "[" in target:
            files = tuple(self.index.glob(target))
        else:
            path = self.safe(target, where)
            files = () if path is None else self._target_files(target, path)
        if not files:
            self.warn(where, f"target {target!r} of item {item.id!r} matches no file: fix the path")
        return TargetResult(target, files)

    def _target_files(self, target: str, path: Path) -> tuple[str, ...]:
        """The files a (non-glob) target names: a file, or a folder's Python files."""
        files = self._targets.get(target)
        if files is None:
            if self.index.is_dir(path):
                files = tuple(self.index.walk(path))
            else:
                files = (target,) if self.index.is_file(path) else ()
            self._targets[target] = files
        return files
