"""The state of one walk over a Markdown plan's outline, and how it reads headings.

The document is walked once, heading by heading (:mod:`.build`); what is found is kept here
until every phase is known (:mod:`.settle`): the draft plan, the document's parts in order,
and the checklists that belong to a phase named elsewhere. A rendered document
(``tracker render``'s output) is read by the renderer's own rules, a person's by looser ones;
the questions whose answers differ between the two are answered here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.importer.draft import DraftItem, DraftPhase, DraftPlan, DraftSection
from tracker.importer.headings import PhaseHead, numbered_title, phase_heading, section_kind
from tracker.importer.inline import normal_key, unescape_inline
from tracker.importer.markdown import Node
from tracker.importer.report import Report

#: The sections the renderer writes, by title.
RENDERED_SECTIONS = {"progress": "progress", "success metrics": "metrics", "risks": "risks",
                     "approvals": "approvals", "related documents": "related"}


@dataclass
class Group:
    """A checklist under a "Week 3-4" or "Phase 2" heading outside its phase."""

    head: PhaseHead
    heading: str
    line: int
    items: list[DraftItem]
    section: DraftSection | None


@dataclass
class Loose:
    """Checklist items under a heading that names no phase."""

    title: str
    line: int
    items: list[DraftItem] = field(default_factory=list)


@dataclass
class Walk:
    """What one walk has found so far; notes and warnings go to ``report``."""

    report: Report
    rendered: bool  #: the document was written by ``tracker render``
    plan: DraftPlan
    flow: list[DraftSection | DraftPhase] = field(default_factory=list)  #: in document order
    groups: list[Group] = field(default_factory=list)
    loose: list[Loose] = field(default_factory=list)
    has_phases: bool = False  #: the document has "Phase N" headings (not only weeks)
    phase_ids: set[str] = field(default_factory=set)  #: ids of the phases seen so far
    top_phase_ids: set[str] = field(default_factory=set)  #: ids of top-level phase headings

    def text(self, text: str) -> str:
        """Inline text as the author meant it: a rendered plan's escapes undone."""
        return unescape_inline(text) if self.rendered else text

    def title(self, node: Node) -> tuple[str | None, str]:
        """A section's id and title; an empty heading is titled "Untitled" (plan.yaml needs
        a title)."""
        section_id, title = numbered_title(self.text(node.title))
        return section_id, title if title.strip() else "Untitled"

    def phase_head(self, node_or_title: Node | str) -> PhaseHead | None:
        """The phase or week group a heading names (a rendered plan names phases only)."""
        title = node_or_title if isinstance(node_or_title, str) else node_or_title.title
        head = phase_heading(title, rendered=self.rendered)
        return None if self.rendered and head is not None and head.kind != "phase" else head

    def is_phase(self, head: PhaseHead | None) -> bool:
        """True for a heading that starts a phase; False for a checklist group of one.

        "Week 3-4" starts a phase only in documents without "Phase N" headings, and a
        second "Phase 2" heading (under an "Implementation Checklist") groups phase 2's items.
        """
        if head is None or (head.kind == "week" and self.has_phases):
            return False
        return head.kind == "week" or self.pid(head.id) not in self.phase_ids

    def pid(self, value: str | None) -> str:
        """A phase id as compared: a rendered plan's exactly, a person's in any case."""
        return (value or "") if self.rendered else (value or "").lower()

    def kind(self, title: str) -> str | None:
        """The known section a title names; in a rendered plan only the renderer's own."""
        if self.rendered:
            return RENDERED_SECTIONS.get(normal_key(self.text(title)))
        return section_kind(title)

    def add_phase(self, phase: DraftPhase) -> None:
        self.flow.append(phase)
        self.phase_ids.add(self.pid(phase.id))

    def add_loose(self, node: Node, items: list[DraftItem]) -> None:
        """Keep a checklist found under ``node``, a heading that names no phase."""
        if items:
            self.loose.append(Loose(self.title(node)[1], node.heading.number, items))
