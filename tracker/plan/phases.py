"""The plan's body: prose sections, phases and their checklist items.

Items are most of a big plan (thousands of them, a few keys each), so :func:`item` reads only
the keys an item has; everything else here runs once per phase or section.
"""

from __future__ import annotations

from tracker.plan import fields
from tracker.plan.links import file_check, link, targets
from tracker.plan.measures import parse_weeks
from tracker.plan.model import Claim, Expect, Item, Phase, Section
from tracker.plan.reader import Reader, close_match
from tracker.plan.yamlread import YMap

_CLAIMS = {claim.value: claim for claim in Claim}
_NO_EXPECT = Expect()


def section(r: Reader, m: YMap, what: str) -> Section | None:
    """A prose section; its id (such as "1.1") is a label, not a unique plan id."""
    sid = r.ident(m, what, required=False, unique=False)
    title = r.str_(m, "title", what, required=True)
    body = r.str_(m, "body", what) or ""
    if title is None:
        return None
    return Section(title=title, body=body, location=m.loc, id=sid)


def phase(r: Reader, m: YMap, what: str) -> Phase | None:
    """A phase: its window (weeks, or start and due), prose, sections and items."""
    pid = r.ident(m, what)
    title = r.str_(m, "title", what, required=True)
    weeks = _weeks(r, m, what)
    start, due = r.date(m, "start", what), r.date(m, "due", what)
    if weeks and (start or due):
        r.error(m.key_loc("weeks"), f"{what} has both weeks and start/due: keep one")
    if start and due and due < start:
        r.error(m.value_loc("due"), f"{what} ends ({due}) before it starts ({start}): "
                                    "fix the dates")
    if pid is None or title is None:
        return None
    return Phase(
        id=pid, title=title, location=m.loc, priority=r.str_(m, "priority", what),
        weeks=weeks, start=start, due=due, body=r.str_(m, "body", what),
        sections=r.each(m, "sections", f"sections of {what}", "section", section),
        items=r.each(m, "items", f"items of {what}", "item", item),
    )


def _weeks(r: Reader, m: YMap, what: str) -> tuple[int, int] | None:
    text = r.str_(m, "weeks", what)
    if text is None:
        return None
    try:
        return parse_weeks(text)
    except ValueError as exc:
        r.error(m.value_loc("weeks"), str(exc))
        return None


def item(r: Reader, m: YMap, what: str) -> Item | None:
    """A checklist item with its evidence (links, file checks, targets) and claim."""
    # A big plan has thousands of items with a few keys each: keys an item does not have
    # are skipped here rather than looked up (and found missing) by each helper in turn.
    iid = r.ident(m, what)
    text = r.str_(m, "text", what, required=True)
    tests = r.listed(m, "tests", what, link) if "tests" in m else ()
    files = r.listed(m, "files", what, file_check) if "files" in m else ()
    found_targets, target_locs = targets(r, m, what) if "targets" in m else ((), ())
    expect = _expect(r, m, what) if "expect" in m else _NO_EXPECT
    claim = _claim(r, m, what) if "status" in m else None
    note = r.str_(m, "note", what) if "note" in m else None
    if claim in (Claim.SKIPPED, Claim.BLOCKED) and not note:
        r.warn(m.value_loc("status"), f"{what} is claimed {claim.value} without a note: "
                                      "add note: saying why")
    if iid is None or text is None:
        return None
    return Item(id=iid, text=text, location=m.loc, tests=tests, files=files,
                targets=found_targets, target_locations=target_locs, expect=expect,
                claim=claim, note=note,
                owner=r.str_(m, "owner", what) if "owner" in m else None,
                due=r.date(m, "due", what) if "due" in m else None)


def _expect(r: Reader, m: YMap, what: str) -> Expect:
    value = m.get("expect")
    if value is None:
        return _NO_EXPECT
    em = r.mapping(value, m.value_loc("expect"), f"expect of {what}", "expect")
    if em is None:
        return _NO_EXPECT
    label = f"expect of {what}"
    return Expect(
        min_tests=r.int_(em, "min_tests", label, minimum=1),
        min_files=r.int_(em, "min_files", label, minimum=1),
        target_coverage=r.number(em, "target_coverage", label, 0, 100),
        own_coverage=r.number(em, "own_coverage", label, 0, 100),
        min_assertions_per_test=r.number(em, "min_assertions_per_test", label, 0, 1e6),
        max_no_assertion=r.int_(em, "max_no_assertion", label),
        max_weak_assertions=r.int_(em, "max_weak_assertions", label),
        max_mocks_per_test=r.number(em, "max_mocks_per_test", label, 0, 1e6),
        max_target_patches=r.int_(em, "max_target_patches", label),
        max_async_unmarked=r.int_(em, "max_async_unmarked", label),
        max_complexity=r.int_(em, "max_complexity", label, minimum=1),
    )


def _claim(r: Reader, m: YMap, what: str) -> Claim | None:
    """The status a person claims; spelled loosely ("In_Progress"), but one of the five."""
    status = r.str_(m, "status", what)
    if status is None:
        return None
    normal = status.strip().lower().replace("_", " ").replace("-", " ")
    claim = _CLAIMS.get(normal)
    if claim is None:
        close = close_match(normal, fields.CLAIMS, cutoff=0.5)
        hint = f"did you mean {close!r}?" if close else ""
        r.error(m.value_loc("status"), f"unknown status {status!r}: use one of "
                                       f"{', '.join(fields.CLAIMS)}. {hint}".rstrip())
    return claim
