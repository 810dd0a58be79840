"""``tracker status --json``: the report as stable JSON, an interface for scripts.

``FORMAT_VERSION`` changes when a field changes meaning or disappears (adding fields does not
change it). Text from users' files keeps its exact value, and every control character in it
is escaped (:func:`tracker.render.words.terminal_safe_json`): the JSON is printed to
terminals too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.assess import ItemAssessment
from tracker.evidence.deltas import ItemDelta
from tracker.evidence.flaky import Flaky
from tracker.render.report import Report
from tracker.render.words import terminal_safe_json

#: 1: first version (items, phases, metrics, review, run, warnings; later added:
#: run.collection_errors, items[].targets.counts, items[].quality, items[].delta,
#: items[].flaky, trend, flaky).
FORMAT_VERSION = 1


@dataclass(frozen=True)
class StatusJson:
    """The documented JSON form of ``tracker status --json``."""

    def render(self, report: Report) -> str:
        return terminal_safe_json(status_data(report))



def _item_json(ia: ItemAssessment) -> dict[str, Any]:
    tally = ia.tally
    tests: dict[str, Any] = {"linked": ia.test_count, "passed": None, "failed": None,
                             "skipped": None, "not_run": None, "failing": []}
    if tally is not None:
        tests.update(passed=tally.passed, failed=len(tally.failed), skipped=tally.skipped,
                     not_run=len(tally.not_run), failing=[o.nodeid for o in tally.failed])
    return {
        "id": ia.item.id,
        "phase": ia.phase_id,
        "text": ia.item.text,
        "status": ia.status.value,
        "reason": ia.reason,
        "claim": ia.item.claim.value if ia.item.claim else None,
        "note": ia.item.note,
        "owner": ia.item.owner,
        "due": ia.due.isoformat() if ia.due else None,
        "days_late": ia.days_late,
        "tests": tests,
        "files": {"checks": len(ia.evidence.checks),
                  "failing": [str(c.check) for c in ia.evidence.checks if not c.ok]},
        "targets": {"paths": list(ia.item.targets), "coverage": ia.target_coverage,
                    "counts": _counts(ia), "own_coverage": ia.own_coverage},
        "stale_files": list(ia.stale_files),
        "quality": [{"measure": f.key, "label": f.label, "value": f.value, "limit": f.limit,
                     "met": f.met, "offenders": list(f.offenders), "offenders_total": f.total}
                    for f in ia.quality],
        "line": ia.item.location.line,
        "delta": None if ia.delta is None else delta_data(ia.delta),
        "flaky": [f.nodeid for f in ia.flaky],
    }


def status_data(report: Report) -> dict[str, Any]:
    """The documented JSON form of ``tracker status --json``, as data."""
    a = report.assessment
    run = a.run
    return {
        "format": FORMAT_VERSION,
        "plan": {"title": a.plan.title, "path": a.plan.path, "status": a.headline},
        "today": a.today.isoformat(),
        "run": None if run is None else {
            "started": run.started.isoformat(), "finished": run.finished.isoformat(),
            "commit": run.commit, "dirty": run.dirty, "source": run.source,
            "exit_code": run.exit_code, "counts": run.counts(),
            "coverage": run.coverage_total(),
            "collection_errors": [{"nodeid": e.nodeid, "message": e.message}
                                  for e in run.collection_errors],
        },
        "phases": [{
            "id": p.phase.id, "title": p.phase.title, "done": p.done, "total": p.total,
            "skipped": p.skipped, "complete": p.complete, "start": _iso(p.start),
            "due": _iso(p.due), "days_late": p.days_late, "state": p.state,
        } for p in a.phases],
        "items": [_item_json(i) for i in a.items],
        "metrics": [{
            "id": m.metric.id, "title": m.metric.title, "measure": m.metric.measure,
            "qualitative": m.metric.qualitative, "baseline": m.metric.baseline,
            "target": m.metric.target_text, "current": m.current, "display": m.display,
            "met": m.met, "trend": list(m.trend),
        } for m in a.metrics],
        "review": None if a.review is None else {
            "next": a.review.next.isoformat(), "days_left": a.review.days_left,
            "overdue": a.review.overdue, "reviewers": list(a.review.reviewers),
        },
        "warnings": [str(w) for w in a.warnings],
        "trend": [{"commit": p.commit, "coverage": _num(p.coverage), "tests": p.tests}
                  for p in a.trend],
        "flaky": [flaky_data(f) for f in a.flaky],
    }


def delta_data(d: ItemDelta) -> dict[str, Any]:
    """What an item changed, as ``status --json`` and ``history --json`` show it."""
    a = d.arrival
    return {
        "item": d.item_id,
        "arrived": None if a is None else {
            "commit": a.commit.sha, "date": a.commit.authored.isoformat(),
            "author": a.commit.author, "file": a.path, "cut_off": a.cut_off},
        "baseline": {"commit": d.baseline, "run": d.baseline_run} if d.baseline else None,
        "missing": d.missing, "backfill": d.backfill_command, "reason": d.reason,
        "coverage": {"then": _num(d.coverage_then), "now": _num(d.coverage_now),
                     "change": _num(d.coverage_change)},
        "tests": {"then": d.tests_then, "now": d.tests_now, "change": d.tests_change},
        "targets": [{"path": t.path, "then": _num(t.then), "now": _num(t.now),
                     "change": _num(t.change)} for t in d.targets],
        "text": d.describe(),
    }


def _num(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def flaky_data(f: Flaky) -> dict[str, Any]:
    """A flaky test and its record, as ``status --json`` and ``history --json`` show it."""
    return {"test": f.nodeid, "runs": f.runs, "failed": f.failed,
            "outcomes": dict(f.outcomes), "failing_runs": list(f.failing_runs),
            "text": f.describe()}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _counts(ia: ItemAssessment) -> dict[str, int] | None:
    """The statement and branch counts behind the targets' coverage; None unmeasured."""
    counts = ia.target_counts
    if counts is None:
        return None
    return {"statements": counts.statements, "covered_statements": counts.covered_statements,
            "branches": counts.branches, "covered_branches": counts.covered_branches}
