"""What a heading says: a phase ("Phase 2: Coverage (P1) - Week 3-4"), a week group
("Week 1-2: Critical Fixes"), a numbered subsection ("2.1 Add Module Tests"), or a section
the importer knows (success metrics, risks, approvals, related documents).

Headings carry a phase's whole schedule in the forms people use; each recogniser peels the
parts it knows off the end and leaves the title, so nothing it does not know is lost.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.importer.inline import iso_dates, normal_key, strip_emphasis, unescape_inline

_PHASE = re.compile(r"(?i)(phase|stage|milestone|sprint)\s+([A-Za-z0-9][A-Za-z0-9._-]*)(.*)")
_WEEK = re.compile(r"(?i)weeks?\s+([0-9]{1,3})(?:\s*(?:-|–|—|to|through|thru)\s*([0-9]{1,3}))?"
                   r"(?![0-9])(.*)")
_WEEKS_PART = re.compile(r"(?i)weeks?\s*([0-9]{1,3})(?:\s*(?:-|–|—|to|through|thru)\s*"
                         r"([0-9]{1,3}))?")
_PRIORITY = re.compile(r"(?i)(?:priority\s*:?\s*)?(p[0-9](?:\s*[-–—:]\s*[a-z]+)?|critical|"
                       r"high|medium|low|blocker|major|minor)")
_SECTION_NUMBER = re.compile(r"([0-9]{1,2}(?:\.[0-9]{1,3})+|[0-9]{1,2})(?:\.(?=\s)|:|\)|\s+[-–—])?"
                             r"\s+(\S.*)")
_DATE_PREFIX = re.compile(r"(?i)(due|by|until|deadline|ends?|ending|target|from|starts?|"
                          r"starting|begins?|dates?)\s*:?\s*")
_ISO_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONNECTORS = {"", "-", "–", "—", "→", "->", "to", "until", "through", "thru", "..", "…"}
_STATUS_WORDS = {"complete", "completed", "done", "in progress", "not started", "wip", "ongoing",
                 "finished", "planned", "todo", "to do", "pending", "current", "active"}
_STATUS_MARKS = "✅✔☑✓🚧⏳❌🔄🟢🟡🔴⬜☐"
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                 "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11",
                 "twelve": "12"}
_GROUP_WORDS = {"tasks", "task list", "checklist", "items", "action items", "todo", "to do",
                "todos", "deliverables", "work items"}
_SEPARATORS = (" - ", " – ", " — ", " | ", ": ", ", ")


@dataclass
class Schedule:
    """The schedule parts peeled off a heading."""

    priority: str | None = None
    weeks: tuple[int, int] | None = None
    start: dt.date | None = None
    due: dt.date | None = None
    marks: tuple[str, ...] = ()  #: status words or emoji, which tracker derives instead


@dataclass
class PhaseHead:
    """A heading naming a phase (``kind`` "phase") or a week range (``kind`` "week")."""

    kind: str
    id: str | None
    title: str
    schedule: Schedule


def phase_heading(text: str, *, rendered: bool = False) -> PhaseHead | None:
    """Read "Phase 2: Title (P1) - Week 3-4", "Phase 1 - Title", "Week 1-2: Title"."""
    if len(text) > 500:
        return None
    text = unescape_inline(text) if rendered else text
    stripped = _lead(strip_emphasis(text))
    marks: list[str] = []
    if stripped != strip_emphasis(text).strip():
        marks.append(strip_emphasis(text).strip()[0])
    match = _PHASE.fullmatch(stripped)
    if match:
        ident = match.group(2).rstrip("._-")
        rest = match.group(3)
        if normal_key(rest) in _GROUP_WORDS:  # "Phase 2 Tasks": the checklist of phase 2
            rest = ""
        if not _separated(rest):
            return None
        if not rendered:
            ident = _NUMBER_WORDS.get(ident.lower(), ident)
        title, schedule = peel(_unsep(rest))
        schedule.marks = (*marks, *schedule.marks)
        return PhaseHead("phase", ident, title, schedule)
    match = _WEEK.fullmatch(stripped)
    if match:
        first = int(match.group(1))
        last = int(match.group(2) or first)
        rest = match.group(3)
        if not _separated(rest) or first < 1 or last < first:
            return None
        title, schedule = peel(_unsep(rest))
        schedule.weeks = schedule.weeks or (first, last)
        schedule.marks = (*marks, *schedule.marks)
        return PhaseHead("week", None, title, schedule)
    return None


def _lead(text: str) -> str:
    """Text without leading emoji or symbols ("✅ Phase 1" → "Phase 1")."""
    index = 0
    while index < len(text) and not text[index].isalnum():
        index += 1
    return text[index:].strip()


def _separated(rest: str) -> bool:
    """True when what follows "Phase 2" is nothing, a separator or a parenthesis."""
    stripped = rest.lstrip()
    return not stripped or stripped[0] in ":.–—-(,[|" or stripped[0] in _STATUS_MARKS


def _unsep(rest: str) -> str:
    return rest.strip().lstrip(":.–—-,|").strip()


def peel(title: str) -> tuple[str, Schedule]:
    """Split "Integration (P1) - Week 3-4 ✅" into the title and its schedule parts."""
    schedule = Schedule()
    marks: list[str] = []
    while True:
        title = title.strip()
        if title and title[-1] in _STATUS_MARKS or title.endswith("\ufe0f"):
            marks.append(title.rstrip("\ufe0f")[-1:])
            title = title.rstrip("\ufe0f")[:-1]
            continue
        group = _trailing_group(title)
        if group is not None and _classify(group[1], schedule, marks):
            title = group[0]
            continue
        cut = max(title.rfind(sep) for sep in _SEPARATORS)
        if cut > 0:
            sep = next(s for s in _SEPARATORS if title.startswith(s, cut))
            if _classify(title[cut + len(sep):], schedule, marks):
                title = title[:cut]
                continue
        break
    schedule.marks = tuple(marks)
    return title.strip(), schedule


def _trailing_group(text: str) -> tuple[str, str] | None:
    """``(before, inside)`` for text ending in ``(...)`` or ``[...]``."""
    if not text.endswith((")", "]")):
        return None
    close = text[-1]
    opener = "(" if close == ")" else "["
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] == close:
            depth += 1
        elif text[index] == opener:
            depth -= 1
            if depth == 0:
                return text[:index], text[index + 1:-1]
    return None


def _classify(text: str, schedule: Schedule, marks: list[str]) -> bool:
    """Apply ``text`` ("P1", "Weeks 3-4", "due 2026-04-01", "Complete") if every part is known."""
    parts = [p.strip() for p in re.split(r"[,;]| · ", text) if p.strip()]
    if not parts:
        return False
    found = Schedule()
    words: list[str] = []
    for part in parts:
        part = strip_emphasis(part)
        weeks = _WEEKS_PART.fullmatch(part)
        if weeks:
            first, last = int(weeks.group(1)), int(weeks.group(2) or weeks.group(1))
            if first < 1 or last < first:
                return False
            found.weeks = (first, last)
            continue
        if _PRIORITY.fullmatch(part):
            found.priority = re.sub(r"(?i)^priority\s*:?\s*", "", part)
            continue
        if normal_key(part) in _STATUS_WORDS:
            words.append(part)
            continue
        dates = iso_dates(part)
        if dates and _dates(part, dates, found):
            continue
        return False
    schedule.weeks = schedule.weeks or found.weeks
    schedule.priority = schedule.priority or found.priority
    schedule.start = schedule.start or found.start
    schedule.due = schedule.due or found.due
    marks.extend(words)
    return True


def _dates(part: str, dates: list[dt.date], found: Schedule) -> bool:
    """"2026-03-02 – 2026-03-13", "due 2026-03-20", "from 2026-03-02"."""
    rest = _ISO_TEXT.sub(" ", part).strip()
    prefix = _DATE_PREFIX.match(rest)
    word = prefix.group(1).lower() if prefix else ""
    leftover = rest[prefix.end():].strip() if prefix else rest
    if leftover.lower() not in _CONNECTORS:
        return False
    if len(dates) >= 2:
        found.start, found.due = dates[0], dates[-1]
    elif word.startswith(("from", "start", "begin")):
        found.start = dates[0]
    else:
        found.due = dates[0]
    return True


def read_schedule(text: str) -> Schedule | None:
    """The schedule in a phase's key line value ("Week 1-2", "2026-03-02 → 2026-03-13")."""
    schedule = Schedule()
    marks: list[str] = []
    if len(text) > 200 or not _classify(text, schedule, marks):
        return None
    schedule.marks = tuple(marks)
    return schedule


