"""Phase headings and the prose sections and checklists under them.

A phase's schedule comes from its heading ("Phase 2: Coverage (P1) - Week 3-4") and from
key lines at the top of its body ("**Due:** 2026-04-01"), or, in a rendered document, from
the italic facts line the renderer writes; its subheadings become its sections, and the
checklists anywhere under it its items.
"""

from __future__ import annotations

from tracker.importer.draft import DraftItem, DraftPhase, DraftSection
from tracker.importer.extract import extract
from tracker.importer.headings import PhaseHead, read_schedule
from tracker.importer.inline import key_line, parse_date
from tracker.importer.markdown import Line, Node, body_text
from tracker.importer.rendered import facts_line
from tracker.importer.walk import Group, Walk

#: Lines at the top of a phase that set its schedule.
_PHASE_KEYS = {
    "priority": "priority", "timeline": "window", "weeks": "window", "week": "window",
    "duration": "window", "schedule": "window", "when": "window", "dates": "window",
    "due": "due", "due date": "due", "deadline": "due", "target date": "due", "end": "due",
    "end date": "due", "start": "start", "start date": "start", "starts": "start",
    "status": "status",
}


def section(w: Walk, node: Node) -> tuple[DraftSection | None, list[DraftItem]]:
    """A prose section; checklist lines in it come back as items."""
    items, rest = extract(w, node.all_lines())
    body = body_text(rest)
    if not body and items:
        return None, items
    section_id, title = w.title(node)
    return DraftSection(title, body, node.heading.number, section_id), items


def group(w: Walk, node: Node, head: PhaseHead) -> None:
    """A checklist under a heading naming a phase or weeks, placed once phases are known."""
    items, rest = extract(w, node.all_lines())
    body = body_text(rest)
    found = DraftSection(w.text(node.title).strip() or "Untitled", body,
                         node.heading.number) if body else None
    w.groups.append(Group(head, w.text(node.title), node.heading.number, items, found))


def phase(w: Walk, node: Node, head: PhaseHead) -> DraftPhase:
    """The phase a heading starts, with its schedule, prose, sections and items."""
    schedule = head.schedule
    title = head.title or (f"Phase {head.id}" if head.id else node.title.strip())
    found = DraftPhase(id=head.id, title=title, line=node.heading.number,
                       priority=schedule.priority, weeks=schedule.weeks,
                       start=schedule.start, due=schedule.due)
    if schedule.marks and not w.rendered:
        w.report.note(node.heading.number, f"status {' '.join(schedule.marks)!r} of phase "
                                           f"{title!r} not kept: tracker derives it")
    body = _phase_keys(w, found, list(node.body))
    items, rest = extract(w, body)
    found.items.extend(items)
    found.body = body_text(rest)
    for child in node.children:
        child_section, child_items = section(w, child)
        found.items.extend(child_items)
        if child_section is not None:
            found.sections.append(child_section)
    return found


def _phase_keys(w: Walk, phase: DraftPhase, body: list[Line]) -> list[Line]:
    """Read the facts line (rendered) or ``**Due:** …`` lines at the top of a phase."""
    index = 0
    while index < len(body) and not body[index].text.strip():
        index += 1
    if w.rendered:
        facts = facts_line(body[index].text) if index < len(body) else None
        if facts is None:
            return body
        if not phase.weeks:  # a window in weeks is shown as dates: keep the weeks
            phase.start, phase.due = facts
        return body[:index] + body[index + 1:]
    rest = list(body[:index])
    while index < len(body):
        line = body[index]
        if not line.code and not line.text.strip():
            rest.append(line)
            index += 1
            continue
        found = None if line.code else key_line(line.text)
        kind = _PHASE_KEYS.get(found[0]) if found else None
        if found is None or kind is None or not _phase_key(w, phase, kind, found[1],
                                                           line.number):
            break
        index += 1
    return rest + body[index:]


def _phase_key(w: Walk, phase: DraftPhase, kind: str, value: str, number: int) -> bool:
    """Apply one key line to the phase; False when it is not a schedule after all."""
    if kind == "status":
        if not w.rendered:
            w.report.note(number, f"status {value!r} of phase {phase.title!r} not kept: "
                                  "tracker derives it")
        return True
    if kind == "priority":
        phase.priority = phase.priority or value
        return bool(value)
    schedule = read_schedule(value)
    if kind == "window" and schedule is not None and (schedule.weeks or schedule.start
                                                      or schedule.due):
        phase.weeks = phase.weeks or schedule.weeks
        phase.start = phase.start or schedule.start
        phase.due = phase.due or schedule.due
        return True
    day = parse_date(value)
    if day is None:
        return False
    if kind == "due":
        phase.due = phase.due or day
    else:
        phase.start = phase.start or day
    return True
