"""The detail pane: everything known about the selected item, phase or section."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tracker.assess import Assessment, ItemAssessment, PhaseAssessment, Status
from tracker.metrics import duration_text, percent
from tracker.tui.format import OUTCOME_STYLE, bar, short_nodeid, status_text, user, user_block
from tracker.tui.widgets.plan_tree import NodeRef

MAX_TESTS_SHOWN = 200
MAX_OPEN_SHOWN = 40


class DetailPane(VerticalScroll):
    """Shows one node of the plan in full; content is built from the assessment only."""

    DEFAULT_CSS = """
    DetailPane { padding: 0 1; }
    DetailPane > Static { width: 100%; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Assessment | None, NodeRef | None] | None = None  #: on screen now

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    def on_resize(self) -> None:
        """Shown again at the new width: test ids are shortened to fit it."""
        if self._shown is not None:
            assessment, ref = self._shown
            self._shown = None
            self.show(assessment, ref)

    def show(self, assessment: Assessment | None, ref: NodeRef | None) -> None:
        last = self._shown
        if assessment is not None and last is not None and last[0] is assessment \
                and last[1] == ref:
            return  # the same node of the same assessment: a cursor event after a rebuild
        self._shown = (assessment, ref)
        body = self.query_one("#detail-body", Static)
        if assessment is None or ref is None:
            body.update(Text("Select an item, phase or section.", style="dim"))
            return
        if ref.kind == "item":
            ia = assessment.item(ref.id)
            # the scrollbar's room kept: it comes with the content, and resizes nothing
            room = self.content_region.width - self.styles.scrollbar_size_vertical
            width = room if room > 0 else None  # None: not laid out yet
            body.update(item_view(ia, width) if ia else Text(""))
        elif ref.kind == "phase":
            pa = next((p for p in assessment.phases if p.phase.id == ref.phase_id), None)
            body.update(phase_view(assessment, pa) if pa else Text(""))
        else:
            pa = next((p for p in assessment.phases if p.phase.id == ref.phase_id), None)
            if pa is not None and ref.index < len(pa.phase.sections):
                section = pa.phase.sections[ref.index]
                title = user(f"{section.id} {section.title}" if section.id else section.title,
                             "bold")
                body.update(Group(title, Text(""), user_block(section.body)))


