"""The judgement: plan + evidence + today → status of everything. Pure, no I/O.

Every status the tool shows anywhere (Markdown, TUI, JSON, reminders) is decided here and
only here, so displays cannot disagree and tests can pin any situation with an explicit
``today``. Status is earned by evidence; a claim typed into plan.yaml is shown beside the
evidence and never turns an item done on its own.

The rules live in small modules beside this one: ``verdicts`` (the values decided),
``run_view`` (the run indexed for lookups), ``items`` (one item's status and reason) and
``metric_values`` (metrics and trends). This module walks the plan and puts them together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tracker.assess.changes import trend
from tracker.assess.items import SourceTests, claim_warnings, judge_item, unmatched_links
from tracker.assess.metric_values import judge_metric
from tracker.assess.run_view import RunView, escaped_id
from tracker.assess.verdicts import (
    CLOSED,
    DUE_SOON_DAYS,
    MACHINE_DEPENDENT,
    Assessment,
    ItemAssessment,
    MetricAssessment,
    PhaseAssessment,
    ReviewAssessment,
    Status,
    Tally,
    TrendPoint,
)
from tracker.evidence.bundle import Evidence
from tracker.evidence.layering import is_partial_run
from tracker.plan.model import Phase, Plan
from tracker.signoffs import judge_signoffs


def phase_window(plan: Plan, phase: Phase) -> tuple[dt.date | None, dt.date | None]:
    """Concrete first and last day of a phase: ``weeks`` count from ``created``."""
    if phase.weeks and plan.created:
        first, last = phase.weeks
        return (plan.created + dt.timedelta(weeks=first - 1),
                plan.created + dt.timedelta(weeks=last, days=-1))
    return phase.start, phase.due


def assess(plan: Plan, evidence: Evidence, today: dt.date) -> Assessment:
    """Judge the plan against its evidence as of ``today``."""
    items: list[ItemAssessment] = []
    phases: list[PhaseAssessment] = []
    view = (RunView(evidence.run, evidence.current_hashes, evidence.workspace.tests)
            if evidence.run is not None else None)
    sources = SourceTests(evidence.workspace.tests)
    flaky = {f.nodeid: f for f in evidence.flaky}
    for index, phase in enumerate(plan.phases, start=1):
        due = phase_window(plan, phase)[1]
        judged = [judge_item(phase, item, evidence, view, today, due, sources, flaky)
                  for item in phase.items]
        items.extend(judged)
        phases.append(judge_phase(plan, phase, index, judged, today))
    review = None
    if plan.review and plan.review.next:
        review = ReviewAssessment(plan.review.next, (plan.review.next - today).days,
                                  plan.review.reviewers, plan.review.every_days)
    metrics = tuple(judge_metric(m, evidence.run, evidence.history, evidence.workspace)
                    for m in plan.metrics)
    return Assessment(plan=plan, today=today, items=tuple(items), phases=tuple(phases),
                      metrics=metrics, review=review, updated=evidence.plan_updated,
                      warnings=tuple(w for ia in items for w in claim_warnings(ia)),
                      run=evidence.run,
                      run_partial=evidence.run is not None and is_partial_run(evidence.run),
                      signoffs=judge_signoffs(plan.approvals, evidence.signoffs),
                      unmatched=tuple(u for ia in items for u in unmatched_links(ia)),
                      trend=trend(evidence.changes), flaky=evidence.flaky)


def judge_phase(plan: Plan, phase: Phase, index: int, judged: list[ItemAssessment],
                today: dt.date) -> PhaseAssessment:
    """A phase's progress and window from its judged items (``index`` counts from 1)."""
    start, due = phase_window(plan, phase)
    done = sum(1 for i in judged if i.done)
    skipped = sum(1 for i in judged if i.status is Status.SKIPPED)
    days_left = (due - today).days if due else None
    pa = PhaseAssessment(phase, index, done, len(judged), skipped, start, due, 0, days_left)
    if days_left is not None and days_left < 0 and not pa.complete:
        pa = replace(pa, days_late=-days_left)
    return pa


__all__ = [
    "CLOSED", "DUE_SOON_DAYS", "MACHINE_DEPENDENT", "Assessment", "ItemAssessment",
    "MetricAssessment", "PhaseAssessment", "ReviewAssessment", "RunView", "Status", "Tally",
    "TrendPoint",
    "assess", "escaped_id", "judge_phase", "phase_window",
]
