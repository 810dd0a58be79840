"""Links inferred from what an item's words name, never invented.

"Create test_model_lifecycle_service.py" names a test file: the item is linked to it by a
glob that finds the file wherever it lives ("**/test_model_lifecycle_service.py"). A module
("preview_handlers.py") becomes a target, a test function a ``-k`` keyword. With the
repository at hand (``--repo``), only names that match an existing file or test are kept;
the rest are reported, and the item is listed as needing links.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tracker.importer.draft import Link
from tracker.importer.measures import ALL_TESTS, Measured, infer_measures

#: Files that are neither tests nor modules under test.
_NOT_EVIDENCE = {"conftest.py", "__init__.py", "setup.py", "noxfile.py", "manage.py",
                 "__main__.py"}
#: Leading verbs whose work the named test file's tests passing would not prove.
_RESHAPING = {"split", "remove", "delete", "rename", "move", "merge", "refactor", "fix",
              "simplify", "clean", "cleanup", "drop", "deprecate", "replace", "reorganize",
              "reorganise", "restructure", "consolidate", "shorten", "trim", "dedupe",
              "quarantine", "disable", "skip", "xfail", "unskip", "retire"}
#: Leading verbs that ask to put a marker on tests: the marker is the work, not its evidence.
_ADDING = {"add", "apply", "attach", "put", "use", "mark", "tag", "decorate", "register",
           "introduce", "ensure", "annotate", "label"}
#: Words right before a marker that say tests are still to be given it ("async tests
#: missing @pytest.mark.asyncio", "make sure they have @pytest.mark.slow").
_GIVING = {"have", "has", "carry", "get", "need", "needs", "lack", "lacking", "missing",
           "without"}
#: Marks pytest gives every project: naming one says nothing about the plan's tests.
_BUILTIN_MARKS = {"parametrize", "usefixtures", "skip", "skipif", "xfail", "filterwarnings"}
_SKIP_DIRS = {"node_modules", "__pycache__", "venv", "env", "site-packages", "build", "dist"}
_MAX_FILES = 200_000
_MAX_SCAN_BYTES = 2 * 1024 * 1024
_WRAP = "`'\"()[]{}<>,;:!?*"
_FILE = re.compile(r"[\w.-]+\.py")
_FUNCTION = re.compile(r"test_[A-Za-z0-9_]*[A-Za-z0-9]")
_NODE_REST = re.compile(r"[\w\[\]:.-]+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MARK = re.compile(r"@?pytest\.mark\.([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class Inferred:
    """What an item's text named, and what became of each name."""

    tests: list[Link] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    files: list[Link] = field(default_factory=list)  #: file checks (counted texts)
    expect: dict[str, int | float] = field(default_factory=dict)  #: measures asked for
    linked: list[str] = field(default_factory=list)  #: "tests **/test_x.py"
    dropped: list[str] = field(default_factory=list)  #: names not found in the repository
    unlinked: list[str] = field(default_factory=list)  #: names deliberately not linked


