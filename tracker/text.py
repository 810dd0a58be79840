"""Making text from users' files safe to show: in Markdown, in a terminal, in a table cell.

Item text and test names come from files anyone can edit. Nothing in them may style a
terminal (ANSI escapes, Rich markup) or break a Markdown table or inject HTML.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def clean(text: str) -> str:
    """Remove ANSI escape sequences and control characters, keeping newlines and tabs."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def one_line(text: str) -> str:
    """Clean text folded onto one line."""
    return " ".join(clean(text).split())


def md_inline(text: str) -> str:
    """Text for a Markdown line: one line, HTML neutralised, Markdown emphasis kept."""
    return _ENTITY.sub("&amp;", one_line(text)).replace("<", "&lt;")


def md_cell(text: str | None) -> str:
    """Text for a Markdown table cell: as md_inline, with pipes escaped."""
    if text is None or not str(text).strip():
        return "—"
    return md_inline(str(text)).replace("|", "\\|")


def md_code(text: str) -> str:
    """Inline code that survives backticks inside it."""
    text = one_line(text)
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def md_block(text: str) -> str:
    """Prose kept verbatim (it is Markdown by design), minus terminal escapes."""
    return clean(text).strip("\n")
