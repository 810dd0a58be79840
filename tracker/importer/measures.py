"""Measures inferred from what an item's words ask for: test quality and complexity.

"Strengthen 20 weak assertions" names something the test source shows, so the item gets
``expect: {max_weak_assertions: 0}`` over the tests it names (every test when it names
none). Only a sentence that names what to measure is mapped: "Refactor complex test
setups" gives no limit to hold complexity to, and stays manual. As with links
(:mod:`.infer`), only the item's text is read, never its note: a note is a claim.

The phrases, and what each becomes:

* "weak assertion(s)" → ``max_weak_assertions: 0``
* "without assertions", "no assertions", "assertion-free" → ``max_no_assertion: 0``
* "over-mocking", "over-mocked", "mock(s) the method(s) under test" →
  ``max_target_patches: 0``, with targets: the module each named test file tests
  (``test_cart.py`` → ``**/cart.py``); with no module known, nothing is mapped
* "asyncio mark" or "@pytest.mark.asyncio" with "async tests" → ``max_async_unmarked: 0``
* "complexity" with a limit ("below 10", "under 10", "at most 10", "to 10", "<= 10") →
  ``max_complexity``, over the modules the text names
* "remove duplicate(d) `TEXT`" (a quoted text that is not a file) → a file check:
  ``{glob: "tests/**/*.py", contains: TEXT, max: 1}``; "remove `TEXT`" →
  ``{glob: "tests/**/*.py", lacks: TEXT}``
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.importer.draft import Link

if TYPE_CHECKING:
    from tracker.importer.infer import Repository

#: Every test, for a measure whose sentence names no test file.
ALL_TESTS = "**/test_*.py"
#: Where a duplicated or removed text is looked for when the sentence names no file.
TEST_SOURCES = "tests/**/*.py"

_WEAK = re.compile(r"(?i)\bweak\s+assert")
_NO_ASSERT = re.compile(r"(?i)\b(without|no|missing)\s+(any\s+)?assert(ion)?s?\b|"
                        r"assertion-?free")
_OVER_MOCK = re.compile(r"(?i)\bover-?\s?mock|\bmocks?\s+(the\s+)?(methods?|functions?|code)"
                        r"\s+(under|being)\s+test")
_ASYNC_MARK = re.compile(r"(?i)(asyncio\s+mark|pytest\.mark\.asyncio)")
_ASYNC_TESTS = re.compile(r"(?i)\basync\b.*\btests?\b")
_COMPLEXITY = re.compile(r"(?i)\bcomplexity\b.*?\b(below|under|less than|at most|to|<=|<)\s*"
                         r"([0-9]{1,4})\b")
_QUOTED = re.compile(r"`([^`]+)`")
_REMOVE = re.compile(r"(?i)^\s*(remove|delete|drop|dedupe|deduplicate|consolidate)\b")
_DUPLICATE = re.compile(r"(?i)\bduplicat")
_TEST_FILE = re.compile(r"(?:^|[\s`'\"(/])((?:[\w.-]+/)*(test_[\w-]+|[\w-]+_test)\.py)\b")
_MODULE = re.compile(r"(?:^|[\s`'\"(/])((?:[\w.-]+/)*[\w-]+\.py)\b")


@dataclass
class Measured:
    """What a sentence asks to measure."""

    expect: dict[str, int | float] = field(default_factory=dict)
    files: list[Link] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    all_tests: bool = False  #: the measure is over every test (no test file named)
    linked: list[str] = field(default_factory=list)  #: what was mapped, in words
    unlinked: list[str] = field(default_factory=list)  #: asked, but not measurable

    @property
    def over_tests(self) -> bool:
        """Whether a measure reads the linked tests (so the named test files are linked)."""
        return any(key != "max_complexity" for key in self.expect)


def infer_measures(text: str, repo: Repository | None) -> Measured:
    """The measures ``text`` names (see the module's list); nothing for other sentences."""
    found = Measured()
    head = text[:2000]
    test_files = [m.group(1) for m in _TEST_FILE.finditer(head)]
    if _WEAK.search(head):
        _expect(found, "max_weak_assertions", 0, "weak assertions named in the text")
    if _NO_ASSERT.search(head):
        _expect(found, "max_no_assertion", 0, "tests without assertions named in the text")
    if _ASYNC_MARK.search(head) and _ASYNC_TESTS.search(head):
        _expect(found, "max_async_unmarked", 0, "the asyncio mark on async tests")
    if _OVER_MOCK.search(head):
        _over_mocking(found, test_files, repo)
    complexity = _COMPLEXITY.search(head)
    if complexity:
        _complexity(found, head, complexity, repo)
    if _REMOVE.match(head):
        _counted_text(found, head)
    found.all_tests = found.over_tests and not test_files
    return found


def _expect(found: Measured, key: str, value: int, why: str) -> None:
    found.expect[key] = value
    found.linked.append(f"expect {key}: {value} ({why})")


def _module_of(test_file: str) -> str:
    """``tests/test_cart.py`` → "cart.py"."""
    name = test_file.rsplit("/", 1)[-1]
    return name[len("test_"):] if name.startswith("test_") else name[:-len("_test.py")] + ".py"


def _over_mocking(found: Measured, test_files: list[str], repo: Repository | None) -> None:
    """Patches of the targets' own functions, the targets being what the tests test."""
    for test_file in test_files:
        module = _module_of(test_file)
        if repo is not None and not repo.matching(module):
            found.unlinked.append(f"over-mocking in {test_file}: no {module} in {repo.name} "
                                  "to hold its own functions")
            continue
        _target(found, f"**/{module}", f"the module {test_file} tests")
    if found.targets:
        _expect(found, "max_target_patches", 0, "over-mocking named in the text")
    elif not test_files:
        found.unlinked.append("over-mocking: the text names no test file, so not which "
                              "module's functions must not be patched")


def _target(found: Measured, glob: str, why: str) -> None:
    if glob not in found.targets:
        found.targets.append(glob)
        found.linked.append(f"targets {glob} ({why})")


def _complexity(found: Measured, head: str, match: re.Match[str],
                repo: Repository | None) -> None:
    word, number = match.group(1).lower(), int(match.group(2))
    limit = number - 1 if word in ("below", "under", "less than", "<") else number
    modules = [m.group(1) for m in _MODULE.finditer(head)
               if not _TEST_FILE.fullmatch(" " + m.group(1))]
    kept = [m for m in modules if repo is None or repo.matching(m)]
    if not kept or limit < 1:
        found.unlinked.append("complexity: the text names no module to measure"
                              if not kept else "complexity: the limit is below 1")
        return
    for module in kept:
        _target(found, f"**/{module}", "module whose complexity is limited")
    _expect(found, "max_complexity", limit, f"complexity {word} {number} named in the text")


def _counted_text(found: Measured, head: str) -> None:
    """"Remove duplicated `_instance = None` resets" → the text at most once in the tests."""
    quoted = [q for q in _QUOTED.findall(head)
              if not q.endswith(".py") and not q.startswith(("@", "pytest.mark"))]
    if not quoted:
        return
    text = quoted[0]
    if _DUPLICATE.search(head):
        check: Link = {"glob": TEST_SOURCES, "contains": text, "max": 1}
        found.linked.append(f"files {TEST_SOURCES} contain {text!r} at most once (a "
                            "duplicate to remove)")
    else:
        check = {"glob": TEST_SOURCES, "lacks": text}
        found.linked.append(f"files {TEST_SOURCES} lack {text!r} (a text to remove)")
    found.files.append(check)
