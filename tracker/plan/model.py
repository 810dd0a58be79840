"""The plan as a frozen model: what the team wrote in plan.yaml, nothing derived.

Every node carries the :class:`~tracker.problems.Location` it came from, so later stages
(workspace checks, the TUI's editor jump) can point back at the exact line.
Status, progress and dates are *not* here: they are judged by :mod:`tracker.assess`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from enum import StrEnum

from tracker.pickling import pickled_by_fields
from tracker.problems import Location

FORMAT_VERSION = 1
"""Version of the plan.yaml format. 1: the first published shape."""


class Claim(StrEnum):
    """A status typed by a person. Shown beside the evidence, never instead of it."""

    DONE = "done"
    IN_PROGRESS = "in progress"
    TODO = "todo"
    SKIPPED = "skipped"
    BLOCKED = "blocked"


class LinkKind(StrEnum):
    """How a test link selects tests."""

    PATH = "path"  #: a test file or a directory of tests
    GLOB = "glob"  #: test files matching a glob
    NODE = "node"  #: a pytest node id, ``file::Class::test[param]``
    KEYWORD = "keyword"  #: a ``-k`` expression
    MARKER = "marker"  #: tests carrying a marker
    FIXTURE = "fixture"  #: tests using a fixture


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TestLink:
    """One way of naming the tests that prove an item."""

    __test__ = False  # not a pytest test class, despite the name

    kind: LinkKind
    value: str
    location: Location

    def __str__(self) -> str:
        if self.kind in (LinkKind.PATH, LinkKind.GLOB, LinkKind.NODE):
            return self.value
        return f"{self.kind.value}: {self.value}"


class CheckKind(StrEnum):
    """What a file check asserts about the workspace."""

    EXISTS = "path"  #: a file or directory exists
    ABSENT = "absent"  #: a file or directory does not exist
    CONTAINS = "contains"  #: a file (or the files of a glob) contains a text or regex
    LACKS = "lacks"  #: a file (or every file of a glob) no longer contains a text or regex
    GLOB = "glob"  #: at least ``min_files`` files match a glob


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FileCheck:
    """Evidence that is not a test: the state of a file in the repository."""

    kind: CheckKind
    path: str
    location: Location
    pattern: str | None = None
    regex: bool = False
    min_files: int = 1
    #: contains/lacks over every file matching ``path`` as a glob (``{glob: ..., contains:}``)
    many: bool = False
    #: contains: the pattern occurs at least / at most this many times, all files together
    min_count: int | None = None
    max_count: int | None = None

    def __str__(self) -> str:
        """The check in words, as documents show it (and ``tracker import`` reads it back):
        a regular expression says so, since the file need not hold its text as written."""
        regex = "regex " if self.regex else ""
        match self.kind:
            case CheckKind.EXISTS:
                return f"{self.path} exists"
            case CheckKind.ABSENT:
                return f"{self.path} is absent"
            case CheckKind.CONTAINS:
                head = f"files matching {self.path} contain" if self.many else \
                    f"{self.path} contains"
                return f"{head} {regex}{quoted_pattern(self.pattern or '')}{self._times()}"
            case CheckKind.LACKS:
                shown = quoted_pattern(self.pattern or "")
                if self.many:
                    return f"no file matching {self.path} contains {regex}{shown}"
                return f"{self.path} lacks {regex}{shown}"
            case _:
                return f"at least {self.min_files} files match {self.path}"

    def _times(self) -> str:
        """" at least 2 times, at most 5 times" for the counts set ("" for none)."""
        parts = [f" at {word} {count} time{'s' if count != 1 else ''}"
                 for word, count in (("least", self.min_count), ("most", self.max_count))
                 if count is not None]
        return ",".join(parts)

    def holds(self, occurrences: int) -> bool:
        """Whether a contains/lacks check holds with ``occurrences`` of its pattern found
        (all files together): lacks wants none; contains at least ``min_count`` and at
        most ``max_count``, or, with neither set, at least once."""
        if self.kind is CheckKind.LACKS:
            return occurrences == 0
        low = self.min_count if self.min_count is not None else \
            (0 if self.max_count is not None else 1)
        return occurrences >= low and (self.max_count is None or occurrences <= self.max_count)


def quoted_pattern(pattern: str) -> str:
    """``'a\\s+b'`` for the pattern ``a\\s+b``: written as the plan holds it between single
    quotes, since a reader compares it with plan.yaml and a doubled backslash (``repr``) would
    be a different regex. A pattern a line cannot show as it is (a newline, a tab) is written
    as a JSON string in double quotes instead. ``tracker import`` reads both forms back."""
    if pattern.isprintable():
        return f"'{pattern}'"
    return json.dumps(pattern)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Expect:
    """Thresholds an item's evidence must reach before it counts as done."""

    min_tests: int | None = None
    min_files: int | None = None
    target_coverage: float | None = None  #: by the whole run
    own_coverage: float | None = None  #: by the item's own linked tests (their test files)
    #: test quality of the linked tests, read from their source (docs/plan-format.md)
    min_assertions_per_test: float | None = None
    max_no_assertion: int | None = None  #: linked tests without any assertion
    max_weak_assertions: int | None = None
    max_mocks_per_test: float | None = None
    max_target_patches: int | None = None  #: patches of the targets' own functions
    max_async_unmarked: int | None = None  #: async tests pytest-asyncio would not run
    max_complexity: int | None = None  #: of any function of the targets

    @property
    def quality(self) -> bool:
        """Whether the linked tests' source must be read for their quality."""
        return any(v is not None for v in (
            self.min_assertions_per_test, self.max_no_assertion, self.max_weak_assertions,
            self.max_mocks_per_test, self.max_target_patches, self.max_async_unmarked))

    @property
    def complexity(self) -> bool:
        """Whether the targets' functions must be read (their complexity, or their names
        for over-mocking)."""
        return self.max_complexity is not None or self.max_target_patches is not None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Item:
    """A checklist item: one thing the plan says will be done, and how to prove it."""

    id: str
    text: str
    location: Location
    tests: tuple[TestLink, ...] = ()
    files: tuple[FileCheck, ...] = ()
    targets: tuple[str, ...] = ()
    expect: Expect = field(default_factory=Expect)
    claim: Claim | None = None
    note: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    target_locations: tuple[Location, ...] = ()  #: one per target, for messages

    def target_location(self, index: int) -> Location:
        """Where target ``index`` is written (the item's line when unknown)."""
        locs = self.target_locations
        return locs[index] if index < len(locs) else self.location

    @property
    def is_manual(self) -> bool:
        """True when nothing in the workspace can prove the item: only a claim can.
        Targets whose complexity is expected are evidence of their own."""
        return not self.tests and not self.files and not (
            self.targets and self.expect.complexity)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Section:
    """Prose the team wrote, kept verbatim as Markdown."""

    title: str
    body: str
    location: Location
    id: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Phase:
    """A stage of the plan with its own window, prose and checklist."""

    id: str
    title: str
    location: Location
    priority: str | None = None
    weeks: tuple[int, int] | None = None
    start: dt.date | None = None
    due: dt.date | None = None
    body: str | None = None
    sections: tuple[Section, ...] = ()
    items: tuple[Item, ...] = ()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Review:
    """When the plan is next looked at, how often, and by whom."""

    location: Location
    next: dt.date | None = None
    every_days: int | None = None
    every_text: str | None = None
    reviewers: tuple[str, ...] = ()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Target:
    """A metric's goal, such as ``>= 90`` or ``<= 5 min``."""

    op: str
    value: float
    unit: str = ""
    text: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Metric:
    """A success measure: measured from evidence, or qualitative and judged by people."""

    id: str
    title: str
    location: Location
    measure: str | None = None
    qualitative: bool = False
    baseline: str | None = None
    target: Target | None = None
    target_text: str | None = None
    note: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Risk:
    """A risk and how the team means to keep it small."""

    risk: str
    location: Location
    mitigation: str | None = None
    impact: str | None = None
    likelihood: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Approval:
    """A role whose sign-off the plan needs."""

    role: str
    location: Location
    name: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Related:
    """Another document the plan points to."""

    title: str
    location: Location
    path: str | None = None
    url: str | None = None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CoverageConfig:
    """Where coverage.py should measure, when the project does not say so elsewhere."""

    source: tuple[str, ...] = ()
    omit: tuple[str, ...] = ()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class RunsConfig:
    """How the project's runs are recorded. ``note``: every run of committed code is attached
    to its commit as a git note, so a team shares its evidence without asking each person to
    remember ``--note``."""

    note: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Plan:
    """A whole testing plan, as written."""

    path: str
    title: str
    location: Location
    owner: str | None = None
    created: dt.date | None = None
    priority: str | None = None
    review: Review | None = None
    summary: str | None = None
    sections: tuple[Section, ...] = ()
    phases: tuple[Phase, ...] = ()
    appendix: tuple[Section, ...] = ()
    metrics: tuple[Metric, ...] = ()
    risks: tuple[Risk, ...] = ()
    approvals: tuple[Approval, ...] = ()
    related: tuple[Related, ...] = ()
    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    runs: RunsConfig = field(default_factory=RunsConfig)

    def items(self) -> list[tuple[Phase, Item]]:
        """Every item with its phase, in document order."""
        return [(phase, item) for phase in self.phases for item in phase.items]

    def item(self, item_id: str) -> Item | None:
        return next((i for _, i in self.items() if i.id == item_id), None)
