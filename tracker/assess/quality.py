"""Judging test quality and target complexity: the item's thresholds and the plan-wide
measures, from what :mod:`tracker.evidence.quality` read. Pure, no I/O.

Each threshold of an item's ``expect`` becomes a :class:`Finding`: the measured value, the
limit, and the offenders by name (tests with their lines, functions with their
complexity), so that every display can say *which* tests are weak, not only how many.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.plan.measures import Measure
from tracker.plan.model import Item

if TYPE_CHECKING:  # the quality evidence's modules: imported only by plans that measure it
    from tracker.evidence.quality_values import FunctionComplexity, QualityEvidence, TestQuality
    from tracker.evidence.values import ItemEvidence, StaticTest

#: Markers that make pytest run an ``async def`` test (pytest-asyncio's, anyio's, trio's).
ASYNC_MARKS = frozenset({"asyncio", "anyio", "trio"})
#: Offenders a finding keeps (the reason names the first three).
KEPT = 50


@dataclass(frozen=True)
class Finding:
    """One quality or complexity threshold of an item, measured."""

    key: str  #: the ``expect`` key, such as ``max_weak_assertions``
    label: str  #: what is measured, in words: "weak assertions"
    value: float | None  #: None when nothing could be measured (no linked test read)
    limit: float
    met: bool
    offenders: tuple[str, ...] = ()  #: tests or functions to look at, worst first
    total: int = 0  #: how many offenders there are (``offenders`` keeps :data:`KEPT`)

    @property
    def at_most(self) -> bool:
        return self.key.startswith("max_")

    def words(self) -> str:
        """"2 weak assertions (at most 0)", "1.4 assertions per test (at least 2)"."""
        if self.value is None:
            return f"{self.label}: no linked test to read"
        bound = "at most" if self.at_most else "at least"
        label = _SINGULAR.get(self.label, self.label) if self.value == 1 else self.label
        return f"{_number(self.value)} {label} ({bound} {_number(self.limit)})"

    def reason(self) -> str:
        """The shortfall as the item's reason says it, naming the first offenders."""
        if not self.offenders:
            return self.words()
        shown = ", ".join(self.offenders[:3])
        more = f" and {self.total - 3} more" if self.total > 3 else ""
        return f"{self.words()}: {shown}{more}"


#: labels as they read after "1"
_SINGULAR = {
    "assertions per test": "assertion per test",
    "tests without an assertion": "test without an assertion",
    "weak assertions": "weak assertion",
    "mocks per test": "mock per test",
    "patches of the targets' own functions": "patch of the targets' own functions",
    "async tests without the asyncio mark": "async test without the asyncio mark",
}


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def findings(item: Item, ev: ItemEvidence, quality: QualityEvidence | None,
             static: dict[str, StaticTest]) -> tuple[Finding, ...]:
    """The item's quality and complexity thresholds, each measured; () when it sets none."""
    expect = item.expect
    if quality is None or not (expect.quality or expect.complexity):
        return ()
    tests = _linked(ev, quality)
    out: list[Finding] = []
    n = len(tests)
    if expect.min_assertions_per_test is not None:
        limit = expect.min_assertions_per_test
        mean = sum(q.assertions for _, q in tests) / n if n else None
        few = sorted(((q.assertions, nodeid) for nodeid, q in tests if q.assertions < limit))
        out.append(_finding("min_assertions_per_test", "assertions per test", mean, limit,
                            mean is not None and mean + 1e-9 >= limit,
                            [f"{nodeid} ({count})" for count, nodeid in few]))
    if expect.max_no_assertion is not None:
        none = [nodeid for nodeid, q in tests if not q.assertions]
        out.append(_finding("max_no_assertion", "tests without an assertion", len(none),
                            expect.max_no_assertion, len(none) <= expect.max_no_assertion,
                            none))
    if expect.max_weak_assertions is not None:
        weak = [f"{nodeid} (line {line}: {kind})" for nodeid, q in tests for line, kind in q.weak]
        out.append(_finding("max_weak_assertions", "weak assertions", len(weak),
                            expect.max_weak_assertions, len(weak) <= expect.max_weak_assertions,
                            weak))
    if expect.max_mocks_per_test is not None:
        limit = expect.max_mocks_per_test
        mean = sum(q.mocks for _, q in tests) / n if n else None
        many = sorted(((-q.mocks, nodeid) for nodeid, q in tests if q.mocks > limit))
        out.append(_finding("max_mocks_per_test", "mocks per test", mean, limit,
                            mean is not None and mean <= limit + 1e-9,
                            [f"{nodeid} ({-count})" for count, nodeid in many]))
    if expect.max_target_patches is not None:
        own = set(_own_names(ev, quality))
        patches = [f"{nodeid} patches {name}" for nodeid, q in tests for name in q.patched
                   if name in own]
        out.append(_finding("max_target_patches", "patches of the targets' own functions",
                            len(patches), expect.max_target_patches,
                            len(patches) <= expect.max_target_patches, patches))
    if expect.max_async_unmarked is not None:
        unmarked = [] if quality.asyncio_auto else [
            nodeid for nodeid, q in tests if q.is_async and not _marked(static, nodeid)]
        out.append(_finding("max_async_unmarked", "async tests without the asyncio mark",
                            len(unmarked), expect.max_async_unmarked,
                            len(unmarked) <= expect.max_async_unmarked, unmarked))
    if expect.max_complexity is not None:
        functions = [(f.complexity, relpath, f) for relpath, f in _target_functions(ev, quality)]
        worst = max((c for c, _, _ in functions), default=None)
        over = sorted(((-c, relpath, f.name) for c, relpath, f in functions
                       if c > expect.max_complexity))
        out.append(_finding("max_complexity", "complexity", worst, expect.max_complexity,
                            worst is not None and worst <= expect.max_complexity,
                            [f"{relpath}::{name} ({-c})" for c, relpath, name in over],
                            label_none="complexity: no function in the targets"))
    return tuple(out)


