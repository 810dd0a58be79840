"""What the repository's files say about each item right now.

Resolves every test link (paths, globs, node ids, markers, fixtures, ``-k`` expressions and
``@pytest.mark.plan`` from the test side) to the tests the source holds, and runs every file
check. What the files hold is asked of :class:`~.fileindex.FileIndex`, once per question.
"""

from __future__ import annotations

from pathlib import Path

from tracker.evidence.fileindex import FileIndex
from tracker.evidence.keyword import keyword_filter
from tracker.evidence.patterns import BadPattern, PatternTooSlow, count, search
from tracker.evidence.pytest_config import PytestConfig, read_pytest_config
from tracker.evidence.quality_gather import gather_quality
from tracker.evidence.quality_gather import wanted as quality_wanted
from tracker.evidence.scancache import ScanCache
from tracker.evidence.testscan import is_test_file
from tracker.evidence.values import (
    CheckResult,
    ItemEvidence,
    LinkResult,
    StaticTest,
    TargetResult,
    Workspace,
)
from tracker.gcpause import paused_gc
from tracker.plan.model import CheckKind, FileCheck, Item, LinkKind, Plan, TestLink
from tracker.problems import Location, Problem, Severity

#: A file larger than this is not searched by contains/lacks checks.
MAX_CHECK_BYTES = 50 * 1024 * 1024


_NO_EVIDENCE = ItemEvidence()


def gather_workspace(plan: Plan, root: Path, config: PytestConfig | None = None) -> Workspace:
    """Resolve every item of ``plan`` against the files under ``root``.

    Saves the scans of the test files under ``root/.tracker/cache`` for the next run.
    """
    with paused_gc():  # thousands of acyclic results: collection passes would free nothing
        return _gather(plan, root, config or read_pytest_config(root))


def _gather(plan: Plan, root: Path, config: PytestConfig) -> Workspace:
    index = FileIndex(root, config, ScanCache.load(root, config))
    workspace = Workspace(root=root)
    resolver = _Resolver(root, index, workspace)
    marked = resolver.plan_markers(plan)
    for _, item in plan.items():
        workspace.items[item.id] = resolver.evidence(item, marked.get(item.id, ()))
    for scanned in index.scanned():
        for test in scanned.tests:
            workspace.tests.setdefault(test.nodeid, test)
    if quality_wanted(plan):  # read only for plans that ask: most never do
        workspace.quality = gather_quality(plan, workspace, index)
        for scanned in index.scanned():  # a plan-wide measure reads every test file
            for test in scanned.tests:
                workspace.tests.setdefault(test.nodeid, test)
    index.save_cache()
    return workspace


