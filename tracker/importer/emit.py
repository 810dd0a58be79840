"""plan.yaml text from a draft plan: readable, deterministic, loadable by tracker.

Written by hand rather than dumped: keys in the order the README documents them, prose as
``|`` block scalars exactly as the document had it, plain scalars where YAML cannot misread
them and double quotes everywhere else (``"1"``, ``"**/test_x.py"``, ``"yes"``), and comments
where the importer left something out on purpose. The same draft always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tracker.importer.draft import (
    DraftItem,
    DraftMetric,
    DraftPhase,
    DraftPlan,
    DraftRelated,
    DraftSection,
    Link,
)

_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "none", "~"}
_STEP = "  "


#: Characters YAML may not hold as they are (and line breaks YAML 1.1 would see).
_UNSAFE = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
                     "|[\u2028\u2029\ufeff]")
_UNSAFE_PLAIN = re.compile("[\t\n]|" + _UNSAFE.pattern)
_ESCAPED = re.compile('["\\\\\t\n]|' + _UNSAFE.pattern)
_FLOW_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._/()+-]*$")
_SIMPLE_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def quote(text: str) -> str:
    """A YAML double-quoted scalar; every character that could be misread is escaped."""
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    simple = _SIMPLE_ESCAPES.get(char)
    if simple is not None:
        return simple
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _plain(text: str, flow: bool) -> bool:
    """True when ``text`` reads back as the same string written without quotes."""
    if not text or text != text.strip() or len(text) > 2000 or not text[0].isalpha():
        return False
    if text.lower() in _RESERVED or text.endswith(":") or ": " in text or " #" in text:
        return False
    if flow and not _FLOW_PLAIN.match(text):  # PyYAML reads little else plainly in {...}
        return False
    return _UNSAFE_PLAIN.search(text) is None


def scalar(text: str, *, flow: bool = False) -> str:
    """A string as a plain or double-quoted scalar."""
    return text if _plain(text, flow) else quote(text)


def _block_ok(text: str) -> bool:
    return "\n" in text and _UNSAFE.search(text) is None and text.strip() != ""


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []

    def line(self, depth: int, text: str) -> None:
        self.out.append(_STEP * depth + text)

    def key(self, depth: int, key: str, value: Any, *, first: bool = False) -> None:
        """``key: value`` (``first`` writes the ``- `` of a list entry before it)."""
        if value is None or value == "" or value == [] or value == ():
            return
        lead = "- " if first else ""
        pad = _STEP * depth
        if isinstance(value, bool):
            self.out.append(f"{pad}{lead}{key}: {'true' if value else 'false'}")
        elif isinstance(value, dt.date):
            self.out.append(f"{pad}{lead}{key}: {value.isoformat()}")
        elif isinstance(value, str) and _block_ok(value):
            inner = _STEP * (depth + (2 if first else 1))
            rows = value.rstrip("\n").split("\n")
            indicator = str(len(_STEP)) if rows[0][:1] in (" ", "\t") else ""
            self.out.append(f"{pad}{lead}{key}: |{indicator}")
            self.out.extend(inner + row if row else "" for row in rows)
        elif isinstance(value, str):
            self.out.append(f"{pad}{lead}{key}: {scalar(value)}")
        else:
            raise TypeError(f"cannot write {type(value).__name__} for {key}")

    def entry(self, depth: int, fields: list[tuple[str, Any]]) -> None:
        """A list entry: the first present field after ``- ``, the rest aligned below it."""
        present = [(k, v) for k, v in fields if v not in (None, "", [], ())]
        for index, (key, value) in enumerate(present):
            if index == 0:
                self.key(depth, key, value, first=True)
            else:
                self.key(depth + 1, key, value)


def _link(value: Link) -> str:
    if isinstance(value, str):
        return scalar(value, flow=True)
    return "{" + ", ".join(f"{k}: {_flow_value(v)}" for k, v in value.items()) + "}"


def _flow_value(value: Any) -> str:
    """A value in a flow mapping: booleans and numbers as YAML reads them, text as scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)  # YAML reads "1e-07" as text: write such a number out in full
        return text if "e" not in text else f"{value:.12f}".rstrip("0")
    if isinstance(value, int):
        return str(value)
    return scalar(str(value), flow=True)


def _sections(w: _Writer, depth: int, key: str, sections: list[DraftSection]) -> None:
    if not sections:
        return
    w.line(depth, f"{key}:")
    for section in sections:
        w.entry(depth + 1, [("id", section.id), ("title", section.title),
                            ("body", section.body)])