def numbered_title(text: str) -> tuple[str | None, str]:
    """("2.1", "Add Module Tests") from "2.1 Add Module Tests"; (None, text) otherwise."""
    if len(text) > 500:
        return None, text.strip()
    match = _SECTION_NUMBER.fullmatch(text.strip())
    if match is None:
        return None, text.strip()
    return match.group(1), match.group(2).strip()


def section_kind(title: str) -> str | None:
    """"metrics", "risks", "approvals", "related" or "progress" for the sections we know."""
    key = normal_key(strip_emphasis(title))
    words = set(key.split())
    if "metric" in key or "kpi" in words or "kpis" in words or key in (
            "success criteria", "measures of success", "success measures"):
        return "metrics"
    if "risk" in key:
        return "risks"
    if "approval" in key or "sign off" in key or "signoff" in key or key in (
            "signatures", "approvers"):
        return "approvals"
    if key.startswith("related") or key in ("references", "see also", "further reading",
                                            "useful links", "links"):
        return "related"
    if key == "progress":
        return "progress"
    return None


def metric_group(title: str) -> bool | None:
    """True under a "Qualitative" subheading, False under "Quantitative", else None."""
    key = normal_key(title)
    if key.startswith("qualitative"):
        return True
    if key.startswith("quantitative"):
        return False
    return None