def _finding(key: str, label: str, value: float | None, limit: float, met: bool,
             offenders: list[str], label_none: str | None = None) -> Finding:
    if value is None and label_none is not None:
        label = label_none.split(":", 1)[0]
    return Finding(key, label, value, limit, met, tuple(offenders[:KEPT]), len(offenders))


def _linked(ev: ItemEvidence, quality: QualityEvidence) -> list[tuple[str, TestQuality]]:
    """The item's linked tests that were read, each once (parametrized cases are one
    function), in link order."""
    seen: dict[str, TestQuality] = {}
    for nodeid in ev.test_ids():
        base = nodeid.split("[", 1)[0]
        found = quality.tests.get(base)
        if found is not None and base not in seen:
            seen[base] = found
    return list(seen.items())


def _marked(static: dict[str, StaticTest], nodeid: str) -> bool:
    test = static.get(nodeid)
    return test is not None and bool(test.markers & ASYNC_MARKS)


def _target_functions(ev: ItemEvidence, quality: QualityEvidence
                      ) -> list[tuple[str, FunctionComplexity]]:
    files = dict.fromkeys(f for t in ev.targets for f in t.files)
    return [(relpath, f) for relpath in files for f in quality.complexity.get(relpath, ())]


def _own_names(ev: ItemEvidence, quality: QualityEvidence) -> Iterable[str]:
    from tracker.evidence.complexity import own_names  # only with quality evidence

    files = dict.fromkeys(f for t in ev.targets for f in t.files)
    for relpath in files:
        yield from own_names(relpath, quality.complexity.get(relpath, ()))


def source_measure(measure: Measure, quality: QualityEvidence | None,
                   static: dict[str, StaticTest]) -> float | None:
    """The value of a plan-wide source measure (``quality.*``, ``complexity.max``)."""
    if quality is None:
        return None
    if measure.name == "complexity.max":
        files = quality.globs.get(measure.arg or "", ())
        return max((f.complexity for rel in files for f in quality.complexity.get(rel, ())),
                   default=None)
    if not quality.whole_suite:
        return None
    tests = list(quality.tests.items())
    n = len(tests)
    match measure.name:
        case "quality.assertions_per_test":
            return sum(q.assertions for _, q in tests) / n if n else None
        case "quality.no_assertion":
            return float(sum(1 for _, q in tests if not q.assertions))
        case "quality.weak_assertions":
            return float(sum(len(q.weak) for _, q in tests))
        case "quality.mocks_per_test":
            return sum(q.mocks for _, q in tests) / n if n else None
        case "quality.async_unmarked":
            if quality.asyncio_auto:
                return 0.0
            return float(sum(1 for nodeid, q in tests
                             if q.is_async and not _marked(static, nodeid)))
    return None
