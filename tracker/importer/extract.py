"""Taking the data out of a run of lines: checklist items, record tables, key lines.

Every part of the document (a phase's body, a section, a known section) goes through
:func:`extract`, which returns the items it found and the lines left over, which stay the
part's prose. A checklist line becomes an item with its claim and note; in a rendered
document, with the detail line under it, the item's id, claim, note and links exactly.
"""

from __future__ import annotations

from tracker.importer.checklist import Checkbox, claim_and_note, parse_checkbox
from tracker.importer.draft import DraftItem
from tracker.importer.ids import ID_PATTERN
from tracker.importer.inline import strip_hard_break, unescape_inline
from tracker.importer.keys import apply_key
from tracker.importer.markdown import Line, code_span
from tracker.importer.metrics import metric_table
from tracker.importer.records import approval_table, risk_table
from tracker.importer.rendered import is_detail, parse_detail
from tracker.importer.tables import Table, find_tables
from tracker.importer.walk import Walk


def extract(w: Walk, lines: list[Line], *, items: bool = True, qualitative: bool = False,
            records: bool = False) -> tuple[list[DraftItem], list[Line]]:
    """Take tables, key lines and (if ``items``) checklists out of ``lines``.

    ``records``: this is a known section, whose tables are data even in a rendered plan
    (elsewhere a rendered plan's tables are the team's prose).
    """
    taken: set[int] = set()
    for table in find_tables(lines) if records or not w.rendered else ():
        if _table(w, table, qualitative):
            taken.update(range(table.start, table.end))
    found: list[DraftItem] = []
    rest: list[Line] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if index in taken or line.code:
            if index not in taken:
                rest.append(line)
            index += 1
            continue
        box = parse_checkbox(line.text) if items else None
        if box is not None and w.rendered and not (
                index + 1 < len(lines) and is_detail(lines[index + 1].text)):
            box = None  # a rendered plan's items all have a detail line: this is prose
        if box is not None:
            item, index = _item(w, box, lines, index)
            found.append(item)
            continue
        if not apply_key(w, line, header=False):
            rest.append(line)
        index += 1
    return found, rest


def _table(w: Walk, table: Table, qualitative: bool) -> bool:
    """Read a risks, approvals or metrics table into the plan; False for any other table."""
    plan = w.plan
    risks = risk_table(table, w.rendered)
    if risks is not None:
        plan.risks.extend(risks[0])
        for number, message in risks[1]:
            w.report.note(number, message)
        return True
    approvals = approval_table(table, w.rendered)
    if approvals is not None:
        plan.approvals.extend(approvals[0])
        for number, message in approvals[1]:
            w.report.note(number, message)
        return True
    metrics = metric_table(table, w.rendered, qualitative)
    if metrics is not None:
        plan.metrics.extend(metrics)
        return True
    return False


def _item(w: Walk, box: Checkbox, lines: list[Line], index: int) -> tuple[DraftItem, int]:
    """The item on ``lines[index]`` with its detail or continuation lines, and the index of
    the line after them."""
    after = index + 1
    if after < len(lines) and not lines[after].code and is_detail(lines[after].text):
        rendered = _rendered_item(box, lines[index], lines[after])
        if rendered is not None:
            return rendered, after + 1
    words, remarks = [box.text], []
    while after < len(lines):
        line = lines[after]
        stripped = line.text.strip()
        indent = len(line.text) - len(line.text.lstrip())
        if line.code or not stripped or indent <= box.indent \
                or parse_checkbox(line.text) is not None:
            break
        if stripped[:2] in ("- ", "* ", "+ "):
            remarks.append(strip_hard_break(stripped[2:]))
        else:
            words.append(strip_hard_break(stripped))
        after += 1
    text, claim, note = claim_and_note(Checkbox(box.indent, box.claim, " ".join(words)))
    if remarks:
        note = "; ".join([*([note] if note else []), *remarks])
    item_id = None
    span = code_span(text, 0)
    if w.rendered and span is not None and ID_PATTERN.fullmatch(span[0]):
        item_id, text = span[0], unescape_inline(text[span[1]:].strip()) or span[0]
    return DraftItem(text=text, line=lines[index].number, id=item_id, claim=claim,
                     note=note), after


def _rendered_item(box: Checkbox, line: Line, detail_line: Line) -> DraftItem | None:
    """An item as ``tracker render`` writes it: `id` text, then its detail line."""
    span = code_span(box.text, 0)
    if span is None or not ID_PATTERN.fullmatch(span[0]):
        return None
    detail = parse_detail(detail_line.text)
    text = unescape_inline(box.text[span[1]:].strip())
    return DraftItem(text=text or span[0], line=line.number, id=span[0], claim=detail.claim,
                     note=detail.note, owner=detail.owner, due=detail.due, tests=detail.tests,
                     files=detail.files, targets=detail.targets, expect=detail.expect,
                     rendered=True)