class Repository:
    """The repository's Python files and folders, walked once, for ``--repo`` checks."""

    def __init__(self, root: Path, name: str | None = None) -> None:
        self.root = root
        self.name = name or str(root)  #: as the user wrote it, for messages
        self.by_name: dict[str, list[str]] = {}
        self.dirs: set[str] = set()
        self.truncated = False
        self._functions: set[str] | None = None
        self._marks: set[str] = set()
        count = 0
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders
                                   if not d.startswith(".") and d not in _SKIP_DIRS)
            rel = Path(folder).relative_to(root).as_posix()
            prefix = "" if rel == "." else rel + "/"
            if prefix:
                self.dirs.add(rel)
            for name in files:
                if name.endswith(".py"):
                    self.by_name.setdefault(name, []).append(prefix + name)
                    count += 1
            if count > _MAX_FILES:
                self.truncated = True
                break

    def matching(self, relpath: str) -> list[str]:
        """Files whose path ends with ``relpath`` (what ``**/relpath`` matches)."""
        name = relpath.rsplit("/", 1)[-1]
        return [p for p in self.by_name.get(name, ())
                if p == relpath or p.endswith("/" + relpath)]

    def matching_glob_name(self, prefix: str) -> bool:
        """Whether some Python file's name starts with ``prefix``."""
        return any(name.startswith(prefix) for name in self.by_name)

    def has_dir(self, relpath: str) -> bool:
        return relpath.strip("/") in self.dirs

    def _scan(self) -> tuple[set[str], set[str]]:
        """Function names and ``pytest.mark`` names in test files and conftest.py files."""
        if self._functions is None:
            functions: set[str] = set()
            marks: set[str] = set()
            define = re.compile(rb"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)
            mark = re.compile(rb"pytest\.mark\.(\w+)|pytestmark")
            for filename, paths in self.by_name.items():
                if not (filename.startswith("test_") or filename.endswith("_test.py")
                        or filename == "conftest.py"):
                    continue
                for rel in paths:
                    try:
                        with (self.root / rel).open("rb") as handle:
                            data = handle.read(_MAX_SCAN_BYTES)
                    except OSError:
                        continue
                    functions.update(m.decode("ascii", "replace") for m in define.findall(data))
                    marks.update(m.decode("ascii", "replace") for m in mark.findall(data) if m)
            self._functions, self._marks = functions, marks
        return self._functions, self._marks

    def has_function(self, name: str) -> bool:
        """True when a test file or conftest.py defines ``name`` (a test or a fixture)."""
        return name in self._scan()[0]

    def has_marker(self, name: str) -> bool:
        """True when a test file or conftest.py uses ``pytest.mark.NAME``."""
        return name in self._scan()[1]


def _tokens(text: str) -> list[str]:
    """Words that could name a file, folder or test (cheap test first: most words cannot)."""
    out = []
    for raw in text[:2000].split():
        if "." not in raw and "/" not in raw and "test_" not in raw:
            continue
        token = raw.strip(_WRAP)
        while token.endswith(".") and not token.endswith(".."):
            token = token[:-1].rstrip(_WRAP)
        if token.startswith("./"):
            token = token[2:]
        if token:
            out.append(token)
    return out


def _inside(path: str) -> bool:
    """A relative path that stays in the repository."""
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path):
        return False
    depth = 0
    for part in path.split("/"):
        depth += -1 if part == ".." else (0 if part in ("", ".") else 1)
        if depth < 0:
            return False
    return ".." not in path.split("/")


def infer_links(text: str, repo: Repository | None) -> Inferred:
    """Links for an item from the files, tests, markers and modules its text names.

    Only the text: it says what the item asks for. A note is what someone claimed about it
    ("Added test_x.py with 19 tests"), and a claim's justification is not evidence; linking
    the file it names would make the claim prove itself.
    """
    found = Inferred()
    first_word = text.strip().split(" ", 1)[0].lower().strip(_WRAP) if text.strip() else ""
    measured = infer_measures(text, repo)
    # a measure of the tests' source proves a reshaping ("fix the over-mocking in
    # test_x.py"): the test file it reads is linked
    reshaping = first_word in _RESHAPING and not measured.over_tests
    _fixtures_and_marks(text, found, repo, reshaping, adding=first_word in _ADDING)
    seen: set[str] = set()
    for token in _tokens(text):
        if token in seen:
            continue
        seen.add(token)
        if "::" in token:
            _node(token, found, repo, reshaping)
        elif _MARK.fullmatch(token):
            continue  # read with its context by _fixtures_and_marks
        elif token.endswith(".py"):
            _file(token, found, repo, reshaping)
        elif token.endswith("/") and any(p.startswith("test") for p in token.split("/")):
            _folder(token, found, repo, reshaping)
        elif _FUNCTION.fullmatch(token):
            _function(token, found, repo, reshaping)
    _measures(found, measured, repo)
    return found


def _measures(found: Inferred, measured: Measured, repo: Repository | None) -> None:
    """Add what the sentence asks to measure: expect keys, targets, counted file checks,
    and every test when a measure of tests names none."""
    found.expect.update(measured.expect)
    found.files.extend(measured.files)
    found.targets.extend(t for t in measured.targets if t not in found.targets)
    found.linked.extend(measured.linked)
    found.unlinked.extend(measured.unlinked)
    if measured.all_tests and not found.tests:
        if repo is not None and not repo.matching_glob_name("test_"):
            found.dropped.append(f"{ALL_TESTS}: no test file in {repo.name}")
            return
        _add_test(found, ALL_TESTS, ALL_TESTS, "every test, for the measure")


