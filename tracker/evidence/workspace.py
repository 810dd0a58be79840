"""What the repository's files say about each item right now.

Resolves every test link (paths, globs, node ids, markers, fixtures, ``-k`` expressions and
``@pytest.mark.plan`` from the test side) to the tests the source holds, and runs every file
check. Test files are read once, lazily: a plan that links only paths never scans the tree.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tracker.evidence.keyword import parse_keyword
from tracker.evidence.pytest_config import PytestConfig, read_pytest_config
from tracker.evidence.testscan import ScannedFile, StaticTest, is_test_file, scan_source
from tracker.plan.model import CheckKind, FileCheck, Item, LinkKind, Plan, TestLink
from tracker.problems import Location, Problem, Severity

#: A file larger than this is not searched by contains/lacks checks.
MAX_CHECK_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LinkResult:
    """The tests one link resolved to, or why it resolved to none."""

    link: TestLink
    tests: tuple[str, ...]  #: node ids
    files: tuple[str, ...]  #: test files involved
    problem: str | None = None
    cases: int = 0  #: test cases, parametrized ones counted when the source shows them

    @property
    def resolved(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Whether a file check holds, with a short explanation."""

    check: FileCheck
    ok: bool
    detail: str
    count: int = 0  #: files the check matched


@dataclass(frozen=True, slots=True)
class TargetResult:
    """The source files an item's target names."""

    target: str
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ItemEvidence:
    """Everything the workspace shows for one item."""

    links: tuple[LinkResult, ...] = ()
    marked: tuple[str, ...] = ()  #: tests naming the item with @pytest.mark.plan
    checks: tuple[CheckResult, ...] = ()
    targets: tuple[TargetResult, ...] = ()

    def test_ids(self) -> tuple[str, ...]:
        """Every linked test, each once, in link order."""
        seen: dict[str, None] = {}
        for link in self.links:
            seen.update(dict.fromkeys(link.tests))
        seen.update(dict.fromkeys(self.marked))
        return tuple(seen)


@dataclass
class Workspace:
    """The workspace evidence of a whole plan."""

    root: Path
    items: dict[str, ItemEvidence] = field(default_factory=dict)
    tests: dict[str, StaticTest] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _Index:
    """Lazily scanned test files of the repository."""

    def __init__(self, root: Path, config: PytestConfig) -> None:
        self.root = root
        self.config = config
        self._files: list[str] | None = None
        self._scanned: dict[str, ScannedFile] = {}
        self._bytes: dict[str, bytes] = {}
        self._by_id: dict[str, dict[str, StaticTest]] = {}
        self._globs: dict[str, list[str]] = {}
        self._real_root = os.path.realpath(root)
        self._real_dirs: dict[str, str] = {}

    def inside(self, path: Path) -> bool:
        """True when ``path`` (after symlinks) stays under the root. Cached per folder."""
        text = os.fspath(path)
        folder, _, _ = text.rpartition(os.sep)
        real_dir = self._real_dirs.get(folder)
        if real_dir is None:
            real_dir = self._real_dirs[folder] = os.path.realpath(folder or os.sep)
        real = os.path.realpath(text) if os.path.islink(text) else real_dir
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def glob(self, pattern: str) -> list[str]:
        """Files matching a glob under the root, each pattern computed once."""
        if pattern not in self._globs:
            clean = pattern.replace("\\", "/")
            clean = clean[2:] if clean.startswith("./") else clean
            self._globs[pattern] = sorted(
                p.relative_to(self.root).as_posix() for p in self.root.glob(clean)
                if self.inside(p))
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
                if start.is_file():
                    found.append(self.rel(start))
                elif start.is_dir():
                    found.extend(f for f in self.walk(start) if is_test_file(f, self.config))
            self._files = sorted(set(found))
        return self._files

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def walk(self, start: Path) -> Iterator[str]:
        skip = self.config.norecursedirs
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(
                d for d in dirnames
                if not any(fnmatch.fnmatchcase(d, pat) for pat in skip)
                and d not in (".venv", "venv", ".tox", ".nox", ".git")
            )
            base = Path(dirpath)
            for name in sorted(filenames):
                path = base / name
                if name.endswith(".py") and self.inside(path):
                    yield self.rel(path)

    def read(self, relpath: str) -> bytes:
        if relpath not in self._bytes:
            try:
                self._bytes[relpath] = (self.root / relpath).read_bytes()
            except OSError:
                self._bytes[relpath] = b""
        return self._bytes[relpath]

    def scan(self, relpath: str) -> ScannedFile:
        if relpath not in self._scanned:
            self._scanned[relpath] = scan_source(self.read(relpath), relpath, self.config)
        return self._scanned[relpath]

    def tests_in(self, relpaths: list[str]) -> list[StaticTest]:
        return [t for f in relpaths for t in self.scan(f).tests]

    def all_tests(self, needle: bytes | None = None) -> list[StaticTest]:
        """All tests; with ``needle``, only files whose bytes contain it are parsed."""
        files = self.test_files()
        if needle is not None:
            files = [f for f in files if needle in self.read(f)]
        return self.tests_in(files)


