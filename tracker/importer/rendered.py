"""Reading back what ``tracker render`` wrote: item detail lines, evidence, phase facts.

A rendered document shows each item's id as inline code, its claim and note in the detail
line under it ("claimed done, unverified: NOTE", "skipped: NOTE", "(claimed done: NOTE)")
and its links in the evidence part. Parsing these back is what makes import → render →
import keep the same plan. The vocabulary (status icons, labels) is the renderer's own,
imported from it, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from tracker.assess import Status
from tracker.importer.draft import Link
from tracker.importer.inline import iso_dates, parse_date, unescape_inline
from tracker.importer.markdown import code_span
from tracker.plan.fields import CLAIMS
from tracker.render.markdown import EXPECT_WORDS, GENERATED

GENERATED_PREFIX = GENERATED.split("{", 1)[0]
PROGRESS_HEADER = "| Phase | Done | Progress | Due | State |"
_ICONS = {status.icon: status for status in Status}
_CLAIMS = sorted(CLAIMS, key=len, reverse=True)
#: ``PATH contains [regex ]'PATTERN'`` (the pattern as written, or a ``"JSON string"``),
#: maybe ``files matching GLOB contain …`` and ``, at least N times``; the path ends at the
#: first " contains " (a pattern may hold the words, a path hardly)
_CHECK = re.compile(r"(files matching |no file matching )?(.+?) (contains|contain|lacks) "
                    r"(regex )?('.*'|\".*\")((?:,? at (?:least|most) [0-9]{1,9} times?)*)")
_TIMES = re.compile(r"at (least|most) ([0-9]+) time")
_GLOB_CHECK = re.compile(r"at least ([0-9]+) files match (.+)")
_EVERY = re.compile(r"(?i)(?:every\s+)?([0-9]{1,3})\s*(d|days?|w|wks?|weeks?)")
_GLOB_CHARS = set("*?[")
#: "weak assertions" -> max_weak_assertions: the item line's words for the source keys
_SOURCE_EXPECT = {label: key for key, (_, label) in EXPECT_WORDS.items()}
_EXPECT = re.compile(r"([0-9][0-9.e+-]{0,30})(%?) (tests?|test files?|target coverage"
                     r"(?: by its own tests)?)")


@dataclass
class Detail:
    """What an item's detail line says: the claim, note, owner, due date and links."""

    claim: str | None = None
    note: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    tests: list[Link] = field(default_factory=list)
    files: list[Link] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    expect: dict[str, int | float] = field(default_factory=dict)  #: as in plan.yaml


def is_generated(lines: list[str]) -> bool:
    """True when the document says it was rendered by tracker."""
    return any(line.startswith(GENERATED_PREFIX) for line in lines[:5])


def is_detail(text: str) -> bool:
    """True for the indented status line the renderer writes under each item."""
    if not text.startswith("  ") or len(text) > 100_000:
        return False
    stripped = text.strip()
    return len(stripped) > 2 and stripped[0] in _ICONS and stripped[1] == " "


def parse_detail(text: str) -> Detail:
    """Claim, note, owner, due date, links and expectations from a detail line.

    The line is "ICON status words · evidence: … · expect: … · owner: … · due DATE ·
    **late by N days**", every part after the status words optional.
    """
    stripped = text.strip()
    status = _ICONS[stripped[0]]
    parts = stripped[2:].split(" · ")
    detail = Detail()
    if len(parts) > 1 and parts[-1].startswith("**late by "):
        parts.pop()
    if len(parts) > 1 and parts[-1].startswith("due ") and iso_dates(parts[-1]):
        detail.due = iso_dates(parts[-1])[0]
        parts.pop()
    if len(parts) > 1 and parts[-1].startswith("owner: "):
        detail.owner = unescape_inline(parts.pop()[len("owner: "):])
    if len(parts) > 1 and parts[-1].startswith("expect: "):
        found = parse_expect(parts[-1][len("expect: "):])
        if found is not None:
            detail.expect = found
            parts.pop()
    if len(parts) > 1 and parts[-1].startswith("evidence: "):
        detail.tests, detail.files, detail.targets = parse_evidence(parts.pop()[10:])
    detail.claim, detail.note = _claim(status, " · ".join(parts))
    return detail


