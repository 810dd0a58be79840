"""Inline text of a plan document: escapes, ``**Key:** value`` lines, dates, emphasis.

Small helpers shared by the recognisers. They undo exactly what tracker's renderer does to
user text (:func:`tracker.text.md_inline`, :func:`tracker.text.md_cell`) so a rendered
document imports back to the same words, and read the loose forms people type by hand.
"""

from __future__ import annotations

import datetime as dt
import re

_ESCAPE = re.compile(r"&(amp|lt);")
_ISO = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])")
_SLASHED = re.compile(r"(?<![0-9])([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})(?![0-9])")
_MONTHS = {name: index for index, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1)
    for name in names}
_WORDY = re.compile(r"(?i)\b([a-z]{3,9})\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})\b"
                    r"|\b([0-9]{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+([0-9]{4})\b")

#: Cells meaning "nothing here" in a table: dashes, underscores for a signature, N/A.
_EMPTY_CELLS = {"", "-", "—", "–", "n/a", "na", "none", "tbd", "tba", "?"}


def unescape_inline(text: str) -> str:
    """Undo :func:`tracker.text.md_inline`'s escapes (``&lt;`` and ``&amp;`` before entities)."""
    return _ESCAPE.sub(lambda m: "&" if m.group(1) == "amp" else "<", text)


def unescape_cell(text: str, rendered: bool) -> str:
    """A table cell's text: ``\\|`` is a pipe; rendered cells also undo md_inline."""
    text = text.strip().replace("\\|", "|")
    return unescape_inline(text) if rendered else text


def empty_cell(text: str | None) -> bool:
    """True for cells that hold no value ("—", "TBD", a signature line of underscores)."""
    if text is None:
        return True
    stripped = strip_emphasis(text).strip().lower()
    return stripped in _EMPTY_CELLS or not stripped.strip("_")


def strip_hard_break(text: str) -> str:
    """A line without its Markdown hard break (trailing backslash or two spaces)."""
    text = text.rstrip()
    return text[:-1].rstrip() if text.endswith("\\") and not text.endswith("\\\\") else text


def strip_emphasis(text: str) -> str:
    """Text without the bold/italic markers wrapped around it."""
    text = text.strip()
    for marker in ("**", "__", "*", "_"):
        if len(text) > 2 * len(marker) and text.startswith(marker) and text.endswith(marker):
            text = text[len(marker):-len(marker)].strip()
    return text


def normal_key(text: str) -> str:
    """A key or title folded for comparison: lower case, words separated by one space."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def key_line(text: str) -> tuple[str, str] | None:
    """``(key, value)`` of a line such as ``**Status:** Draft`` or ``- Owner: QA team``.

    The key comes back folded by :func:`normal_key`; the value without emphasis markers.
    """
    stripped = strip_hard_break(text).strip()
    if len(stripped) > 300:
        return None
    if stripped.startswith(("- ", "* ", "+ ")):
        stripped = stripped[2:].lstrip()
    wrapped = ""
    for marker in ("**", "__", "*", "_"):
        if stripped.startswith(marker):
            wrapped = marker
            stripped = stripped[len(marker):]
            break
    colon = stripped.find(":")
    if colon <= 0 or colon > 40:
        return None
    key = stripped[:colon].strip(" *_")
    value = stripped[colon + 1:]
    if wrapped and value.startswith(wrapped):  # **Key:** value
        value = value[len(wrapped):]
    elif wrapped and stripped[:colon].endswith(wrapped):  # **Key**: value
        pass
    elif wrapped and value.rstrip().endswith(wrapped):  # *Key: value*
        value = value.rstrip()[:-len(wrapped)]
    elif wrapped:
        return None
    key = normal_key(key)
    if not key or "`" in stripped[:colon] or "](" in stripped[:colon]:
        return None
    return key, strip_emphasis(value.strip())


def parse_date(text: str) -> dt.date | None:
    """The first date in ``text``: ISO, ``2026/03/02``, ``March 2, 2026`` or ``2 Mar 2026``."""
    if len(text) > 300:
        return None
    for pattern in (_ISO, _SLASHED):
        match = pattern.search(text)
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    for match in _WORDY.finditer(text):
        if match.group(1):
            month, day, year = match.group(1), match.group(2), match.group(3)
        else:
            day, month, year = match.group(4), match.group(5), match.group(6)
        number = _MONTHS.get(month.lower())
        if number:
            try:
                return dt.date(int(year), number, int(day))
            except ValueError:
                return None
    return None


def iso_dates(text: str) -> list[dt.date]:
    """Every valid ISO date in ``text``, in order."""
    out = []
    for match in _ISO.finditer(text[:300]):
        try:
            out.append(dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
        except ValueError:
            continue
    return out


def trailing_parenthesis(text: str) -> tuple[str, str] | None:
    """``("text", "inside")`` when ``text`` ends with a balanced ``(inside)`` group."""
    stripped = text.rstrip()
    if not stripped.endswith(")"):
        return None
    depth = 0
    for index in range(len(stripped) - 1, -1, -1):
        char = stripped[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                before, inside = stripped[:index].rstrip(), stripped[index + 1:-1].strip()
                if not before or not inside:
                    return None
                return before, inside
    return None
