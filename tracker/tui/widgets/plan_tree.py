"""The tree of phases, sections and items, with status icons and progress bars."""

from __future__ import annotations

from collections.abc import Collection
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


#: Plans with more items than this open with only the current phase expanded.
EXPAND_ALL_UP_TO = 300


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
        self._pending: dict[str, PhaseAssessment] = {}  #: closed phases not filled yet
        self._assessment: Assessment | None = None
        self._filter = ""

    def show(self, assessment: Assessment, text_filter: str = "") -> None:
        """Build the tree for ``assessment``, keeping the cursor on the same node."""
        keep = self.cursor_node.data if self.cursor_node is not None else None
        #: where the cursor sat on screen: a reload puts it back there (scroll kept too)
        keep_row = self.cursor_line - round(self.scroll_y)
        self._filter = text_filter.strip().lower()
        self._assessment = assessment
        # a big plan opens with its phases closed (enter opens one): thousands of open rows
        # help nobody, and a closed phase gets its rows only when it is first opened
        current = assessment.current_phase if len(assessment.items) <= EXPAND_ALL_UP_TO * 2 \
            else None
        expand_all = len(assessment.items) <= EXPAND_ALL_UP_TO or bool(self._filter)
        self.clear()
        self._items.clear()
        self._phases.clear()
        self._pending.clear()
        for pa in assessment.phases:
            if self._filter and not any(self._matches(i)
                                        for i in assessment.phase_items(pa.phase.id)):
                continue
            expand = (expand_all or pa is current
                      or pa.phase.id == getattr(keep, "phase_id", None))
            node = self.root.add(self.phase_label(pa), data=NodeRef("phase", pa.phase.id,
                                                                    pa.phase.id),
                                 expand=expand, allow_expand=True)
            self._phases[pa.phase.id] = node
            if expand:
                self._fill(node, pa)
            else:
                self._pending[pa.phase.id] = pa
        if keep is not None:
            self.focus_ref(keep)
            if self.cursor_node is not None and self.cursor_node.data == keep:
                self.scroll_to(y=max(0, self.cursor_line - keep_row), animate=False,
                               immediate=True)
        if (self.cursor_node is None or self.cursor_line < 0) and self.root.children:
            self.move_cursor_to_line(0)

    def _fill(self, node: TreeNode[NodeRef], pa: PhaseAssessment) -> None:
        """Add a phase's sections and items under its node."""
        if not self._filter:
            for index, section in enumerate(pa.phase.sections):
                label = Text("§ ", style="dim")
                label.append(user(f"{section.id} {section.title}" if section.id
                                  else section.title))
                node.add_leaf(label, data=NodeRef("section", section.id or section.title,
                                                  pa.phase.id, index))
        assert self._assessment is not None, "a phase is filled only once a plan is shown"
        for ia in self._assessment.phase_items(pa.phase.id):
            if self._matches(ia):
                self._items[ia.item.id] = node.add_leaf(
                    self.item_label(ia), data=NodeRef("item", ia.item.id, pa.phase.id))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        ref = event.node.data
        if ref is not None and ref.kind == "phase" and ref.phase_id in self._pending:
            self._fill(event.node, self._pending.pop(ref.phase_id))

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
        pending = self._pending.pop(ref.phase_id, None)
        if pending is not None and ref.kind != "phase":
            self._fill(self._phases[ref.phase_id], pending)
            self._phases[ref.phase_id].expand()
        elif pending is not None:
            self._pending[ref.phase_id] = pending
        node = (self._items.get(ref.id) if ref.kind == "item"
                else self._phases.get(ref.phase_id))
        if ref.kind == "section":
            phase = self._phases.get(ref.phase_id)
            node = next((c for c in phase.children if c.data == ref), phase) if phase else None
        if node is not None:
            _ = self.last_line  # lays the rebuilt tree out: a new node has no line before
            self.move_cursor(node)

    def relabel(self, assessment: Assessment, items: Collection[str] | None = None) -> None:
        """Update icons and bars in place (live runs): no rebuild, no cursor jump.

        ``items``: the ids of the items judged again (None: all). Only the rows whose
        label changes are touched: a label shows an item's status (a phase's progress), so
        a live update of a big plan redraws the few rows its results changed.
        """
        before, self._assessment = self._assessment, assessment
        for phase_id in self._pending:
            self._pending[phase_id] = next(p for p in assessment.phases
                                           if p.phase.id == phase_id)
        same_plan = before is not None and before.plan is assessment.plan
        olds = before.items if before is not None and same_plan else (None,) * len(
            assessment.items)
        shown = self._items
        for ia, old in zip(assessment.items, olds, strict=True):
            if ia is old or items is not None and ia.item.id not in items:
                continue
            if old is not None and (old.status, old.item) == (ia.status, ia.item):
                continue
            node = shown.get(ia.item.id)
            if node is not None:
                node.set_label(self.item_label(ia))
        old_phases = before.phases if before is not None and same_plan else ()
        for index, pa in enumerate(assessment.phases):
            if index < len(old_phases) and old_phases[index] == pa:
                continue
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
