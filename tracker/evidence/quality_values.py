"""What the test source says about the tests' quality, and the targets' complexity, as plain
values: what :mod:`.quality` and :mod:`.complexity` read from syntax trees and
:mod:`tracker.assess` judges.

Kept apart from the reading code, as :mod:`.values` is, so that the judge depends on the
shape of this evidence only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.pickling import pickled_by_fields

#: The kinds of weak assertion, as messages name them.
BARE = "bare truthiness"
NOT_NONE = "is not None"
CALLED = "assert_called() without arguments"
NON_EMPTY = "len(x) > 0"
WEAK_KINDS = (BARE, NOT_NONE, CALLED, NON_EMPTY)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class TestQuality:
    """One test function's body as its syntax tree shows it."""

    __test__ = False  # not a pytest test class, despite the name

    assertions: int  #: assert statements and calls that assert (see docs/plan-format.md)
    weak: tuple[tuple[int, str], ...] = ()  #: (line, kind) of each weak assertion
    mocks: int = 0  #: patch/Mock/MagicMock/monkeypatch.setattr uses
    patched: tuple[str, ...] = ()  #: dotted names patched, as far as the file's imports tell
    is_async: bool = False  #: an ``async def`` test


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FunctionComplexity:
    """A function of a target and its McCabe cyclomatic complexity."""

    name: str  #: ``function`` or ``Class.method``
    line: int
    complexity: int


@dataclass
class QualityEvidence:
    """The quality of the tests and the complexity of the targets the plan asks about."""

    #: by node id (without parameters): the tests read, linked ones or (for a plan-wide
    #: measure) every test of the suite
    tests: dict[str, TestQuality] = field(default_factory=dict)
    #: True when ``tests`` holds every test the source shows (a plan-wide measure asked)
    whole_suite: bool = False
    #: by source file (relative path): its functions, in file order
    complexity: dict[str, tuple[FunctionComplexity, ...]] = field(default_factory=dict)
    #: pytest-asyncio runs every ``async def`` test without a mark (``asyncio_mode = auto``)
    asyncio_auto: bool = False
    #: files named by complexity measures of metrics: glob -> files it matched
    globs: dict[str, tuple[str, ...]] = field(default_factory=dict)
