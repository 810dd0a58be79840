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
from tracker.render.report import Report
from tracker.render.words import terminal_safe_json

#: 1: first version (items, phases, metrics, review, run, warnings; later added:
#: run.collection_errors, items[].targets.counts).
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
        "line": ia.item.location.line,
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
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _counts(ia: ItemAssessment) -> dict[str, int] | None:
    """The statement and branch counts behind the targets' coverage; None unmeasured."""
    counts = ia.target_counts
    if counts is None:
        return None
    return {"statements": counts.statements, "covered_statements": counts.covered_statements,
            "branches": counts.branches, "covered_branches": counts.covered_branches}