def _item(w: _Writer, depth: int, item: DraftItem) -> None:
    assert item.id is not None
    w.key(depth, "id", item.id, first=True)
    w.key(depth + 1, "text", item.text)
    for key, links in (("tests", item.tests), ("files", item.files)):
        if links:
            w.line(depth + 1, f"{key}:")
            for link in links:
                w.line(depth + 2, f"- {_link(link)}")
    if item.targets:
        w.line(depth + 1, "targets:")
        for target in item.targets:
            w.line(depth + 2, f"- {scalar(target, flow=True)}")
    if item.expect:
        w.line(depth + 1, f"expect: {_link(item.expect)}")
    w.key(depth + 1, "status", item.claim)
    w.key(depth + 1, "note", item.note)
    w.key(depth + 1, "owner", item.owner)
    w.key(depth + 1, "due", item.due)


def _phase(w: _Writer, depth: int, phase: DraftPhase) -> None:
    assert phase.id is not None
    for comment in phase.comments:
        w.line(depth, f"# {comment}")
    w.key(depth, "id", phase.id, first=True)
    w.key(depth + 1, "title", phase.title)
    w.key(depth + 1, "priority", phase.priority)
    if phase.weeks:
        first, last = phase.weeks
        w.line(depth + 1, f"weeks: {first}" if first == last else f"weeks: {first}-{last}")
    w.key(depth + 1, "start", phase.start)
    w.key(depth + 1, "due", phase.due)
    w.key(depth + 1, "body", phase.body)
    _sections(w, depth + 1, "sections", phase.sections)
    if phase.items:
        w.line(depth + 1, "items:")
        for item in phase.items:
            _item(w, depth + 2, item)


def _metric(w: _Writer, depth: int, metric: DraftMetric) -> None:
    assert metric.id is not None
    w.key(depth, "id", metric.id, first=True)
    w.key(depth + 1, "title", metric.title)
    if metric.measure:
        w.key(depth + 1, "measure", metric.measure)
    else:
        w.key(depth + 1, "qualitative", True)
    w.key(depth + 1, "baseline", metric.baseline)
    w.key(depth + 1, "target", metric.target)
    w.key(depth + 1, "note", metric.note)


def _related(w: _Writer, depth: int, related: DraftRelated) -> None:
    target = related.path or related.url
    if related.path and related.title == related.path:
        w.line(depth, f"- {scalar(related.path)}")
    elif related.url and related.title == related.url and "://" in related.url:
        w.line(depth, f"- {scalar(related.url)}")  # the loader reads "://" as a URL
    else:
        w.entry(depth, [("title", related.title), ("path", related.path),
                        ("url", related.url if target == related.url else None)])


def emit_plan(plan: DraftPlan, header: list[str]) -> str:
    """The whole plan.yaml text, ending in a newline."""
    w = _Writer()
    for comment in [*header, *plan.comments]:
        w.line(0, f"# {comment}" if comment else "#")
    w.line(0, "version: 1")
    w.key(0, "title", plan.title)
    w.key(0, "owner", plan.owner)
    w.key(0, "created", plan.created)
    w.key(0, "priority", plan.priority)
    if plan.review_next or plan.review_every or plan.reviewers:
        w.line(0, "review:")
        w.key(1, "next", plan.review_next)
        if plan.review_every:
            w.line(1, f"every: {plan.review_every}")
        if plan.reviewers:
            w.line(1, "reviewers:")
            for reviewer in plan.reviewers:
                w.line(2, f"- {scalar(reviewer)}")
    w.key(0, "summary", plan.summary)
    _sections(w, 0, "sections", plan.sections)
    if plan.phases:
        w.line(0, "phases:")
        for phase in plan.phases:
            _phase(w, 1, phase)
    _sections(w, 0, "appendix", plan.appendix)
    if plan.metrics:
        w.line(0, "metrics:")
        for metric in plan.metrics:
            _metric(w, 1, metric)
    if plan.risks:
        w.line(0, "risks:")
        for risk in plan.risks:
            w.entry(1, [("risk", risk.risk), ("impact", risk.impact),
                        ("likelihood", risk.likelihood), ("mitigation", risk.mitigation)])
    if plan.approvals:
        w.line(0, "approvals:")
        for approval in plan.approvals:
            w.entry(1, [("role", approval.role), ("name", approval.name)])
    if plan.related:
        w.line(0, "related:")
        for related in plan.related:
            _related(w, 1, related)
    return "\n".join(w.out) + "\n"
