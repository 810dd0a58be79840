"""The tree of phases, sections and items, with status icons and progress bars."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tracker.assess import Assessment, ItemAssessment, PhaseAssessment, Status
from tracker.tui.format import STATUS_STYLE, bar, user


@dataclass(frozen=True)
class NodeRef:
    """What a tree node stands for: ``kind`` is "phase", "section" or "item"."""

    kind: str
    id: str
    phase_id: str
    index: int = 0  #: position of a section within its phase


class PlanTree(Tree[NodeRef]):
    """Phases → sections and items. Rebuilt on reload, relabelled during live runs."""

    DEFAULT_CSS = """
    PlanTree { scrollbar-size-vertical: 1; overflow-x: hidden; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(Text("plan"), **kwargs)  # type: ignore[arg-type]
        self.show_root = False
        self.guide_depth = 2
        self._items: dict[str, TreeNode[NodeRef]] = {}
        self._phases: dict[str, TreeNode[NodeRef]] = {}
        self._filter = ""

    def show(self, assessment: Assessment, text_filter: str = "") -> None:
        """Build the tree for ``assessment``, keeping the cursor on the same node."""
        keep = self.cursor_node.data if self.cursor_node is not None else None
        self._filter = text_filter.strip().lower()
        self.clear()
        self._items.clear()
        self._phases.clear()
        for pa in assessment.phases:
            items = [i for i in assessment.phase_items(pa.phase.id) if self._matches(i)]
            sections = [] if self._filter else list(enumerate(pa.phase.sections))
            if self._filter and not items:
                continue
            node = self.root.add(self.phase_label(pa), data=NodeRef("phase", pa.phase.id,
                                                                    pa.phase.id), expand=True)
            self._phases[pa.phase.id] = node
            for index, section in sections:
                label = Text("§ ", style="dim")
                label.append(user(f"{section.id} {section.title}" if section.id
                                  else section.title))
                node.add_leaf(label, data=NodeRef("section", section.id or section.title,
                                                  pa.phase.id, index))
            for ia in items:
                self._items[ia.item.id] = node.add_leaf(
                    self.item_label(ia), data=NodeRef("item", ia.item.id, pa.phase.id))
        if keep is not None:
            self.focus_ref(keep)
        if (self.cursor_node is None or self.cursor_line < 0) and self.root.children:
            self.move_cursor_to_line(0)

    def _matches(self, ia: ItemAssessment) -> bool:
        """Filter by text, id, or ``status:NAME`` (e.g. ``status:failing``)."""
        if not self._filter:
            return True
        for word in self._filter.split():
            if word.startswith("status:"):
                if not ia.status.value.replace(" ", "-").startswith(word[7:].replace(" ", "-")):
                    return False
            elif word not in f"{ia.item.id} {ia.item.text}".lower():
                return False
        return True

    def focus_ref(self, ref: NodeRef) -> None:
        node = (self._items.get(ref.id) if ref.kind == "item"
                else self._phases.get(ref.phase_id))
        if node is not None:
            self.move_cursor(node)

    def relabel(self, assessment: Assessment) -> None:
        """Update icons and bars in place (live runs): no rebuild, no cursor jump."""
        for ia in assessment.items:
            node = self._items.get(ia.item.id)
            if node is not None:
                node.set_label(self.item_label(ia))
        for pa in assessment.phases:
            node = self._phases.get(pa.phase.id)
            if node is not None:
                node.set_label(self.phase_label(pa))

    @staticmethod
    def item_label(ia: ItemAssessment) -> Text:
        label = Text(f"{ia.status.icon} ", style=STATUS_STYLE[ia.status])
        label.append(user(ia.item.id, "bold" if ia.status is Status.FAILING else ""))
        label.append(" ")
        label.append(user(ia.item.text, "dim" if ia.status is Status.SKIPPED else ""))
        return label

    @staticmethod
    def phase_label(pa: PhaseAssessment) -> Text:
        label = Text()
        label.append(user(f"{pa.phase.id}. {pa.phase.title}", "bold"))
        label.append("  ")
        label.append(bar(pa.done, pa.total))
        label.append(f" {pa.done}/{pa.total}")
        if pa.late:
            label.append(f"  late {pa.days_late}d", style="bold red")
        return label
