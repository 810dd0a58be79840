"""``tracker status``: the assessment as a terminal summary and as stable JSON.

The JSON form is an interface for scripts: ``FORMAT_VERSION`` changes when a field changes
meaning or disappears (adding fields does not change it).
"""

from __future__ import annotations

from typing import Any

from tracker.assess import Assessment, ItemAssessment, Status
from tracker.render.markdown import progress_bar
from tracker.text import one_line

#: 1: first version (items, phases, metrics, review, run, warnings; later added:
#: run.collection_errors).
FORMAT_VERSION = 1


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
        "targets": {"paths": list(ia.item.targets), "coverage": ia.target_coverage},
        "stale_files": list(ia.stale_files),
        "line": ia.item.location.line,
    }


def status_json(a: Assessment) -> dict[str, Any]:
    """The documented JSON form of ``tracker status --json``."""
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


def status_text(a: Assessment, *, show_all: bool = False) -> str:
    """A readable summary: phases with progress, items not done with why, metrics."""
    out = [f"{one_line(a.plan.title)}: {a.headline} (as of {a.today.isoformat()})"]
    run = a.run
    if run is None:
        out.append("Evidence: repository files; no test run recorded (run `tracker run`)")
    else:
        counts = ", ".join(f"{n} {k}" for k, n in run.counts().items() if n) or "no tests"
        commit = f", commit {run.commit[:10]}" if run.commit else ""
        dirty = " with local changes" if run.dirty else ""
        out.append(f"Evidence: run of {run.started:%Y-%m-%d %H:%M} UTC{commit}{dirty}: {counts}")
        errors = run.collection_errors
        for error in errors[:3]:
            out.append(f"  cannot be collected: {one_line(error.nodeid)}: "
                       f"{one_line(error.message)}")
        if len(errors) > 3:
            out.append(f"  and {len(errors) - 3} more collection errors")
    width = max((len(i.item.id) for i in a.items), default=0)
    for p in a.phases:
        due = f"  due {p.due.isoformat()}" if p.due else ""
        late = f"  LATE by {p.days_late} days" if p.late else ""
        out.append("")
        out.append(f"Phase {one_line(p.phase.id)}: {one_line(p.phase.title)}  "
                   f"{progress_bar(p.done, p.total)}  {p.done}/{p.total}{due}{late}")
        for ia in a.phase_items(p.phase.id):
            if ia.status is Status.DONE and not show_all:
                continue
            out.append(f"  {ia.status.icon} {ia.item.id:<{width}}  {ia.status.value}: "
                       f"{one_line(ia.reason)}")
    if a.metrics:
        out += ["", "Metrics"]
        for m in a.metrics:
            met = {None: "", True: "  met", False: "  NOT MET"}[m.met]
            target = f"  target {one_line(m.metric.target_text)}" if m.metric.target_text else ""
            base = f"  baseline {one_line(m.metric.baseline)}" if m.metric.baseline else ""
            out.append(f"  {one_line(m.metric.title)}: {m.display}{base}{target}{met}")
    if a.review:
        out += ["", f"Next review: {a.review.next.isoformat()} ({a.review.describe()})"]
    for warning in a.warnings:
        out.append(one_line(str(warning)))
    return "\n".join(out) + "\n"


def unmet(a: Assessment, ids: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """For ``--require``: the ids not done (phases: not complete) and the ids that name nothing."""
    phases = {p.phase.id: p for p in a.phases}
    items = {i.item.id: i for i in a.items}
    not_done, unknown = [], []
    for ident in ids:
        if ident in phases:
            if not phases[ident].complete:
                not_done.append(f"phase {ident}: {phases[ident].done} of {phases[ident].total} "
                                "done")
        elif ident in items:
            if not items[ident].done:
                not_done.append(f"{ident}: {items[ident].status.value}: "
                                f"{one_line(items[ident].reason)}")
        else:
            unknown.append(ident)
    return not_done, unknown
