"""The evidence the workspace gives, as plain values: what the scanner produces and the
store, ``assess`` and the renderers read.

Kept apart from the scanning code (:mod:`.workspace`, :mod:`.testscan`) so that the judge and
the displays depend on the shape of the evidence only, never on how it was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.pickling import pickled_by_fields
from tracker.plan.model import FileCheck, TestLink
from tracker.problems import Problem

if TYPE_CHECKING:  # read only for plans that measure quality (tracker.evidence.quality_gather)
    from tracker.evidence.quality_values import QualityEvidence


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class StaticTest:
    """A test function as the source shows it."""

    nodeid: str  #: ``path::Class::name``, without parameters
    file: str  #: path relative to the root, with forward slashes
    name: str
    classes: tuple[str, ...]
    line: int
    markers: frozenset[str]
    fixtures: frozenset[str]
    plan_items: tuple[str, ...]  #: item ids from ``@pytest.mark.plan(...)``
    cases: int  #: number of parametrized cases, 1 when unknown or not parametrized
    parametrized: bool

    def names(self) -> tuple[str, ...]:
        """The names a ``-k`` expression is matched against, as pytest does."""
        parts = self.file.split("/")
        return (self.name, *self.classes, *parts, *self.markers)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ScannedFile:
    """The tests of one file, or why it could not be read."""

    path: str
    tests: tuple[StaticTest, ...]
    error: str | None = None
    error_line: int = 1


@pickled_by_fields
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


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class CheckResult:
    """Whether a file check holds, with a short explanation."""

    check: FileCheck
    ok: bool
    detail: str
    count: int = 0  #: files the check matched


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TargetResult:
    """The source files an item's target names."""

    target: str
    files: tuple[str, ...]


@pickled_by_fields
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
    #: test quality and target complexity, read when the plan asks for them
    quality: QualityEvidence | None = None
