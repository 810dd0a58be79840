"""The judgement: plan + evidence + today → status of everything. Pure, no I/O.

Every status the tool shows anywhere (Markdown, TUI, JSON, reminders) is decided here and
only here, so displays cannot disagree and tests can pin any situation with an explicit
``today``. Status is earned by evidence; a claim typed into plan.yaml is shown beside the
evidence and never turns an item done on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from tracker.evidence.bundle import Evidence
from tracker.evidence.workspace import CheckResult, ItemEvidence, LinkResult
from tracker.plan.model import Claim, Item, Metric, Phase, Plan
from tracker.problems import Problem, Severity

#: A review or phase due within this many days is "due soon".
DUE_SOON_DAYS = 7


class Status(StrEnum):
    """An item's status, earned by evidence (or a claim, shown as such)."""

    DONE = "done"
    FAILING = "failing"
    IN_PROGRESS = "in progress"
    STALE = "stale"
    TODO = "todo"
    CLAIMED = "claimed"  #: claimed done with nothing that can prove it
    SKIPPED = "skipped"
    BLOCKED = "blocked"

    @property
    def icon(self) -> str:
        return _ICONS[self]


_ICONS = {
    Status.DONE: "✔", Status.FAILING: "✘", Status.IN_PROGRESS: "◐", Status.STALE: "↻",
    Status.TODO: "○", Status.CLAIMED: "?", Status.SKIPPED: "–", Status.BLOCKED: "⊘",
}


@dataclass(frozen=True)
class ItemAssessment:
    """One item judged: status, the reason in words, and the evidence behind it."""

    item: Item
    phase_id: str
    status: Status
    reason: str
    evidence: ItemEvidence
    test_ids: tuple[str, ...]
    test_count: int  #: linked tests, parametrized cases counted (statically known)
    test_files: int
    due: dt.date | None = None
    days_late: int = 0

    @property
    def done(self) -> bool:
        return self.status is Status.DONE

    @property
    def unresolved(self) -> tuple[LinkResult, ...]:
        return tuple(link for link in self.evidence.links if not link.resolved)

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
    def complete(self) -> bool:
        return self.total > 0 and self.done + self.skipped >= self.total

    @property
    def late(self) -> bool:
        return self.days_late > 0

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


def phase_window(plan: Plan, phase: Phase) -> tuple[dt.date | None, dt.date | None]:
    """Concrete first and last day of a phase: ``weeks`` count from ``created``."""
    if phase.weeks and plan.created:
        first, last = phase.weeks
        return (plan.created + dt.timedelta(weeks=first - 1),
                plan.created + dt.timedelta(weeks=last, days=-1))
    return phase.start, phase.due


def assess(plan: Plan, evidence: Evidence, today: dt.date) -> Assessment:
    """Judge the plan against its evidence as of ``today``."""
    warnings: list[Problem] = []
    items: list[ItemAssessment] = []
    phases: list[PhaseAssessment] = []
    for index, phase in enumerate(plan.phases, start=1):
        start, due = phase_window(plan, phase)
        judged = [_item(phase, item, evidence, today, due, warnings) for item in phase.items]
        items.extend(judged)
        done = sum(1 for i in judged if i.done)
        skipped = sum(1 for i in judged if i.status is Status.SKIPPED)
        complete = bool(judged) and done + skipped >= len(judged)
        days_left = (due - today).days if due else None
        days_late = -days_left if days_left is not None and days_left < 0 and not complete else 0
        phases.append(PhaseAssessment(phase, index, done, len(judged), skipped, start, due,
                                      days_late, days_left))
    review = None
    if plan.review and plan.review.next:
        review = ReviewAssessment(plan.review.next, (plan.review.next - today).days,
                                  plan.review.reviewers, plan.review.every_days)
    metrics = tuple(_metric(m) for m in plan.metrics)
    return Assessment(plan=plan, today=today, items=tuple(items), phases=tuple(phases),
                      metrics=metrics, review=review, updated=evidence.plan_updated,
                      warnings=tuple(warnings))


