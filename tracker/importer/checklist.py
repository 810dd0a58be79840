"""Checklist lines: ``- [ ]``, ``- [x]``, ``* [X]``, ``1. [ ]`` and emoji marks like ``- ✅``.

A ticked box is a claim ("done"), not evidence; the words in a trailing parenthesis say why
("(Covered in error path tests)") and become the item's note, and a note that starts with
"Skipped" or "Blocked" makes the claim that instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.importer.inline import strip_hard_break, trailing_parenthesis
from tracker.importer.markdown import MAX_PATTERN_LINE

#: What the character between the brackets claims (None: nothing).
_BOX = {" ": None, "x": "done", "X": "done", "✓": "done", "✔": "done", "/": "in progress",
        "~": "in progress", "-": "skipped"}
#: Emoji used instead of a box, longest first so variation selectors are eaten.
_EMOJI = (("✔️", "done"), ("☑️", "done"), ("✅", "done"), ("✔", "done"), ("☑", "done"),
          ("✓", "done"), ("⬜", None), ("☐", None), ("🔲", None), ("❌", None),
          ("🚧", "in progress"), ("⏳", "in progress"), ("🔄", "in progress"))
_TRAILING_DONE = ("✅", "✔️", "✔", "☑️")
_STATUS_WORDS = (
    ("skipped", "skipped", True), ("skip", "skipped", True), ("deferred", "skipped", False),
    ("postponed", "skipped", False), ("won't do", "skipped", False),
    ("wont do", "skipped", False), ("dropped", "skipped", False),
    ("cancelled", "skipped", False), ("canceled", "skipped", False),
    ("out of scope", "skipped", False), ("not needed", "skipped", False),
    ("n/a", "skipped", False), ("blocked", "blocked", False), ("done", "done", False),
    ("completed", "done", False), ("complete", "done", False), ("finished", "done", False),
    ("in progress", "in progress", False), ("wip", "in progress", False),
    ("ongoing", "in progress", False), ("partially done", "in progress", False),
    ("partial", "in progress", False), ("started", "in progress", False),
)
_SEPARATORS = "-:–—,;"


@dataclass(frozen=True, slots=True)
class Checkbox:
    """A checklist line: its indentation, what its mark claims, and its text."""

    indent: int
    claim: str | None
    text: str


def parse_checkbox(text: str) -> Checkbox | None:
    """The checklist item on this line, or None."""
    stripped = text.lstrip(" \t")
    if not stripped or len(stripped) > MAX_PATTERN_LINE:
        return None
    indent = len(text) - len(stripped)
    rest, bullet = stripped, False
    if stripped[:2] in ("- ", "* ", "+ "):
        rest, bullet = stripped[2:].lstrip(), True
    else:
        digits = len(stripped) - len(stripped.lstrip("0123456789"))
        if 0 < digits < 10 and stripped[digits:digits + 2] in (". ", ") "):
            rest, bullet = stripped[digits + 2:].lstrip(), True
    if len(rest) >= 3 and rest[0] == "[" and rest[2] == "]" and rest[1] in _BOX \
            and (len(rest) == 3 or rest[3] in " \t"):
        claim = _BOX[rest[1]]
        body = rest[3:].strip()
    elif bullet:
        for mark, meaning in _EMOJI:
            if rest.startswith(mark):
                claim, body = meaning, rest[len(mark):].lstrip(" \ufe0f")
                break
        else:
            return None
    else:
        return None
    body = strip_hard_break(body)
    for mark in _TRAILING_DONE:
        if body.endswith(mark) and len(body) > len(mark):
            body = body[:-len(mark)].rstrip()
            claim = claim or "done"
    if not body:
        return None
    return Checkbox(indent, claim, body)


def status_note(text: str) -> tuple[str, str | None] | None:
    """(claim, note) when ``text`` starts with a status word: "Skipped - needs a refactor"."""
    lowered = text.lower()
    for word, claim, strip_always in _STATUS_WORDS:
        if not lowered.startswith(word):
            continue
        after = text[len(word):]
        if after and after[0].isalnum():
            continue  # "done" in "doneness"
        remainder = after.lstrip()
        if not remainder:
            return claim, None
        if remainder[0] in _SEPARATORS:
            remainder = remainder.lstrip(_SEPARATORS + " ")
            return claim, remainder or None
        return claim, remainder if strip_always else text
    return None


def claim_and_note(box: Checkbox) -> tuple[str, str | None, str | None]:
    """(text, claim, note): a trailing parenthesis is the note of a claimed item."""
    text, claim, note = box.text, box.claim, None
    paren = trailing_parenthesis(text)
    if paren is not None:
        before, inside = paren
        status = status_note(inside)
        if status is not None:  # the words are more precise than the box
            (claim, note), text = status, before
        elif claim is not None:
            text, note = before, inside
    return text, claim, note
