"""From a Markdown plan's outline to a draft plan: phases, items, metrics and the rest.

The document is walked once, heading by heading. Phase headings become phases, their
subsections become sections, checklists become items; a checklist grouped under a "Week 3-4"
or "Phase 2" heading elsewhere (an "Implementation Checklist" at the end) is moved into the
phase it names once every phase is known. Known sections (metrics, risks, approvals,
related documents) become data; every other part stays prose, in document order, so
nothing the team wrote is dropped. A document rendered by ``tracker render`` is read back
exactly: its ids, claims, notes and links.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.importer.checklist import Checkbox, claim_and_note, parse_checkbox
from tracker.importer.draft import (
    DraftItem,
    DraftMetric,
    DraftPhase,
    DraftPlan,
    DraftSection,
)
from tracker.importer.headings import (
    PhaseHead,
    metric_group,
    numbered_title,
    phase_heading,
    read_schedule,
    section_kind,
)
from tracker.importer.ids import ID_PATTERN
from tracker.importer.inline import (
    key_line,
    normal_key,
    parse_date,
    strip_emphasis,
    strip_hard_break,
    unescape_inline,
)
from tracker.importer.markdown import Line, Node, Outline, body_text, code_span
from tracker.importer.metrics import metric_line, metric_table
from tracker.importer.records import (
    approval_line,
    approval_table,
    related_line,
    risk_line,
    risk_table,
)
from tracker.importer.rendered import (
    GENERATED_PREFIX,
    PROGRESS_HEADER,
    facts_line,
    is_detail,
    parse_detail,
    review_interval,
    review_value,
)
from tracker.importer.report import Report
from tracker.importer.tables import Table, find_tables

#: Lines in the header (under the title) that set plan fields.
_HEADER_KEYS = {
    "status": "status", "plan status": "status", "document status": "status",
    "created": "created", "date created": "created", "created on": "created",
    "start date": "created", "date": "created",
    "updated": "updated", "last updated": "updated", "last modified": "updated",
    "modified": "updated", "priority": "priority", "overall priority": "priority",
    "owner": "owner", "owners": "owner", "document owner": "owner", "plan owner": "owner",
    "team": "owner", "owning team": "owner", "as of": "rendered", "evidence": "rendered",
}
#: Lines anywhere (usually at the end) that set plan fields.
_FOOTER_KEYS = {
    "next review": "review", "next review date": "review", "review date": "review",
    "next review due": "review", "document owner": "owner", "plan owner": "owner",
    "review cycle": "every", "review frequency": "every", "review interval": "every",
    "review cadence": "every", "review every": "every", "reviewers": "reviewers",
    "reviewed by": "reviewers", "last updated": "updated", "updated": "updated",
    "last modified": "updated", "past reviews": "rendered",
}
_HEADER_KEYS = {**_FOOTER_KEYS, **_HEADER_KEYS}
#: The footer lines the renderer writes (any other key line in a rendered plan is prose).
_RENDERED_FOOTER = ("**Next review:**", "**Past reviews:**")
#: The sections the renderer writes, by title.
_RENDERED_SECTIONS = {"progress": "progress", "success metrics": "metrics", "risks": "risks",
                      "approvals": "approvals", "related documents": "related"}
#: Lines at the top of a phase that set its schedule.
_PHASE_KEYS = {
    "priority": "priority", "timeline": "window", "weeks": "window", "week": "window",
    "duration": "window", "schedule": "window", "when": "window", "dates": "window",
    "due": "due", "due date": "due", "deadline": "due", "target date": "due", "end": "due",
    "end date": "due", "start": "start", "start date": "start", "starts": "start",
    "status": "status",
}


@dataclass
class _Group:
    """A checklist under a "Week 3-4" or "Phase 2" heading outside its phase."""

    head: PhaseHead
    heading: str
    line: int
    items: list[DraftItem]
    section: DraftSection | None


@dataclass
class _Loose:
    """Checklist items under a heading that names no phase."""

    title: str
    line: int
    items: list[DraftItem] = field(default_factory=list)


class Builder:
    """Builds a :class:`DraftPlan` from an :class:`Outline`, noting findings in a report."""

    def __init__(self, report: Report, *, rendered: bool, fallback_title: str) -> None:
        self.report = report
        self.rendered = rendered
        self.plan = DraftPlan(title=fallback_title)
        self.flow: list[DraftSection | DraftPhase] = []
        self.groups: list[_Group] = []
        self.loose: list[_Loose] = []
        self.has_phases = False
        self.phase_ids: set[str] = set()  #: lower-cased ids of the phases seen so far
        self.top_phase_ids: set[str] = set()  #: ids of phases with a top-level heading

    # -- the document --------------------------------------------------------------------

    def build(self, doc: Outline, front: dict[str, str]) -> DraftPlan:
        heads = (self._phase_head(title) for title in _headings(doc.nodes))
        self.has_phases = any(head is not None and head.kind == "phase" for head in heads)
        self.top_phase_ids = {self._pid(head.id) for node in doc.nodes
                              if (head := self._phase_head(node)) is not None
                              and head.kind == "phase"}
        if doc.title is not None:
            self.plan.title = self._text(doc.title.text) or self.plan.title
        elif front.get("title"):
            self.plan.title = front["title"]
        else:
            self.report.warn(1, f"no '# Title' heading: the plan is titled {self.plan.title!r}"
                                " after the file; change title: if that is wrong")
        self._front(front)
        summary = self._header([*doc.prelude, *doc.header])
        self.plan.summary = body_text(summary)
        for node in doc.nodes:
            self._top(node)
        self._settle()
        return self.plan

    def _front(self, front: dict[str, str]) -> None:
        """Fields from YAML front matter (``---`` lines at the very top)."""
        for key, value in front.items():
            field_name = _HEADER_KEYS.get(normal_key(key))
            if field_name in ("owner", "priority") and value:
                setattr(self.plan, field_name, value)
            elif field_name == "created" and (day := parse_date(value)) is not None:
                self.plan.created = day

    def _header(self, lines: list[Line]) -> list[Line]:
        """Read the key lines under the title; the rest is the summary.

        A rendered header is the first block of lines after the title; after it, even a
        ``**Owner:**`` line is the summary's own text.
        """
        rest: list[Line] = []
        block = 0  # 0 before the rendered header block, 1 inside it, 2 after it
        for line in lines:
            if line.text.startswith(GENERATED_PREFIX):
                continue
            if self.rendered and block < 2:
                block = 1 if line.text.strip() else (2 if block else 0)
            in_header = not self.rendered or block == 1
            if line.code or not in_header or not self._key(line, header=True):
                rest.append(line)
        return rest

    def _key(self, line: Line, *, header: bool) -> bool:
        """Apply a ``**Key:** value`` line to the plan; False leaves it in the prose."""
        if self.rendered and not header and not line.text.startswith(_RENDERED_FOOTER):
            return False  # in a rendered document only the renderer's own footer lines
        found = key_line(line.text)
        if found is None:
            return False
        key, value = found
        kind = (_HEADER_KEYS if header else _FOOTER_KEYS).get(key)
        if self.rendered and kind != "review":  # review_value undoes its own escapes
            value = unescape_inline(value)
        plan, number = self.plan, line.number
        if kind == "rendered":
            return self.rendered
        if kind == "status":
            if not self.rendered:
                self.report.note(number, f"status {value!r} not kept: tracker derives the "
                                         "plan's status from the evidence")
            return True
        if kind == "updated":
            if not self.rendered:
                self.report.note(number, f"'{key}' date {value!r} not kept: tracker takes it "
                                         "from the last change of plan.yaml")
            return True
        if kind == "created":
            day = parse_date(value)
            if day is None:
                self.report.warn(number, f"cannot read the created date {value!r}: kept as "
                                         "prose; write it as YYYY-MM-DD")
                return False
            plan.created = plan.created or day
            return True
        if kind in ("priority", "owner"):
            if not value:
                return False
            current = getattr(plan, kind)
            if current and current != value:
                self.report.warn(number, f"a second {kind} {value!r}: kept {current!r}")
            setattr(plan, kind, current or value)
            return True
        if kind == "review":
            return self._review(value, number)
        if kind == "every":
            every = review_interval(value)
            if every is None:
                self.report.warn(number, f"cannot read the review interval {value!r}: kept as "
                                         "prose; plan.yaml takes days or weeks, like 14d or 2w")
                return False
            plan.review_every = every
            return True
        if kind == "reviewers":
            names = [strip_emphasis(n) for n in value.replace(" and ", ",").split(",")]
            plan.reviewers = [n for n in names if n]
            return bool(plan.reviewers)
        return False

    def _review(self, value: str, number: int) -> bool:
        parsed = review_value(value)
        if parsed is None:
            self.report.warn(number, f"cannot read the review date {value!r}: kept as prose; "
                                     "write it as YYYY-MM-DD")
            return False
        when, every, reviewers = parsed
        self.plan.review_next = self.plan.review_next or when
        self.plan.review_every = every or self.plan.review_every
        self.plan.reviewers = reviewers or self.plan.reviewers
        return True

    # -- top-level sections ---------------------------------------------------------------

    def _text(self, text: str) -> str:
        return unescape_inline(text) if self.rendered else text

    def _title(self, node: Node) -> tuple[str | None, str]:
        """A section's id and title; an empty heading is titled "Untitled" (plan.yaml needs
        a title)."""
        section_id, title = numbered_title(self._text(node.title))
        return section_id, title if title.strip() else "Untitled"

    def _phase_head(self, node_or_title: Node | str) -> PhaseHead | None:
        """The phase or week group a heading names (a rendered plan names phases only)."""
        title = node_or_title if isinstance(node_or_title, str) else node_or_title.title
        head = phase_heading(title, rendered=self.rendered)
        return None if self.rendered and head is not None and head.kind != "phase" else head

    def _is_phase(self, head: PhaseHead | None) -> bool:
        """True for a heading that starts a phase; False for a checklist group of one.

        "Week 3-4" starts a phase only in documents without "Phase N" headings, and a
        second "Phase 2" heading (under an "Implementation Checklist") groups phase 2's items.
        """
        if head is None or (head.kind == "week" and self.has_phases):
            return False
        return head.kind == "week" or self._pid(head.id) not in self.phase_ids

    def _pid(self, value: str | None) -> str:
        """A phase id as compared: a rendered plan's exactly, a person's in any case."""
        return (value or "") if self.rendered else (value or "").lower()

    def _kind(self, title: str) -> str | None:
        """The known section a title names; in a rendered plan only the renderer's own."""
        if self.rendered:
            return _RENDERED_SECTIONS.get(normal_key(self._text(title)))
        return section_kind(title)

    def _top(self, node: Node) -> None:
        kind = self._kind(node.title)
        if kind == "progress" and self.rendered and any(
                line.text.strip() == PROGRESS_HEADER for line in node.body):
            return  # derived by the renderer
        head = self._phase_head(node)
        if self._is_phase(head):
            assert head is not None
            self._add_phase(self._phase(node, head))
        elif head is not None:
            self._group(node, head)
        elif kind in ("metrics", "risks", "approvals", "related"):
            self._special(node, kind)
        elif not self.rendered and any(self._phase_head(child) is not None
                                       for child in node.children):
            self._container(node)  # (a rendered plan's phases are all top-level headings)
        else:
            section, items = self._section(node)
            self._add_loose(node, items)
            if section is not None:
                self.flow.append(section)

    def _add_phase(self, phase: DraftPhase) -> None:
        self.flow.append(phase)
        self.phase_ids.add(self._pid(phase.id))

    def _add_loose(self, node: Node, items: list[DraftItem]) -> None:
        if items:
            self.loose.append(_Loose(self._title(node)[1], node.heading.number, items))

    def _container(self, node: Node) -> None:
        """A heading over phase or week headings ("Implementation Checklist", "Roadmap")."""
        items, rest = self._extract(node.body)
        body = body_text(rest)
        self._add_loose(node, items)
        if body:
            section_id, title = self._title(node)
            self.flow.append(DraftSection(title, body, node.heading.number, section_id))
        else:
            self.report.note(node.heading.number, f"heading {self._text(node.title)!r} only "
                                                  "groups phases or checklists: not kept")
        for child in node.children:
            head = self._phase_head(child)
            nested = head is not None and head.kind == "phase" and \
                self._pid(head.id) in self.top_phase_ids
            if self._is_phase(head) and not nested:  # else the checklist of a phase below
                assert head is not None
                self._add_phase(self._phase(child, head))
            elif head is not None:
                self._group(child, head)
            else:
                section, child_items = self._section(child)
                self._add_loose(child, child_items)
                if section is not None:
                    self.flow.append(section)

    def _group(self, node: Node, head: PhaseHead) -> None:
        items, rest = self._extract(node.all_lines())
        body = body_text(rest)
        section = DraftSection(self._text(node.title).strip() or "Untitled", body,
                               node.heading.number) if body else None
        self.groups.append(_Group(head, self._text(node.title), node.heading.number, items,
                                  section))

    def _section(self, node: Node) -> tuple[DraftSection | None, list[DraftItem]]:
        """A prose section; checklist lines in it come back as items."""
        items, rest = self._extract(node.all_lines())
        body = body_text(rest)
        if not body and items:
            return None, items
        section_id, title = self._title(node)
        return DraftSection(title, body, node.heading.number, section_id), items

    # -- phases ---------------------------------------------------------------------------

    def _phase(self, node: Node, head: PhaseHead) -> DraftPhase:
        schedule = head.schedule
        title = head.title or (f"Phase {head.id}" if head.id else node.title.strip())
        phase = DraftPhase(id=head.id, title=title, line=node.heading.number,
                           priority=schedule.priority, weeks=schedule.weeks,
                           start=schedule.start, due=schedule.due)
        if schedule.marks and not self.rendered:
            self.report.note(node.heading.number, f"status {' '.join(schedule.marks)!r} of phase "
                                                  f"{title!r} not kept: tracker derives it")
        body = self._phase_keys(phase, list(node.body))
        items, rest = self._extract(body)
        phase.items.extend(items)
        phase.body = body_text(rest)
        for child in node.children:
            section, child_items = self._section(child)
            phase.items.extend(child_items)
            if section is not None:
                phase.sections.append(section)
        return phase

    def _phase_keys(self, phase: DraftPhase, body: list[Line]) -> list[Line]:
        """Read the facts line (rendered) or ``**Due:** …`` lines at the top of a phase."""
        index = 0
        while index < len(body) and not body[index].text.strip():
            index += 1
        if self.rendered:
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
            if found is None or kind is None or not self._phase_key(phase, kind, found[1],
                                                                    line.number):
                break
            index += 1
        return rest + body[index:]

    def _phase_key(self, phase: DraftPhase, kind: str, value: str, number: int) -> bool:
        if kind == "status":
            if not self.rendered:
                self.report.note(number, f"status {value!r} of phase {phase.title!r} not kept: "
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

    # -- known sections -------------------------------------------------------------------

    def _special(self, node: Node, kind: str) -> None:
        """Metrics, risks, approvals or related documents; other lines stay prose."""
        plan = self.plan
        lists = (plan.metrics, plan.risks, plan.approvals, plan.related)
        before = [len(records) for records in lists]
        self._records(node, kind)
        for records, start in zip(lists, before, strict=True):
            records[start:] = sorted(records[start:], key=lambda r: r.line)  # document order

    def _records(self, node: Node, kind: str) -> None:
        if kind == "metrics":
            rest = self._metrics(node)
        else:
            parse = {"risks": risk_line, "approvals": approval_line}.get(kind)
            _, lines = self._extract(node.all_lines(), items=False, records=True)
            rest = []
            for line in lines:
                text = _bullet(line)
                if text is None:
                    rest.append(line)
                    continue
                if kind == "related":
                    record = related_line(text, line.number, self.rendered)
                    if record is not None:
                        self.plan.related.append(record)
                        continue
                else:
                    assert parse is not None
                    record = parse(text, line.number)
                    if record is not None:
                        target = self.plan.risks if kind == "risks" else self.plan.approvals
                        target.append(record)  # type: ignore[arg-type]
                        continue
                rest.append(line)
        body = body_text(rest)
        if body:
            section_id, title = self._title(node)
            self.flow.append(DraftSection(title, body, node.heading.number, section_id))

    def _metrics(self, node: Node) -> list[Line]:
        parts: list[tuple[bool | None, list[Line]]] = [(None, node.body)]
        rest: list[Line] = []
        for child in node.children:
            group = metric_group(child.title)
            if group is None:
                parts.append((None, [*child.heading.lines, *child.all_lines()]))
            else:
                parts.append((group, child.all_lines()))
        for qualitative, lines in parts:
            _, lines = self._extract(lines, items=False, qualitative=bool(qualitative),
                                     records=True)
            last: DraftMetric | None = None
            last_indent = 0
            for line in lines:
                text = _bullet(line)
                indent = len(line.text) - len(line.text.lstrip())
                if text is not None and last is not None and indent > last_indent:
                    last.note = f"{last.note}; {text}" if last.note else text
                    continue
                metric = metric_line(text, line.number, bool(qualitative)) if text else None
                if metric is None:
                    rest.append(line)
                    last = None
                    continue
                self.plan.metrics.append(metric)
                last, last_indent = metric, indent
        return rest

    # -- lines ----------------------------------------------------------------------------

    def _extract(self, lines: list[Line], *, items: bool = True, qualitative: bool = False,
                 records: bool = False) -> tuple[list[DraftItem], list[Line]]:
        """Take tables, key lines and (if ``items``) checklists out of ``lines``.

        ``records``: this is a known section, whose tables are data even in a rendered plan
        (elsewhere a rendered plan's tables are the team's prose).
        """
        taken: set[int] = set()
        for table in find_tables(lines) if records or not self.rendered else ():
            if self._table(table, qualitative):
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
            if box is not None and self.rendered and not (
                    index + 1 < len(lines) and is_detail(lines[index + 1].text)):
                box = None  # a rendered plan's items all have a detail line: this is prose
            if box is not None:
                item, index = self._item(box, lines, index)
                found.append(item)
                continue
            if not self._key(line, header=False):
                rest.append(line)
            index += 1
        return found, rest

    def _table(self, table: Table, qualitative: bool) -> bool:
        risks = risk_table(table, self.rendered)
        if risks is not None:
            self.plan.risks.extend(risks[0])
            for number, message in risks[1]:
                self.report.note(number, message)
            return True
        approvals = approval_table(table, self.rendered)
        if approvals is not None:
            self.plan.approvals.extend(approvals[0])
            for number, message in approvals[1]:
                self.report.note(number, message)
            return True
        metrics = metric_table(table, self.rendered, qualitative)
        if metrics is not None:
            self.plan.metrics.extend(metrics)
            return True
        return False

    def _item(self, box: Checkbox, lines: list[Line], index: int) -> tuple[DraftItem, int]:
        """The item on ``lines[index]`` with its detail or continuation lines."""
        number = lines[index].number
        after = index + 1
        if after < len(lines) and not lines[after].code and is_detail(lines[after].text):
            span = code_span(box.text, 0)
            if span is not None and ID_PATTERN.fullmatch(span[0]):
                detail = parse_detail(lines[after].text)
                text = unescape_inline(box.text[span[1]:].strip())
                return DraftItem(text=text or span[0], line=number, id=span[0],
                                 claim=detail.claim, note=detail.note, owner=detail.owner,
                                 due=detail.due, tests=detail.tests, files=detail.files,
                                 targets=detail.targets, rendered=True), after + 1
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
        if self.rendered and span is not None and ID_PATTERN.fullmatch(span[0]):
            item_id, text = span[0], unescape_inline(text[span[1]:].strip()) or span[0]
        return DraftItem(text=text, line=number, id=item_id, claim=claim, note=note), after

    # -- after the walk -------------------------------------------------------------------

    def _settle(self) -> None:
        """Move grouped and loose checklists into phases; place sections around them."""
        phases = [p for p in self.flow if isinstance(p, DraftPhase)]
        if not phases:
            self._one_phase()
            phases = [p for p in self.flow if isinstance(p, DraftPhase)]
        for group in self.groups:
            phase = _match(group.head, group.heading, phases)
            if phase is None:
                phase = DraftPhase(id=None, title=group.head.title or group.heading,
                                   line=group.line, priority=group.head.schedule.priority,
                                   weeks=group.head.schedule.weeks,
                                   start=group.head.schedule.start, due=group.head.schedule.due)
                self._insert(phase)
                phases.append(phase)
                self.report.warn(group.line, f"checklist {group.heading!r} matches no phase: "
                                             "imported as a phase of its own")
            else:
                schedule = group.head.schedule
                phase.priority = phase.priority or schedule.priority
                if not (phase.weeks or phase.start or phase.due):
                    phase.weeks, phase.start, phase.due = (schedule.weeks, schedule.start,
                                                           schedule.due)
                if group.items:
                    count = len(group.items)
                    self.report.note(group.line, f"{count} {'item' if count == 1 else 'items'}"
                                                 f" under {group.heading!r} moved to phase "
                                                 f"{phase.id or phase.title!r}")
            phase.items.extend(group.items)
            if group.section is not None:
                phase.sections.append(group.section)
        for loose in self.loose:
            key = normal_key(loose.title)
            phase = next((p for p in phases if normal_key(p.title) == key), None)
            if phase is None:
                phase = DraftPhase(id=None, title=loose.title, line=loose.line)
                self._insert(phase)
                phases.append(phase)
                self.report.warn(loose.line, f"the checklist under {loose.title!r} belongs to no "
                                             "phase: imported as a phase of its own")
            phase.items.extend(loose.items)
        first = next(i for i, p in enumerate(self.flow) if isinstance(p, DraftPhase))
        last = max(i for i, p in enumerate(self.flow) if isinstance(p, DraftPhase))
        current: DraftPhase | None = None
        for index, part in enumerate(self.flow):
            if isinstance(part, DraftPhase):
                current = part
                self.plan.phases.append(part)
            elif index < first:
                self.plan.sections.append(part)
            elif index > last:
                self.plan.appendix.append(part)
            else:
                assert current is not None
                current.sections.append(part)

    def _insert(self, phase: DraftPhase) -> None:
        last = max((i for i, p in enumerate(self.flow) if isinstance(p, DraftPhase)),
                   default=len(self.flow) - 1)
        self.flow.insert(last + 1, phase)

    def _one_phase(self) -> None:
        """No phase headings: everything becomes one phase of prose (warned)."""
        phase = DraftPhase(id="1", title=self.plan.title, line=1)
        phase.sections = [s for s in self.flow if isinstance(s, DraftSection)]
        for loose in self.loose:
            phase.items.extend(loose.items)
        self.loose = []
        for group in self.groups:
            phase.items.extend(group.items)
            if group.section is not None:
                phase.sections.append(group.section)
        self.groups = []
        self.flow = [phase]
        self.report.warn(1, "no phase headings found (such as '## Phase 1: Title' or "
                            "'## Week 1-2: Title'): imported the whole document as one phase; "
                            "split it into phases in plan.yaml")


def _headings(nodes: list[Node]) -> list[str]:
    out = []
    for node in nodes:
        out.append(node.title)
        out.extend(_headings(node.children))
    return out


def _bullet(line: Line) -> str | None:
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
