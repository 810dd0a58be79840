"""What the judge decides, as values: statuses, tallies and the assessments of items,
phases, reviews and metrics.

Kept apart from the judging itself so displays (render, TUI, JSON) can import the shapes
they show without the rules that produce them, and so each rule module stays small.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from itertools import compress
from operator import attrgetter
from typing import TYPE_CHECKING

from tracker import metrics as measures
from tracker.evidence.values import CheckResult, ItemEvidence, LinkResult
from tracker.plan.model import Item, Metric, Phase, Plan
from tracker.problems import Problem
from tracker.signoffs import SignOffs, judge_signoffs

if TYPE_CHECKING:  # what runs, history and quality measures add: a plan judged without
    # them (a fresh clone's document, ``check``) never imports their modules
    from tracker.assess.quality import Finding
    from tracker.evidence.deltas import ItemDelta
    from tracker.evidence.flaky import Flaky
    from tracker.evidence.results import RunRecord, TestOutcome

_OUTCOME = attrgetter("outcome")

#: A review or phase due within this many days is "due soon"; reminders look this far ahead.
DUE_SOON_DAYS = 7
#: Measures whose value depends on the machine and the hour, not on the code and its results
#: (a suite takes longer on a busy laptop): documents show their target, not their value.
MACHINE_DEPENDENT = frozenset({"tests.duration"})


class Status(StrEnum):
    """An item's status, earned by evidence (or a claim, shown as such)."""

    DONE = "done"
    FAILING = "failing"
    IN_PROGRESS = "in progress"
    RUNNING = "running"  #: only while a run is going: its linked tests have not all reported
    STALE = "stale"
    TODO = "todo"
    CLAIMED = "claimed"  #: claimed done with nothing that can prove it
    SKIPPED = "skipped"
    BLOCKED = "blocked"

    @property
    def icon(self) -> str:
        return _ICONS[self]


_ICONS = {
    Status.DONE: "✔", Status.FAILING: "✘", Status.IN_PROGRESS: "◐", Status.RUNNING: "◐",
    Status.STALE: "↻",
    Status.TODO: "○", Status.CLAIMED: "?", Status.SKIPPED: "–", Status.BLOCKED: "⊘",
}

#: Statuses that leave nothing to do. Every other item is "open": not done for its phase,
#: late once past its due date, reminded of, listed as "not done" by the displays.
CLOSED = frozenset({Status.DONE, Status.SKIPPED})


@dataclass(frozen=True)
class Tally:
    """What the latest run says about an item's linked tests."""

    outcomes: tuple[TestOutcome, ...] = ()  #: the linked tests' results, one per test case
    not_run: tuple[str, ...] = ()  #: linked tests (found in the source) with no result
    collection_errors: tuple[str, ...] = ()  #: linked files the run could not collect
    files: frozenset[str] = frozenset()  #: test files involved (linked or that ran)
    deselected: tuple[str, ...] = ()  #: those of not_run the run deselected (-m, -k)
    collection_skips: tuple[str, ...] = ()  #: linked files skipped whole while collecting
    #: the test cases ``not_run`` stands for (a parametrized test the source shows is one
    #: entry of ``not_run`` and as many cases as it has parameters)
    not_run_cases: int = 0

    @cached_property
    def _counts(self) -> Counter[str]:
        return Counter(map(_OUTCOME, self.outcomes))  # counted at C speed

    def count(self, *kinds: str) -> int:
        return sum(self._counts.get(kind, 0) for kind in kinds)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @cached_property
    def failed(self) -> tuple[TestOutcome, ...]:
        from tracker.evidence.results import FAILING  # a tally exists only with a run

        if not self.count(*FAILING):
            return ()
        outcomes = self.outcomes  # filtered at C speed: big items link hundreds of tests
        return tuple(compress(outcomes, map(FAILING.__contains__, map(_OUTCOME, outcomes))))

    @property
    def skipped(self) -> int:
        return self.count("skipped", "xfailed")


@dataclass(frozen=True)
class ItemAssessment:
    """One item judged: status, the reason in words, and the evidence behind it."""

    item: Item
    phase_id: str
    status: Status
    reason: str
    evidence: ItemEvidence
    test_ids: tuple[str, ...]
    test_count: int  #: linked test cases: from the run when there is one, else the source
    test_files: int
    due: dt.date | None = None
    days_late: int = 0  #: > 0 when past due and still open
    tally: Tally | None = None  #: None when no run is recorded
    target_coverage: float | None = None  #: coverage of the item's targets in the run
    #: the statement and branch counts behind ``target_coverage``
    target_counts: measures.CoverageCounts | None = None
    #: the targets' statements the item's own tests ran (their test files), in percent;
    #: None when the run recorded no contexts (see tracker.evidence.own_coverage)
    own_coverage: float | None = None
    stale_files: tuple[str, ...] = ()  #: linked files changed since the run
    #: per link of ``evidence.links``: the test cases it stands for. With a run, those the
    #: run ran or should have run for it (also tests only a run shows: a marker a conftest
    #: hook adds, a unittest class, a doctest); without one, the source's count
    link_cases: tuple[int, ...] = ()
    days_left: int | None = None  #: days until ``due`` (negative when past); None without one
    #: the item's test-quality and complexity thresholds, measured (see assess/quality.py)
    quality: tuple[Finding, ...] = ()
    #: what the item changed since its tests arrived; None when git's history was not
    #: gathered (see ``Evidence.changes``) or the item links no tests
    delta: ItemDelta | None = None
    flaky: tuple[Flaky, ...] = ()  #: its linked tests known to be flaky

    @property
    def done(self) -> bool:
        return self.status is Status.DONE

    @property
    def open(self) -> bool:
        """Whether something is left to do (see :data:`CLOSED`)."""
        return self.status not in CLOSED

    @property
    def unresolved(self) -> tuple[LinkResult, ...]:
        """Links that match no test in the source nor in the latest run."""
        return tuple(link for link, cases in zip(self.evidence.links, self.link_cases,
                                                 strict=True) if not cases)

    def seen_only_in_run(self, index: int) -> bool:
        """Whether link ``index`` matched tests only the latest run shows."""
        return not self.evidence.links[index].resolved and self.link_cases[index] > 0

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.evidence.checks if not c.ok)