def _item(phase: Phase, item: Item, evidence: Evidence, today: dt.date,
          phase_due: dt.date | None, warnings: list[Problem]) -> ItemAssessment:
    ev = evidence.workspace.items.get(item.id, ItemEvidence())
    test_ids = ev.test_ids()
    static = evidence.workspace.tests
    count = sum(_cases(static, t) for t in test_ids)
    files = len({t.split("::", 1)[0] for t in test_ids})
    status, reason = _judge(item, ev, count, files)
    if item.claim is Claim.DONE and status is not Status.DONE and status is not Status.CLAIMED:
        warnings.append(Problem(item.location, f"item {item.id!r} is claimed done but the "
                                               f"evidence says {status.value}: {reason}",
                                Severity.WARNING))
    elif status is Status.CLAIMED:
        warnings.append(Problem(item.location, f"item {item.id!r} is claimed done with no "
                                               "evidence: link tests or files to prove it",
                                Severity.WARNING))
    due = item.due or phase_due
    days_late = 0
    if due and due < today and status not in (Status.DONE, Status.SKIPPED):
        days_late = (today - due).days
    return ItemAssessment(item=item, phase_id=phase.id, status=status, reason=reason,
                          evidence=ev, test_ids=test_ids, test_count=count, test_files=files,
                          due=due, days_late=days_late)


def _cases(static: dict, nodeid: str) -> int:
    test = static.get(nodeid)
    return test.cases if test is not None and "[" not in nodeid else 1


def _judge(item: Item, ev: ItemEvidence, count: int, files: int) -> tuple[Status, str]:
    """Status and reason from workspace evidence alone (no test runs yet)."""
    if item.claim is Claim.SKIPPED:
        return Status.SKIPPED, item.note or "skipped"
    if item.claim is Claim.BLOCKED:
        return Status.BLOCKED, item.note or "blocked"
    has_links = bool(item.tests or ev.marked)
    if not has_links and not item.files:
        if item.claim is Claim.DONE:
            return Status.CLAIMED, "claimed done, unverified: nothing links it to evidence"
        if item.claim is Claim.IN_PROGRESS:
            return Status.IN_PROGRESS, "claimed in progress; nothing links it to evidence"
        return Status.TODO, "no evidence linked yet"
    missing: list[str] = []
    found_any = bool(count) or any(c.ok for c in ev.checks)
    unresolved = [link for link in ev.links if not link.resolved]
    if unresolved:
        missing.append(f"{len(unresolved)} of {len(ev.links)} test links match nothing")
    failed = [c for c in ev.checks if not c.ok]
    if failed:
        missing.append(f"{len(failed)} of {len(ev.checks)} file checks fail "
                       f"({str(failed[0].check)}: {failed[0].detail})")
    if item.expect.min_tests and count < item.expect.min_tests:
        missing.append(f"{count} of {item.expect.min_tests} tests")
    if item.expect.min_files and files < item.expect.min_files:
        missing.append(f"{files} of {item.expect.min_files} test files")
    if has_links and count:
        missing.append(f"{_plural(count, 'test')} found, not yet run")
    if item.expect.target_coverage is not None:
        missing.append("coverage of targets not yet measured")
    if not found_any:
        return Status.TODO, "; ".join(missing) or "no evidence yet"
    if missing:
        return Status.IN_PROGRESS, "; ".join(missing)
    return Status.DONE, _done_reason(ev)


def _done_reason(ev: ItemEvidence) -> str:
    return f"all {_plural(len(ev.checks), 'file check')} hold"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _metric(metric: Metric) -> MetricAssessment:
    if metric.qualitative:
        return MetricAssessment(metric, None, None, "qualitative")
    return MetricAssessment(metric, None, None, "not yet measured")