def gather_workspace(plan: Plan, root: Path, config: PytestConfig | None = None) -> Workspace:
    """Resolve every item of ``plan`` against the files under ``root``."""
    config = config or read_pytest_config(root)
    index = _Index(root, config)
    workspace = Workspace(root=root)
    resolver = _Resolver(root, index, workspace)
    marked = resolver.plan_markers(plan)
    for _, item in plan.items():
        workspace.items[item.id] = ItemEvidence(
            links=tuple(resolver.link(link) for link in item.tests),
            marked=tuple(t.nodeid for t in marked.get(item.id, [])),
            checks=tuple(resolver.check(c) for c in item.files),
            targets=tuple(resolver.target(i, item) for i in range(len(item.targets))),
        )
    for scanned in index._scanned.values():
        for test in scanned.tests:
            workspace.tests.setdefault(test.nodeid, test)
    return workspace


class _Resolver:
    def __init__(self, root: Path, index: _Index, workspace: Workspace) -> None:
        self.root = root
        self.index = index
        self.workspace = workspace
        self._links: dict[tuple[LinkKind, str], LinkResult] = {}

    def warn(self, loc: Location, message: str) -> None:
        self.workspace.problems.append(Problem(loc, message, Severity.WARNING))

    def error(self, loc: Location, message: str) -> None:
        self.workspace.problems.append(Problem(loc, message))

    def safe(self, relpath: str, loc: Location) -> Path | None:
        """The path under root, or None (with an error) when a symlink leads out of it."""
        path = self.root / relpath
        if not self.index.inside(path):
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

    def link(self, link: TestLink) -> LinkResult:
        key = (link.kind, link.value)
        known = self._links.get(key)
        if known is None:  # big plans repeat the same marker or -k link many times
            result = self._link(link)
            cases = sum(self.cases(t) for t in result.tests)
            known = self._links[key] = dataclasses.replace(result, cases=cases)
        if known.problem:
            self.warn(link.location, f"test link {str(link)!r} matches nothing: {known.problem}")
        return dataclasses.replace(known, link=link)

    def cases(self, nodeid: str) -> int:
        """How many test cases a node id stands for (parametrized tests count each case)."""
        if "[" in nodeid:
            return 1
        test = self.index.test(nodeid)
        return test.cases if test is not None else 1

    def _link(self, link: TestLink) -> LinkResult:
        match link.kind:
            case LinkKind.PATH:
                path = self.safe(link.value, link.location)
                if path is None:
                    return LinkResult(link, (), (), "it leaves the repository")
                if path.is_file():
                    files = [link.value.strip("/")]
                elif path.is_dir():
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
                tests = [t for t in self.index.all_tests() if matcher(t.names())]
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
        if not path.is_file():
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
        exists = path.exists()
        if check.kind is CheckKind.EXISTS:
            return CheckResult(check, exists, "exists" if exists else "missing", int(exists))
        if check.kind is CheckKind.ABSENT:
            return CheckResult(check, not exists, "still exists" if exists else "absent")
        if not path.is_file():
            return CheckResult(check, False, "file missing")
        try:
            if path.stat().st_size > MAX_CHECK_BYTES:
                return CheckResult(check, False, "file too large to search")
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return CheckResult(check, False, f"unreadable ({exc.strerror})")
        pattern = check.pattern or ""
        found = bool(re.search(pattern, text, re.MULTILINE)) if check.regex else pattern in text
        if check.kind is CheckKind.CONTAINS:
            return CheckResult(check, found, "found" if found else "not found", 1)
        return CheckResult(check, not found, "still present" if found else "gone", 1)

    def target(self, index: int, item: Item) -> TargetResult:
        target = item.targets[index]
        where = item.target_location(index)
        if any(c in target for c in "*?["):
            files = self.index.glob(target)
        else:
            path = self.safe(target, where)
            if path is None:
                files = []
            elif path.is_dir():
                files = list(self.index.walk(path))
            else:
                files = [target] if path.is_file() else []
        if not files:
            self.warn(where, f"target {target!r} of item {item.id!r} matches no file: fix the path")
        return TargetResult(target, tuple(files))
