"""``**Key:** value`` lines that set the plan's own fields: owner, dates, the review.

People put them under the title ("**Owner:** QA team") and at the end ("**Next Review:**
2026-04-01"), or in YAML front matter. A rendered document's header is the block of lines
right under its title and its footer the renderer's own review lines; any other key line in
it is the team's prose and stays prose.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker.importer.inline import (
    key_line,
    normal_key,
    parse_date,
    strip_emphasis,
    unescape_inline,
)
from tracker.importer.markdown import Line
from tracker.importer.rendered import GENERATED_PREFIX, review_interval, review_value
from tracker.importer.walk import Walk

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

#: Applies a key line's value to the plan; False when the value cannot be read (it stays prose).
_Apply = Callable[[Walk, str, int], bool]


def front(w: Walk, found: dict[str, str]) -> None:
    """Fields from YAML front matter (``---`` lines at the very top)."""
    for key, value in found.items():
        field_name = _HEADER_KEYS.get(normal_key(key))
        if field_name in ("owner", "priority") and value:
            setattr(w.plan, field_name, value)
        elif field_name == "created" and (day := parse_date(value)) is not None:
            w.plan.created = day


def header(w: Walk, lines: list[Line]) -> list[Line]:
    """Read the key lines under the title; the rest is the summary.

    A rendered header is the first block of lines after the title; after it, even a
    ``**Owner:**`` line is the summary's own text.
    """
    rest: list[Line] = []
    block = 0  # 0 before the rendered header block, 1 inside it, 2 after it
    for line in lines:
        if line.text.startswith(GENERATED_PREFIX):
            continue
        if w.rendered and block < 2:
            block = 1 if line.text.strip() else (2 if block else 0)
        in_header = not w.rendered or block == 1
        if line.code or not in_header or not apply_key(w, line, header=True):
            rest.append(line)
    return rest


def apply_key(w: Walk, line: Line, *, header: bool) -> bool:
    """Apply a ``**Key:** value`` line to the plan; False leaves it in the prose."""
    if w.rendered and not header and not line.text.startswith(_RENDERED_FOOTER):
        return False  # in a rendered document only the renderer's own footer lines
    found = key_line(line.text)
    if found is None:
        return False
    key, value = found
    kind = (_HEADER_KEYS if header else _FOOTER_KEYS).get(key)
    if kind is None:
        return False
    if w.rendered and kind != "review":  # review_value undoes its own escapes
        value = unescape_inline(value)
    if kind == "rendered":
        return w.rendered
    if kind in ("status", "updated"):
        _derived(w, kind, key, value, line.number)
        return True
    return _APPLY[kind](w, value, line.number)


def _derived(w: Walk, kind: str, key: str, value: str, number: int) -> None:
    """A status or "updated" date: tracker derives these, so a person's are noted, dropped."""
    if w.rendered:
        return
    if kind == "status":
        w.report.note(number, f"status {value!r} not kept: tracker derives the plan's status "
                              "from the evidence")
    else:
        w.report.note(number, f"'{key}' date {value!r} not kept: tracker takes it from the "
                              "last change of plan.yaml")


def _created(w: Walk, value: str, number: int) -> bool:
    day = parse_date(value)
    if day is None:
        w.report.warn(number, f"cannot read the created date {value!r}: kept as prose; write "
                              "it as YYYY-MM-DD")
        return False
    w.plan.created = w.plan.created or day
    return True


def _first_of(kind: str) -> _Apply:
    """Owner or priority: the first one written wins, a second is warned about."""
    def apply(w: Walk, value: str, number: int) -> bool:
        if not value:
            return False
        current = getattr(w.plan, kind)
        if current and current != value:
            w.report.warn(number, f"a second {kind} {value!r}: kept {current!r}")
        setattr(w.plan, kind, current or value)
        return True

    return apply


def _review(w: Walk, value: str, number: int) -> bool:
    parsed = review_value(value)
    if parsed is None:
        w.report.warn(number, f"cannot read the review date {value!r}: kept as prose; "
                              "write it as YYYY-MM-DD")
        return False
    when, every, reviewers = parsed
    w.plan.review_next = w.plan.review_next or when
    w.plan.review_every = every or w.plan.review_every
    w.plan.reviewers = reviewers or w.plan.reviewers
    return True


def _every(w: Walk, value: str, number: int) -> bool:
    every = review_interval(value)
    if every is None:
        w.report.warn(number, f"cannot read the review interval {value!r}: kept as prose; "
                              "plan.yaml takes days or weeks, like 14d or 2w")
        return False
    w.plan.review_every = every
    return True


def _reviewers(w: Walk, value: str, number: int) -> bool:
    names = [strip_emphasis(n) for n in value.replace(" and ", ",").split(",")]
    w.plan.reviewers = [n for n in names if n]
    return bool(w.plan.reviewers)


_APPLY: dict[str, _Apply] = {
    "created": _created, "priority": _first_of("priority"), "owner": _first_of("owner"),
    "review": _review, "every": _every, "reviewers": _reviewers,
}