def _facts(rows: list[tuple[str, RenderableType]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    return table


#: statuses that are the item's claim itself, with its note as the reason: said once
_CLAIM_IS_STATUS = frozenset({Status.SKIPPED, Status.BLOCKED})


def item_view(ia: ItemAssessment, width: int | None = None) -> RenderableType:
    """The item in full; ``width`` (the pane's, when known) shortens test ids to fit."""
    item = ia.item
    reason = status_text(ia.status)
    reason.append(": ")
    reason.append(user(ia.reason))
    rows: list[tuple[str, RenderableType]] = [("status", reason)]
    if ia.status in _CLAIM_IS_STATUS and item.claim is not None:
        pass  # the status row says the claim, and its note is the reason
    elif item.claim is not None:
        claim = user(f"{item.claim.value}" + (f" — {item.note}" if item.note else ""))
        rows.append(("claimed", claim))
    elif item.note:
        rows.append(("note", user(item.note)))
    if item.owner:
        rows.append(("owner", user(item.owner)))
    if ia.due:
        due = Text(ia.due.isoformat())
        if ia.days_late:
            due.append(f"  late by {ia.days_late} days", style="bold red")
        rows.append(("due", due))
    rows.append(("line", Text(f"{item.location.path}:{item.location.line}")))
    parts: list[RenderableType] = [user(item.text, "bold"), Text(""), _facts(rows)]
    if ia.evidence.links or ia.evidence.marked:
        parts += [Text(""), Text("Links", style="bold underline")]
        for index, link in enumerate(ia.evidence.links):
            line = user(str(link.link), "cyan")
            cases = ia.link_cases[index]
            if cases:
                line.append(f"  → {cases} test{'s' if cases != 1 else ''}", style="green")
                if ia.seen_only_in_run(index):
                    line.append(" (seen in the run)", style="dim")
            else:
                line.append("  → ")
                line.append(user(link.problem or "matches nothing", "red"))
            parts.append(line)
        if ia.evidence.marked:
            marked = len(ia.evidence.marked)
            parts.append(Text(f"@pytest.mark.plan  → {marked} test{'s' if marked != 1 else ''}",
                              style="cyan"))
    if ia.evidence.checks:
        parts += [Text(""), Text("File checks", style="bold underline")]
        for check in ia.evidence.checks:
            line = Text("✔ " if check.ok else "✘ ", style="green" if check.ok else "red")
            line.append(user(str(check.check)))
            line.append("  ")
            line.append(user(check.detail, "dim"))
            parts.append(line)
    if item.targets:
        parts += [Text(""), Text("Targets", style="bold underline")]
        for target in ia.evidence.targets:
            line = user(target.target)
            found = len(target.files)
            line.append(f"  {found} file{'' if found == 1 else 's'}" if found
                        else "  matches no file", style="dim")
            parts.append(line)
        if ia.target_coverage is not None:
            cov = Text(f"coverage now {percent(ia.target_coverage)}")
            if ia.target_counts is not None:
                cov.append(f": {ia.target_counts.words()}", style="dim")
            if item.expect.target_coverage is not None:
                cov.append(f" (expected {item.expect.target_coverage:g}%)", style="dim")
            parts.append(cov)
        if ia.own_coverage is not None:
            own = Text(f"by its own tests {percent(ia.own_coverage)}")
            if item.expect.own_coverage is not None:
                own.append(f" (expected {item.expect.own_coverage:g}%)", style="dim")
            parts.append(own)
    parts.extend(_quality_view(ia))
    parts.extend(_changes_view(ia))
    parts.extend(_tests_view(ia, width))
    if ia.stale_files:
        parts += [Text(""), Text("Changed since the run: " + ", ".join(ia.stale_files),
                                 style="magenta")]
    return Group(*parts)


def _quality_view(ia: ItemAssessment) -> list[RenderableType]:
    """The item's test-quality and complexity thresholds, each with its offenders."""
    if not ia.quality:
        return []
    lines: list[RenderableType] = [Text(""), Text("Quality", style="bold underline")]
    for finding in ia.quality:
        line = Text("✔ " if finding.met else "✘ ", style="green" if finding.met else "red")
        line.append(finding.words())
        lines.append(line)
        lines.extend(user(f"    {name}", "dim") for name in finding.offenders[:MAX_TESTS_SHOWN])
        if finding.total > min(len(finding.offenders), MAX_TESTS_SHOWN):
            shown = min(len(finding.offenders), MAX_TESTS_SHOWN)
            lines.append(Text(f"    and {finding.total - shown} more", style="dim"))
    return lines


def _changes_view(ia: ItemAssessment) -> list[RenderableType]:
    """What the item changed since its tests arrived, and its linked tests known to be
    flaky."""
    lines: list[RenderableType] = []
    if ia.delta is not None and ia.delta.arrival is not None:
        change = ia.delta.coverage_change
        style = "" if change is None else "green" if change >= 0 else "red"
        lines += [Text(""), Text("Changed", style="bold underline"),
                  user(ia.delta.describe(), style)]
    if ia.flaky:
        lines += [Text(""), Text("Flaky tests", style="bold underline")]
        for f in ia.flaky[:MAX_TESTS_SHOWN]:
            line = user(f.nodeid, "yellow")
            line.append(f"  {f.describe()}", style="dim")
            lines.append(line)
    return lines


def _tests_view(ia: ItemAssessment, width: int | None) -> list[RenderableType]:
    tally = ia.tally
    if tally is None:
        if not ia.test_ids:
            return []
        lines: list[RenderableType] = [Text(""), Text("Tests (not yet run)",
                                                       style="bold underline")]
        lines.extend(user(short_nodeid(t, width), "dim") for t in ia.test_ids[:MAX_TESTS_SHOWN])
        return lines
    outcomes = sorted(tally.outcomes, key=lambda o: (o.outcome not in ("failed", "error"),
                                                     o.nodeid))[:MAX_TESTS_SHOWN]
    not_run = tally.not_run[:MAX_TESTS_SHOWN]
    # the test column gets what the outcome and time columns leave (2 cells of padding each)
    labels = [o.outcome for o in outcomes] + ["not run"] * bool(not_run) \
        + ["uncollectable"] * bool(tally.collection_errors)
    times = [duration_text(o.duration) for o in outcomes]
    fixed = max(map(len, ["outcome", *labels])) + max(map(len, ["time", *times])) + 6
    name_width = max(12, width - fixed) if width else None
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column("outcome", no_wrap=True)
    table.add_column("test")
    table.add_column("time", justify="right", no_wrap=True)
    for o in outcomes:
        name = user(short_nodeid(o.nodeid, name_width))
        if o.message and o.outcome != "passed":
            name.append("\n")
            name.append(user(o.message, "dim"))
        table.add_row(Text(o.outcome, style=OUTCOME_STYLE.get(o.outcome, "")), name,
                      duration_text(o.duration))
    for nodeid in not_run:
        table.add_row(Text("not run", style="yellow"), user(short_nodeid(nodeid, name_width)),
                      "")
    for error in tally.collection_errors:
        table.add_row(Text("uncollectable", style="bold red"), user(error), "")
    return [Text(""), Text("Tests", style="bold underline"), table]


def phase_view(a: Assessment, pa: PhaseAssessment) -> RenderableType:
    phase = pa.phase
    progress = bar(pa.done, pa.total, 20)
    progress.append(f"  {pa.done} of {pa.total} done")
    if pa.skipped:
        progress.append(f" ({pa.skipped} skipped)")
    rows: list[tuple[str, RenderableType]] = [("progress", progress),
                                              ("state", Text(pa.state))]
    if pa.start or pa.due:
        window = Text(f"{pa.start or '…'} → {pa.due or '…'}")
        if pa.late:
            window.append(f"  late by {pa.days_late} days", style="bold red")
        elif pa.days_left is not None and pa.days_left >= 0 and not pa.complete:
            window.append(f"  {pa.days_left} days left", style="dim")
        rows.append(("window", window))
    if phase.priority:
        rows.append(("priority", user(phase.priority)))
    parts: list[RenderableType] = [user(f"Phase {phase.id}: {phase.title}", "bold"), Text(""),
                                   _facts(rows)]
    if phase.body:
        parts += [Text(""), user_block(phase.body)]
    open_items = [i for i in a.phase_items(phase.id) if i.open]
    if open_items:
        parts += [Text(""), Text(f"Not done ({len(open_items)})", style="bold underline")]
        for ia in open_items[:MAX_OPEN_SHOWN]:
            line = status_text(ia.status)
            line.append(" ")
            line.append(user(ia.item.id, "bold"))
            line.append(" ")
            line.append(user(ia.reason, "dim"))
            if ia.days_late:
                line.append(f"  late {ia.days_late}d", style="red")
            parts.append(line)
        if len(open_items) > MAX_OPEN_SHOWN:
            parts.append(Text(f"… and {len(open_items) - MAX_OPEN_SHOWN} more", style="dim"))
    return Group(*parts)
