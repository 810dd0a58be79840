"""The sections the importer knows: success metrics, risks, approvals, related documents.

Their tables and list lines become plan data (:mod:`.metrics`, :mod:`.records`); whatever
else the section holds stays a prose section of its own, so nothing written is dropped.
"""

from __future__ import annotations

from typing import TypeVar

from tracker.importer.checklist import parse_checkbox
from tracker.importer.draft import (
    DraftApproval,
    DraftMetric,
    DraftRelated,
    DraftRisk,
    DraftSection,
)
from tracker.importer.extract import extract
from tracker.importer.headings import metric_group
from tracker.importer.inline import strip_hard_break
from tracker.importer.markdown import Line, Node, body_text
from tracker.importer.metrics import metric_line
from tracker.importer.records import approval_line, related_line, risk_line
from tracker.importer.walk import Walk

_Record = TypeVar("_Record", DraftMetric, DraftRisk, DraftApproval, DraftRelated)


def special(w: Walk, node: Node, kind: str) -> None:
    """Metrics, risks, approvals or related documents; other lines stay prose."""
    plan = w.plan
    starts = len(plan.metrics), len(plan.risks), len(plan.approvals), len(plan.related)
    rest = _metrics(w, node) if kind == "metrics" else _records(w, node, kind)
    _in_document_order(plan.metrics, starts[0])  # tables are read before list lines
    _in_document_order(plan.risks, starts[1])
    _in_document_order(plan.approvals, starts[2])
    _in_document_order(plan.related, starts[3])
    body = body_text(rest)
    if body:
        section_id, title = w.title(node)
        w.flow.append(DraftSection(title, body, node.heading.number, section_id))


def _in_document_order(records: list[_Record], start: int) -> None:
    """Sort the records added since ``start`` by their line."""
    records[start:] = sorted(records[start:], key=lambda r: r.line)


def _records(w: Walk, node: Node, kind: str) -> list[Line]:
    """Risks, approvals or related documents from the section's tables and list lines."""
    _, lines = extract(w, node.all_lines(), items=False, records=True)
    if w.rendered and kind == "approvals":
        return []  # the table is the approvals; the rest (unverified claims) comes from git
    rest = []
    for line in lines:
        text = bullet(line)
        if text is None or not _record(w, kind, text, line.number):
            rest.append(line)
    return rest


def _record(w: Walk, kind: str, text: str, number: int) -> bool:
    """Add the record a list line of a ``kind`` section holds; False when it holds none."""
    plan = w.plan
    if kind == "related":
        related = related_line(text, number, w.rendered)
        if related is not None:
            plan.related.append(related)
        return related is not None
    if kind == "risks":
        risk = risk_line(text, number)
        if risk is not None:
            plan.risks.append(risk)
        return risk is not None
    approval = approval_line(text, number)
    if approval is not None:
        plan.approvals.append(approval)
    return approval is not None


def _metrics(w: Walk, node: Node) -> list[Line]:
    """Metrics from tables and list lines, under "Quantitative"/"Qualitative" subheadings
    or not; an indented bullet under a metric is its note."""
    parts: list[tuple[bool | None, list[Line]]] = [(None, node.body)]
    rest: list[Line] = []
    for child in node.children:
        group = metric_group(child.title)
        if group is None:
            parts.append((None, [*child.heading.lines, *child.all_lines()]))
        else:
            parts.append((group, child.all_lines()))
    for qualitative, lines in parts:
        _, lines = extract(w, lines, items=False, qualitative=bool(qualitative), records=True)
        last: DraftMetric | None = None
        last_indent = 0
        for line in lines:
            text = bullet(line)
            indent = len(line.text) - len(line.text.lstrip())
            if text is not None and last is not None and indent > last_indent:
                last.note = f"{last.note}; {text}" if last.note else text
                continue
            metric = metric_line(text, line.number, bool(qualitative)) if text else None
            if metric is None:
                rest.append(line)
                last = None
                continue
            w.plan.metrics.append(metric)
            last, last_indent = metric, indent
    return rest


def bullet(line: Line) -> str | None:
    """The text of a list line (bullet, number or checkbox), else None."""
    if line.code:
        return None
    box = parse_checkbox(line.text)
    if box is not None:
        return box.text
    stripped = line.text.strip()
    if stripped[:2] in ("- ", "* ", "+ "):
        return strip_hard_break(stripped[2:].strip()) or None
    digits = len(stripped) - len(stripped.lstrip("0123456789"))
    if 0 < digits < 10 and stripped[digits:digits + 2] in (". ", ") "):
        return strip_hard_break(stripped[digits + 2:].strip()) or None
    return None