def _fixtures_and_marks(text: str, found: Inferred, repo: Repository | None,
                        reshaping: bool, *, adding: bool) -> None:
    """``{fixture: db}`` from "the `db` fixture", ``{marker: slow}`` from "@pytest.mark.slow".

    ``adding``: the item starts with a verb like "Add" or "Mark": a marker it names is one it
    asks to put on tests, and tests that carry it would not prove it was put on the ones
    meant ("Add @pytest.mark.asyncio to all async tests"). Such markers stay unlinked.
    """
    if reshaping or ("`" not in text and "pytest.mark" not in text):
        return
    words = text[:2000].split()
    for index, word in enumerate(words):
        if "`" not in word and "mark." not in word:
            continue
        mark = _MARK.fullmatch(word.strip(_WRAP).rstrip("."))
        if mark and mark.group(1) not in _BUILTIN_MARKS:
            _marker(mark.group(1), found, repo,
                    adding=adding or _before(words, index) in _GIVING)
            continue
        span = word.startswith("`") and word.rstrip(".,;:)").endswith("`")
        if not span:
            continue
        name = word.rstrip(".,;:)").strip("`")
        before = words[index - 1].lower().strip(_WRAP) if index else ""
        after = words[index + 1].lower().strip(_WRAP) if index + 1 < len(words) else ""
        if not _NAME.fullmatch(name) or "fixture" not in (before, after, after.rstrip("s")):
            continue
        if repo is not None and not repo.has_function(name):
            found.dropped.append(f"fixture {name}: not defined in {repo.name}")
            continue
        _add_test(found, {"fixture": name}, f"fixture {name}", "fixture named in the text")


def _before(words: list[str], index: int) -> str:
    """The word before ``words[index]``, articles skipped, lower-cased."""
    index -= 1
    while index >= 0 and words[index].lower() in ("the", "a", "an"):
        index -= 1
    return words[index].lower().strip(_WRAP) if index >= 0 else ""


def _marker(name: str, found: Inferred, repo: Repository | None, *, adding: bool) -> None:
    """Link the tests carrying marker ``name``, unless the item asks to add the marker."""
    if adding:
        found.unlinked.append(f"marker {name}: the item asks to add it, and tests that carry "
                              "it would not prove it was added where meant")
        return
    if repo is not None and not repo.has_marker(name):
        found.dropped.append(f"marker {name}: no test in {repo.name} uses it")
        return
    _add_test(found, {"marker": name}, f"marker {name}", "marker named in the text")


def _add_test(found: Inferred, link: Link, shown: str, why: str) -> None:
    if link not in found.tests:
        found.tests.append(link)
        found.linked.append(f"tests {shown} ({why})")


def _file(token: str, found: Inferred, repo: Repository | None, reshaping: bool) -> None:
    name = token.rsplit("/", 1)[-1]
    if not _FILE.fullmatch(name) or not _inside(token) or name in _NOT_EVIDENCE:
        return
    glob = f"**/{token}"
    is_test = name.startswith("test_") or name.endswith("_test.py")
    if repo is not None and not repo.matching(token):
        found.dropped.append(f"{glob}: no file in {repo.name} matches")
        return
    if is_test:
        if reshaping:
            found.unlinked.append(f"{token}: named, but its tests passing would not prove "
                                  "this change")
            return
        _add_test(found, glob, glob, "test file named in the text")
    else:
        if glob not in found.targets:
            found.targets.append(glob)
            found.linked.append(f"targets {glob} (module named in the text)")
        test_name = f"test_{name}"
        if repo is not None and not reshaping and repo.matching(test_name):
            _add_test(found, f"**/{test_name}", f"**/{test_name}",
                      f"the test file of {name}, found in the repository")


def _node(token: str, found: Inferred, repo: Repository | None, reshaping: bool) -> None:
    path, _, rest = token.partition("::")
    name = path.rsplit("/", 1)[-1]
    if not _FILE.fullmatch(name) or not _NODE_REST.fullmatch(rest) or not _inside(path):
        return
    if reshaping:
        found.unlinked.append(f"{token}: named, but its passing would not prove this change")
        return
    if repo is not None:
        matches = repo.matching(path)
        if len(matches) != 1:
            why = "no file" if not matches else f"{len(matches)} files"
            found.dropped.append(f"{token}: {why} in {repo.name} match {path}")
            return
        node = f"{matches[0]}::{rest}"
        _add_test(found, node, node, "test named in the text")
    elif "/" in path:
        _add_test(found, token, token, "test named in the text")
    else:
        parts = [part.split("[", 1)[0] for part in rest.split("::") if part.split("[", 1)[0]]
        keyword = " and ".join([name[:-3], *parts])
        _add_test(found, {"keyword": keyword}, f"-k {keyword!r}", "test named in the text")


def _folder(token: str, found: Inferred, repo: Repository | None, reshaping: bool) -> None:
    if not _inside(token) or reshaping:
        return
    if repo is not None and not repo.has_dir(token):
        found.dropped.append(f"{token}: no such folder in {repo.name}")
        return
    _add_test(found, token, token, "test folder named in the text")


def _function(token: str, found: Inferred, repo: Repository | None, reshaping: bool) -> None:
    if reshaping:
        return
    if repo is not None and not repo.has_function(token) and not repo.matching(token + ".py"):
        found.dropped.append(f"{token}: no test of that name in {repo.name}")
        return
    _add_test(found, {"keyword": token}, f"-k {token}", "test named in the text")