def parse_expect(text: str) -> dict[str, int | float] | None:
    """``expect`` from "at least 3 tests, 2 test files, 80% target coverage, 50% target
    coverage by its own tests" (any of them, in that order); None when a part is not one of
    them."""
    found: dict[str, int | float] = {}
    for part in text.split(", "):
        words = part.split(" ", 3)  # "at most 0 weak assertions"
        key = _SOURCE_EXPECT.get(words[-1]) if len(words) == 4 and words[0] == "at" else None
        if key is not None:
            number = words[2]
            try:
                value = float(number)
            except ValueError:
                return None
            found[key] = value if key.endswith("_per_test") else int(value)
            continue
        part = part.removeprefix("at least ")
        match = _EXPECT.fullmatch(part)
        coverage = match is not None and match.group(3).startswith("target coverage")
        if match is None or (match.group(2) == "%") != coverage:
            return None
        number, what = match.group(1), match.group(3)
        try:
            if coverage:
                key = "own_coverage" if what.endswith("own tests") else "target_coverage"
                found[key] = float(number)
            else:
                found["min_files" if what.startswith("test file") else "min_tests"] = \
                    int(number)
        except ValueError:
            return None
    return found or None


def _claim(status: Status, words: str) -> tuple[str | None, str | None]:
    """Claim and note from the status words (see ``_status_words`` in the renderer)."""
    if status is Status.CLAIMED:
        rest = words.removeprefix("claimed done, unverified")
        return "done", unescape_inline(rest[2:]) if rest.startswith(": ") else None
    if status in (Status.SKIPPED, Status.BLOCKED):
        rest = words.removeprefix(f"{status.value}: ")
        return status.value, None if rest == status.value else unescape_inline(rest)
    if not words.endswith(")"):
        return None, None
    found = [(i, marker) for marker in (" (claimed ", " (note: ")
             if (i := words.find(marker)) >= 0]
    if not found:
        return None, None
    index, marker = min(found)
    inside = words[index + len(marker):-1]
    if marker == " (note: ":
        return None, unescape_inline(inside)
    for claim in _CLAIMS:
        if inside == claim:
            return claim, None
        if inside.startswith(claim + ": "):
            return claim, unescape_inline(inside[len(claim) + 2:])
    return None, None


def _split_top(text: str) -> list[str]:
    """``text`` split at ", " outside inline code."""
    out, start, index = [], 0, 0
    while index < len(text):
        if text[index] == "`":
            span = code_span(text, index)
            if span is not None:
                index = span[1]
                continue
            while index < len(text) and text[index] == "`":
                index += 1
            continue
        if text.startswith(", ", index):
            out.append(text[start:index])
            index += 2
            start = index
            continue
        index += 1
    out.append(text[start:])
    return out


def _spans(text: str) -> list[str]:
    out, index = [], 0
    while index < len(text):
        span = code_span(text, index) if text[index] == "`" else None
        if span is None:
            index += 1
            continue
        out.append(span[0])  # a list item's code: no pipe is escaped (see md_code)
        index = span[1]
    return out


def parse_evidence(text: str) -> tuple[list[Link], list[Link], list[str]]:
    """Test links, file checks and targets from "evidence: `a` (2 tests), `b exists` ✔, …"."""
    tests: list[Link] = []
    files: list[Link] = []
    targets: list[str] = []
    in_targets = False
    for segment in _split_top(text):
        if in_targets or segment.startswith("targets "):
            in_targets = True
            targets.extend(_spans(segment))
            continue
        span = code_span(segment, 0)
        if span is None:
            continue  # "2 marked `plan(id)`": tests link themselves, nothing to keep
        content = span[0]
        tail = segment[span[1]:].strip()
        if tail.startswith(("✔", "✘")):
            check = file_check(content)
            if check is not None:
                files.append(check)
        else:
            tests.append(test_link(content))
    return tests, files, targets


