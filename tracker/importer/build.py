"""From a Markdown plan's outline to a draft plan: phases, items, metrics and the rest.

The document is walked once, heading by heading. Phase headings become phases
(:mod:`.phases`), their subsections become sections, checklists become items
(:mod:`.extract`); a checklist grouped under a "Week 3-4" or "Phase 2" heading elsewhere (an
"Implementation Checklist" at the end) is moved into the phase it names once every phase is
known (:mod:`.settle`). Known sections (metrics, risks, approvals, related documents) become
data (:mod:`.known`); the plan's own fields come from key lines (:mod:`.keys`); every other
part stays prose, in document order, so nothing the team wrote is dropped. A document
rendered by ``tracker render`` is read back exactly: its ids, claims, notes and links.
"""

from __future__ import annotations

from tracker.importer import keys, phases
from tracker.importer.draft import DraftPlan, DraftSection
from tracker.importer.extract import extract
from tracker.importer.headings import PhaseHead
from tracker.importer.known import special
from tracker.importer.markdown import Node, Outline, body_text
from tracker.importer.rendered import PROGRESS_HEADER
from tracker.importer.report import Report
from tracker.importer.settle import settle
from tracker.importer.walk import Group, Walk, reporting

_RECORD_KINDS = ("metrics", "risks", "approvals", "related")


def build_draft(doc: Outline, front: dict[str, str], report: Report, *, rendered: bool,
                fallback_title: str) -> DraftPlan:
    """The draft plan a document's outline and front matter hold; findings go to ``report``.

    ``rendered``: the document was written by ``tracker render`` and is read by its rules;
    ``fallback_title`` titles a document without a ``# Title``.
    """
    w = Walk(report, rendered, DraftPlan(title=fallback_title))
    heads = (w.phase_head(title) for title in _headings(doc.nodes))
    w.has_phases = any(head is not None and head.kind == "phase" for head in heads)
    top = [head for node in doc.nodes
           if (head := w.phase_head(node)) is not None and head.kind == "phase"]
    w.top_phase_ids = {w.pid(head.id) for head in top}
    w.named_ids = {w.pid(head.id) for head in top if not reporting(head.title)}
    if doc.title is not None:
        w.plan.title = w.text(doc.title.text) or w.plan.title
    elif front.get("title"):
        w.plan.title = front["title"]
    else:
        report.warn(1, f"no '# Title' heading: the plan is titled {w.plan.title!r} after the "
                       "file; change title: if that is wrong")
    keys.front(w, front)
    w.plan.summary = body_text(keys.header(w, [*doc.prelude, *doc.header]))
    for node in doc.nodes:
        _top(w, node)
    settle(w)
    return w.plan


def _top(w: Walk, node: Node) -> None:
    """A top-level heading: a phase, a checklist group, a known section, or prose."""
    kind = w.kind(node.title)
    if kind == "progress" and w.rendered and any(
            line.text.strip() == PROGRESS_HEADER for line in node.body):
        return  # derived by the renderer
    head = w.phase_head(node)
    if head is not None and w.about(node, head):
        _about(w, node, head)
    elif w.is_phase(head):
        assert head is not None
        w.add_phase(phases.phase(w, node, head))
    elif head is not None:
        phases.group(w, node, head)
    elif kind in _RECORD_KINDS:
        assert kind is not None
        special(w, node, kind)
    elif not w.rendered and any(w.phase_head(child) is not None for child in node.children):
        _container(w, node)  # (a rendered plan's phases are all top-level headings)
    else:
        _prose(w, node)


def _prose(w: Walk, node: Node) -> None:
    """A section of prose; a checklist in it waits for the phase its title names."""
    section, items = phases.section(w, node)
    w.add_loose(node, items)
    if section is not None:
        w.flow.append(section)


def _about(w: Walk, node: Node, head: PhaseHead) -> None:
    """A heading about a phase ("Phase 3: Completion Summary"): prose where it stands, in
    the phase it follows, its checklist too; never moved into the phase it names (only a
    checklist before every phase, which has no other phase to be in)."""
    section, items = phases.section(w, node)
    current = w.current_phase()
    if section is not None:
        section.in_phase = current is not None
        w.flow.append(section)
    if current is not None:
        current.items.extend(items)
    elif items:  # before every phase: its checklist can only be the named phase's
        w.groups.append(Group(head, w.text(node.title), node.heading.number, items, None))
    w.report.note(node.heading.number, f"heading {w.text(node.title)!r} is about phase "
                                       f"{head.id!r}, not its checklist: kept where it stands")


def _container(w: Walk, node: Node) -> None:
    """A heading over phase or week headings ("Implementation Checklist", "Roadmap")."""
    items, rest = extract(w, node.body)
    body = body_text(rest)
    w.add_loose(node, items)
    if body:
        section_id, title = w.title(node)
        w.flow.append(DraftSection(title, body, node.heading.number, section_id))
    else:
        w.report.note(node.heading.number, f"heading {w.text(node.title)!r} only groups "
                                           "phases or checklists: not kept")
    for child in node.children:
        head = w.phase_head(child)
        nested = head is not None and head.kind == "phase" and \
            w.pid(head.id) in w.top_phase_ids
        if head is not None and w.about(child, head):
            _about(w, child, head)
        elif w.is_phase(head) and not nested:  # else the checklist of a phase below
            assert head is not None
            w.add_phase(phases.phase(w, child, head))
        elif head is not None:
            phases.group(w, child, head)
        else:
            _prose(w, child)


def _headings(nodes: list[Node]) -> list[str]:
    out = []
    for node in nodes:
        out.append(node.title)
        out.extend(_headings(node.children))
    return out
