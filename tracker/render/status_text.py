"""``tracker status``: the report as a summary for the terminal.

Phases with progress, the items not done and why, metrics, the next review and warnings.
Everything that came from a user's file, a test name or a git commit goes through
:func:`tracker.text.one_line`, so nothing in it can style or move the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.assess import Status
from tracker.render.report import Report
from tracker.render.words import progress_bar
from tracker.text import one_line

#: Flaky tests listed at most; the JSON form has them all.
MAX_FLAKY = 10


@dataclass(frozen=True)
class StatusText:
    """The terminal summary; ``show_all`` lists done items too."""

    show_all: bool = False

    def render(self, report: Report) -> str:
        return _summary(report, show_all=self.show_all)


def _summary(report: Report, *, show_all: bool) -> str:
    a = report.assessment
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
            out.append(f"  {ia.status.icon} {one_line(ia.item.id):<{width}}  {ia.status.value}: "
                       f"{one_line(ia.reason)}")
    if a.metrics:
        out += ["", "Metrics"]
        for m in a.metrics:
            met = {None: "", True: "  met", False: "  NOT MET"}[m.met]
            target = f"  target {one_line(m.metric.target_text)}" if m.metric.target_text else ""
            base = f"  baseline {one_line(m.metric.baseline)}" if m.metric.baseline else ""
            out.append(f"  {one_line(m.metric.title)}: {one_line(m.display)}{base}{target}{met}")
    if a.flaky:
        out += ["", "Flaky tests (outcome changed between runs of unchanged code)"]
        out += [f"  {one_line(f.nodeid)}: {f.describe()}" for f in a.flaky[:MAX_FLAKY]]
        if len(a.flaky) > MAX_FLAKY:
            out.append(f"  and {len(a.flaky) - MAX_FLAKY} more (tracker status --json)")
    if a.review:
        out += ["", f"Next review: {a.review.next.isoformat()} ({a.review.describe()})"]
    for warning in a.warnings:
        out.append(one_line(str(warning)))
    return "\n".join(out) + "\n"