@dataclass(frozen=True)
class PhaseAssessment:
    """A phase's progress and window."""

    phase: Phase
    index: int  #: 1-based position in the plan
    done: int
    total: int
    skipped: int
    start: dt.date | None
    due: dt.date | None
    days_late: int  #: > 0 when past due and not complete
    days_left: int | None  #: days until due (negative when past)

    @property
    def open(self) -> int:
        """Items left to do: neither done nor skipped."""
        return self.total - self.done - self.skipped

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.open <= 0

    @property
    def late(self) -> bool:
        return self.days_late > 0

    @property
    def due_soon(self) -> bool:
        """Not complete, and due today or within :data:`DUE_SOON_DAYS` days."""
        return (not self.complete and self.days_left is not None
                and 0 <= self.days_left <= DUE_SOON_DAYS)

    @property
    def state(self) -> str:
        if self.complete:
            return "complete"
        if self.late:
            return "late"
        return "in progress" if self.done else "not started"


@dataclass(frozen=True)
class ReviewAssessment:
    """Whether the plan's review is due."""

    next: dt.date
    days_left: int  #: negative when overdue
    reviewers: tuple[str, ...]
    every_days: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def due_soon(self) -> bool:
        return 0 <= self.days_left <= DUE_SOON_DAYS

    def describe(self) -> str:
        """"in 3 days", "today", "OVERDUE by 12 days"."""
        if self.days_left < 0:
            return f"OVERDUE by {_days(-self.days_left)}"
        if self.days_left == 0:
            return "due today"
        return f"in {_days(self.days_left)}"


@dataclass(frozen=True)
class MetricAssessment:
    """A metric's current value and whether its target is met."""

    metric: Metric
    current: float | None
    met: bool | None  #: None when unmeasured or qualitative
    display: str  #: current value in words, such as "87.5%" or "not yet measured"
    trend: tuple[float, ...] = ()  #: values over recorded runs, oldest first
    #: its value depends on the machine (see :data:`MACHINE_DEPENDENT`)
    machine_dependent: bool = False


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One commit of the trend: its run's coverage and test count."""

    commit: str  #: full id
    short: str  #: the id as shown (7 characters, as git shows short ids)
    coverage: float | None
    tests: int


@dataclass(frozen=True)
class Assessment:
    """Everything the displays show, judged once."""

    plan: Plan
    today: dt.date
    items: tuple[ItemAssessment, ...]
    phases: tuple[PhaseAssessment, ...]
    metrics: tuple[MetricAssessment, ...]
    review: ReviewAssessment | None
    updated: dt.date | None
    warnings: tuple[Problem, ...] = field(default=())
    run: RunRecord | None = None  #: the run the statuses are judged on
    #: the run ran part of the suite (or was cut short) and is laid over earlier runs
    run_partial: bool = False
    #: reviews and approvals recorded in git, judged: which approval counts for each role,
    #: which are only claims, the past reviews (all pending when git was not read)
    signoffs: SignOffs = field(default_factory=lambda: judge_signoffs((), None))
    #: warnings about test links that match nothing in the source nor in the latest run,
    #: printed with the workspace's problems by every command (``warnings`` go in documents)
    unmatched: tuple[Problem, ...] = ()
    #: coverage and test count per commit of the first-parent line, oldest first (empty when
    #: git's history was not gathered); see :mod:`tracker.assess.changes`
    trend: tuple[TrendPoint, ...] = ()
    flaky: tuple[Flaky, ...] = ()  #: tests known to be flaky, the most often failing first

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def current_phase(self) -> PhaseAssessment | None:
        return next((p for p in self.phases if not p.complete), None)

    @property
    def headline(self) -> str:
        """The plan's derived status, such as "Phase 2 of 4 in progress"."""
        if not self.phases:
            return "No phases yet"
        current = self.current_phase
        if current is None:
            return "Complete"
        started = any(i.status not in (Status.TODO, Status.SKIPPED, Status.BLOCKED)
                      for i in self.items)
        if current.index == 1 and not started:
            return "Not started"
        return f"Phase {current.index} of {len(self.phases)} in progress"

    def item(self, item_id: str) -> ItemAssessment | None:
        return next((i for i in self.items if i.item.id == item_id), None)

    def phase_items(self, phase_id: str) -> list[ItemAssessment]:
        return [i for i in self.items if i.phase_id == phase_id]


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"
