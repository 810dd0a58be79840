"""The state of one walk over a Markdown plan's outline, and how it reads headings.

The document is walked once, heading by heading (:mod:`.build`); what is found is kept here
until every phase is known (:mod:`.settle`): the draft plan, the document's parts in order,
and the checklists that belong to a phase named elsewhere. A rendered document
(``tracker render``'s output) is read by the renderer's own rules, a person's by looser ones;
the questions whose answers differ between the two are answered here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.importer.checklist import parse_checkbox
from tracker.importer.draft import DraftItem, DraftPhase, DraftPlan, DraftSection
from tracker.importer.headings import PhaseHead, numbered_title, phase_heading, section_kind
from tracker.importer.inline import normal_key, unescape_inline
from tracker.importer.markdown import Node
from tracker.importer.rendered import facts_line
from tracker.importer.report import Report

#: Last words of a title that make a "Phase 3: ..." heading a report on the phase ("Phase 3:
#: Completion Summary", "Phase 1 - Progress Report") rather than the phase or its checklist.
REPORT_WORDS = {"summary", "report", "retrospective", "retro", "recap", "notes", "results",
                "update", "updates", "status", "outcome", "outcomes", "lessons", "learned",
                "findings", "postmortem", "debrief", "wrap-up", "wrapup"}

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
    named_ids: set[str] = field(default_factory=set)  #: ids a top-level heading is the phase of

    def text(self, text: str) -> str:
        """Inline text as the author meant it: a rendered plan's escapes undone."""
        return unescape_inline(text) if self.rendered else text

    def title(self, node: Node) -> tuple[str | None, str]:
        """A section's id and title; an empty heading is titled "Untitled" (plan.yaml needs
        a title)."""
        section_id, title = numbered_title(self.text(node.title))
        return section_id, title if title.strip() else "Untitled"

    def phase_head(self, node_or_title: Node | str) -> PhaseHead | None:
        """The phase or week group a heading names.

        A rendered plan names phases only, each heading followed by its facts line: a
        section the team titled "Phase 2: Notes" is rendered without one and stays a section.
        """
        title = node_or_title if isinstance(node_or_title, str) else node_or_title.title
        head = phase_heading(title, rendered=self.rendered)
        if not self.rendered or head is None:
            return head
        if head.kind != "phase" or (isinstance(node_or_title, Node)
                                    and not _has_facts(node_or_title)):
            return None
        return head

    def about(self, node: Node, head: PhaseHead) -> bool:
        """True for a heading that names a phase without being it or its checklist.

        "Phase 3: Completion Summary" reports on phase 3 when phase 3 has a heading of its
        own; "Phase 1: Background" after phase 1, with no checklist under it, is prose about
        phase 1. Such a heading stays where it stands. A checklist under "Phase 2", "Phase 2
        Tasks" or the phase's own title is phase 2's work, and is moved there.
        """
        if head.kind != "phase" or not head.title.strip():
            return False
        pid = self.pid(head.id)
        if reporting(head.title):
            return pid in self.named_ids
        if pid not in self.phase_ids or _has_checklist(node):
            return False
        phase = next(p for p in self.flow if isinstance(p, DraftPhase) and self.pid(p.id) == pid)
        return normal_key(self.text(head.title)) != normal_key(phase.title)

    def current_phase(self) -> DraftPhase | None:
        """The last phase read so far: the one a heading after it stands in."""
        return next((p for p in reversed(self.flow) if isinstance(p, DraftPhase)), None)

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


def reporting(title: str) -> bool:
    """True for a title like "Completion Summary": a report on a phase, not one."""
    words = normal_key(title).split()
    return bool(words) and words[-1] in REPORT_WORDS


def _has_checklist(node: Node) -> bool:
    return any(not line.code and parse_checkbox(line.text) is not None
               for line in node.all_lines())


def _has_facts(node: Node) -> bool:
    """True when the heading's first line is the facts line the renderer writes for phases."""
    first = next((line for line in node.body if line.text.strip()), None)
    return first is not None and not first.code and facts_line(first.text) is not None