class _Resolver:
    def __init__(self, root: Path, index: FileIndex, workspace: Workspace) -> None:
        self.root = root
        self.index = index
        self.workspace = workspace
        self._links: dict[tuple[LinkKind, str], LinkResult] = {}
        self._checks: dict[tuple[object, ...], tuple[bool, str, int]] = {}
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
                named = self.index.named_tests()
                hits = keyword_filter(link.value)([names for _, names in named])
                tests = [t for (t, _), hit in zip(named, hits, strict=True) if hit]
                return self._from_tests(link, tests, "no test name matches the expression")

    def _from_files(self, link: TestLink, files: list[str]) -> LinkResult:
        tests = self.index.tests_in(files)
        broken = [self.index.scan(f) for f in files if self.index.scan(f).error]
        if broken:
            first = broken[0]
            return LinkResult(link, (), tuple(files),
                              f"{first.path}:{first.error_line} has a {first.error}")
        if not tests:
            return LinkResult(link, (), tuple(files), self._no_tests(files))
        return LinkResult(link, tuple(t.nodeid for t in tests), tuple(files))

    def _no_tests(self, files: list[str]) -> str:
        """Why reading ``files`` found no test: none there, or test classes whose tests come
        from a base class of another file, which only pytest's collection (a run) shows."""
        from tracker.evidence.testscan import inherited_elsewhere

        for f in files:
            inherits = inherited_elsewhere(self.index.read(f), f, self.index.config)
            if inherits:
                cls, base = inherits[0]
                where = f" {f}" if len(files) > 1 else ""
                return (f"reading{where} shows no test function: {cls} inherits its tests from "
                        f"{base}, defined in another file; a run shows them")
        return "the files hold no test functions"

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
            files = self.index.glob(check.path, tests=False)
            ok = len(files) >= check.min_files
            return CheckResult(check, ok, f"{len(files)} of {check.min_files} files match",
                               len(files))
        key = (check.kind, check.path, check.pattern, check.regex, check.many,
               check.min_count, check.max_count, check.min_files)
        state = self._checks.get(key)
        if state is None:  # big plans check the same files for the same text many times
            state = self._checks[key] = (self._files_state(check) if check.many
                                         else self._file_state(check))
        ok, detail, count = state
        return CheckResult(check, ok, detail, count)

    def _file_state(self, check: FileCheck) -> tuple[bool, str, int]:
        """Whether a check of one file holds: ok, detail and files matched."""
        path = self.safe(check.path, check.location)
        if path is None:
            return False, "outside the repository", 0
        exists = self.index.mode(path) != 0
        if check.kind is CheckKind.EXISTS:
            return exists, "exists" if exists else "missing", int(exists)
        if check.kind is CheckKind.ABSENT:
            return not exists, "still exists" if exists else "absent", 0
        found, why = self._occurrences(check, check.path, path)
        if found is None:
            return False, why, int(why in ("pattern too slow", "invalid regular expression"))
        ok = check.holds(found)
        if check.min_count is not None or check.max_count is not None:
            return ok, f"found {_times(found)}", 1
        if check.kind is CheckKind.CONTAINS:
            return ok, "found" if found else "not found", 1
        return ok, "still present" if found else "gone", 1

    def _files_state(self, check: FileCheck) -> tuple[bool, str, int]:
        """Whether a contains/lacks check over a glob's files holds, its pattern counted
        across them all: the detail names the files holding it, most occurrences first."""
        files = [f for f in self.index.glob(check.path, tests=False)
                 if self.index.is_file(self.root / f)]
        if len(files) < check.min_files:
            return False, f"{len(files)} of {check.min_files} files match", len(files)
        per_file: list[tuple[str, int]] = []
        for relpath in files:
            found, why = self._occurrences(check, relpath, self.root / relpath)
            if found is None:
                return False, f"{relpath}: {why}", len(files)
            if found:
                per_file.append((relpath, found))
        total = sum(n for _, n in per_file)
        return check.holds(total), spread(total, per_file, len(files)), len(files)

    def _occurrences(self, check: FileCheck, relpath: str, path: Path
                     ) -> tuple[int | None, str]:
        """How often the check's pattern occurs in one file (only 0 or 1, whether it does,
        when nothing is counted), or None with why the file could not be searched."""
        if not self.index.is_file(path):
            return None, "file missing"
        try:
            if self.index.size(path) > MAX_CHECK_BYTES:
                return None, "file too large to search"
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return None, f"unreadable ({exc.strerror})"
        pattern = check.pattern or ""
        counted = check.many or check.min_count is not None or check.max_count is not None
        if not check.regex:
            return (text.count(pattern) if counted else int(pattern in text)), ""
        try:
            return (count(pattern, text) if counted else int(search(pattern, text))), ""
        except PatternTooSlow as exc:  # neither contains nor lacks is known: not holding
            self.warn(check.location, f"the regular expression {pattern!r} is too slow on "
                                      f"{relpath} ({exc}): it backtracks; write it "
                                      "without nested repeats such as (a+)+")
            return None, "pattern too slow"
        except BadPattern as exc:
            self.error(check.location, f"invalid regular expression {pattern!r}: {exc}")
            return None, "invalid regular expression"

    def target(self, index: int, item: Item) -> TargetResult:
        target = item.targets[index]
        where = item.target_location(index)
        if "*" in target or "?" in target or "[" in target:
            files = tuple(self.index.glob(target, tests=False))
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
                files = tuple(self.index.walk(path, tests=False))
            else:
                files = (target,) if self.index.is_file(path) else ()
            self._targets[target] = files
        return files


#: How many files a failing count names before "and N more".
SHOWN_FILES = 5


def spread(total: int, per_file: list[tuple[str, int]], searched: int) -> str:
    """"60 occurrences in 12 files: tests/a.py (9), tests/b.py (7), … and 7 more", the
    files holding most first; "no occurrence in 12 files" when none does."""
    if not total:
        return f"no occurrence in {_files(searched)}"
    ranked = sorted(per_file, key=lambda pair: (-pair[1], pair[0]))
    shown = ", ".join(f"{path} ({n})" for path, n in ranked[:SHOWN_FILES])
    more = f" and {len(ranked) - SHOWN_FILES} more" if len(ranked) > SHOWN_FILES else ""
    return f"{_times(total, 'occurrence')} in {_files(len(ranked))}: {shown}{more}"


def _times(n: int, word: str = "time") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _files(n: int) -> str:
    return _times(n, "file")
