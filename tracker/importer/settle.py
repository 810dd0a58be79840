"""After the walk: checklists moved into the phases they name, sections placed around them.

Only once every phase heading has been read can "Week 3-4" under an "Implementation
Checklist" be matched to its phase. Whatever matches none becomes a phase of its own (warned),
and the prose sections fall where they stand: before the first phase (the plan's sections),
after the last (its appendix), or between them (a section of the phase they follow).
"""

from __future__ import annotations

from tracker.importer.draft import DraftPhase, DraftSection
from tracker.importer.headings import PhaseHead
from tracker.importer.inline import normal_key
from tracker.importer.walk import Group, Walk


def settle(w: Walk) -> None:
    """Move grouped and loose checklists into phases; place sections around them."""
    phases = [p for p in w.flow if isinstance(p, DraftPhase)]
    if not phases:
        _one_phase(w)
        phases = [p for p in w.flow if isinstance(p, DraftPhase)]
    for group in w.groups:
        _place_group(w, group, phases)
    for loose in w.loose:
        key = normal_key(loose.title)
        phase = next((p for p in phases if normal_key(p.title) == key), None)
        if phase is None:
            phase = DraftPhase(id=None, title=loose.title, line=loose.line)
            _insert(w, phase)
            phases.append(phase)
            w.report.warn(loose.line, f"the checklist under {loose.title!r} belongs to no "
                                      "phase: imported as a phase of its own")
        phase.items.extend(loose.items)
    _place_sections(w)


def _place_group(w: Walk, group: Group, phases: list[DraftPhase]) -> None:
    """Add a "Week 3-4" checklist to the phase it names, or make it a phase (warned)."""
    schedule = group.head.schedule
    phase = _match(group.head, group.heading, phases)
    if phase is None:
        phase = DraftPhase(id=None, title=group.head.title or group.heading, line=group.line,
                           priority=schedule.priority, weeks=schedule.weeks,
                           start=schedule.start, due=schedule.due)
        _insert(w, phase)
        phases.append(phase)
        w.report.warn(group.line, f"checklist {group.heading!r} matches no phase: imported as "
                                  "a phase of its own")
    else:
        phase.priority = phase.priority or schedule.priority
        if not (phase.weeks or phase.start or phase.due):
            phase.weeks, phase.start, phase.due = schedule.weeks, schedule.start, schedule.due
        if group.items:
            count = len(group.items)
            w.report.note(group.line, f"{count} {'item' if count == 1 else 'items'} under "
                                      f"{group.heading!r} moved to phase "
                                      f"{phase.id or phase.title!r}")
    phase.items.extend(group.items)
    if group.section is not None:
        phase.sections.append(group.section)


def _place_sections(w: Walk) -> None:
    """Phases in order; sections before the first, after the last, or in the one above
    (a section about a phase stays with the one above even after the last)."""
    first = next(i for i, p in enumerate(w.flow) if isinstance(p, DraftPhase))
    last = max(i for i, p in enumerate(w.flow) if isinstance(p, DraftPhase))
    current: DraftPhase | None = None
    for index, part in enumerate(w.flow):
        if isinstance(part, DraftPhase):
            current = part
            w.plan.phases.append(part)
        elif index < first:
            w.plan.sections.append(part)
        elif index > last and not part.in_phase:
            w.plan.appendix.append(part)
        else:
            assert current is not None
            current.sections.append(part)


def _insert(w: Walk, phase: DraftPhase) -> None:
    """A phase made from a checklist goes after the last phase so far."""
    last = max((i for i, p in enumerate(w.flow) if isinstance(p, DraftPhase)),
               default=len(w.flow) - 1)
    w.flow.insert(last + 1, phase)


def _one_phase(w: Walk) -> None:
    """No phase headings: everything becomes one phase of prose (warned)."""
    phase = DraftPhase(id="1", title=w.plan.title, line=1)
    phase.sections = [s for s in w.flow if isinstance(s, DraftSection)]
    for loose in w.loose:
        phase.items.extend(loose.items)
    w.loose = []
    for group in w.groups:
        phase.items.extend(group.items)
        if group.section is not None:
            phase.sections.append(group.section)
    w.groups = []
    w.flow = [phase]
    w.report.warn(1, "no phase headings found (such as '## Phase 1: Title' or "
                     "'## Week 1-2: Title'): imported the whole document as one phase; "
                     "split it into phases in plan.yaml")


def _match(head: PhaseHead, heading: str, phases: list[DraftPhase]) -> DraftPhase | None:
    """The phase a "Week 3-4: Coverage" or "Phase 2" checklist heading names."""
    if head.kind == "phase" and head.id:
        found = next((p for p in phases if (p.id or "").lower() == head.id.lower()), None)
        if found is not None:
            return found
    weeks = head.schedule.weeks
    if weeks:
        found = next((p for p in phases if p.weeks == weeks), None)
        if found is not None:
            return found
    key = normal_key(head.title or heading)
    found = next((p for p in phases if key and normal_key(p.title) == key), None)
    if found is not None:
        return found
    if weeks:
        return next((p for p in phases if p.weeks and p.weeks[0] <= weeks[0]
                     and weeks[1] <= p.weeks[1]), None)
    return None