def test_link(text: str) -> Link:
    """A test link from its display form (``marker: slow`` or a path, glob or node id)."""
    for kind in ("marker", "fixture", "keyword"):
        if text.startswith(kind + ": "):
            return {kind: text[len(kind) + 2:]}
    return text


def file_check(text: str) -> Link | None:
    """A file check from its display form (``str(FileCheck)``)."""
    if text.endswith(" exists"):
        path = text[:-len(" exists")]
        return {"path": path} if _GLOB_CHARS & set(path) else path
    if text.endswith(" is absent"):
        return {"absent": text[:-len(" is absent")]}
    match = _GLOB_CHECK.fullmatch(text)
    if match:
        count = int(match.group(1))
        return {"glob": match.group(2)} | ({"min_files": count} if count != 1 else {})
    match = _CHECK.fullmatch(text)
    if match:
        many, path, verb, regex_word, quoted, times = match.groups()
        pattern = _pattern(quoted)
        if pattern is None or (verb == "contain") != (many == "files matching "):
            return None
        key = "lacks" if verb == "lacks" or many == "no file matching " else "contains"
        check: dict[str, Any] = {"glob" if many else "file": path, key: pattern}
        if regex_word:
            check["regex"] = True
        for word, count in _TIMES.findall(times):
            check["min" if word == "least" else "max"] = int(count)
        return check
    return None


def _pattern(quoted: str) -> str | None:
    """The pattern of a file check from :func:`tracker.plan.model.quoted_pattern`'s form."""
    if quoted.startswith("'"):
        return quoted[1:-1]
    try:
        pattern = json.loads(quoted)
    except ValueError:
        return None
    return pattern if isinstance(pattern, str) else None


def facts_line(text: str) -> tuple[dt.date | None, dt.date | None] | None:
    """(start, due) from the italic line under a rendered phase heading, or None."""
    stripped = text.strip()
    if not (stripped.startswith("_") and stripped.endswith("_") and " done" in stripped):
        return None
    first = stripped[1:-1].split(" · ", 1)[0]
    if " → " not in first:
        return None, None
    start, due = (part.strip() for part in first.split(" → ", 1))
    return (iso_dates(start)[0] if iso_dates(start) else None,
            iso_dates(due)[0] if iso_dates(due) else None)


def review_value(value: str) -> tuple[dt.date | None, str | None, list[str]] | None:
    """(next date, interval, reviewers) from a review line's value, or None if unreadable.

    Reads the renderer's "2026-03-16 (in 3 days) · every 14 days · reviewers: A, B" and the
    usual hand-written "2026-02-25" or "March 1, 2026".
    """
    parts = value.split(" · ")
    first = parts[0].strip()
    when = parse_date(first)
    if when is None and first != "not scheduled":
        return None
    every, reviewers = None, []
    for part in parts[1:]:
        part = part.strip()
        if part.startswith("reviewers: "):
            reviewers = [unescape_inline(r.strip()) for r in part[11:].split(", ") if r.strip()]
        elif (interval := review_interval(part)) is not None:
            every = interval
        else:
            return None
    return when, every, reviewers


def review_interval(text: str) -> str | None:
    """"14d" from "every 14 days", "2w" from "every 2 weeks" or "biweekly"."""
    lowered = text.strip().lower().rstrip(".")
    if lowered in ("biweekly", "bi-weekly", "fortnightly", "every other week", "every fortnight"):
        return "2w"
    if lowered in ("weekly", "every week"):
        return "1w"
    if lowered in ("daily", "every day"):
        return "1d"
    match = _EVERY.fullmatch(lowered)
    if match is None or int(match.group(1)) == 0:
        return None
    count, weeks = int(match.group(1)), match.group(2).startswith("w")
    if not weeks and count % 7 == 0:  # "every 14 days" reads better as 2w
        count, weeks = count // 7, True
    return f"{count}{'w' if weeks else 'd'}"
