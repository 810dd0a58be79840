"""Making text from users' files safe to show: in Markdown, in a terminal, in a table cell.

Item text, test names, failure messages and reviewers' names come from files anyone can edit
(plan.yaml, the tests, git). Shown as they are, they could drive the terminal: clear the
screen, set the window title, write the clipboard (OSC 52), hide or reorder text. Every
command, the Markdown document and the terminal UI pass such text through :func:`clean`,
the one function that knows what is unsafe:

* C0 and C1 control characters, except newline and tab (carriage return goes too: it lets
  text overwrite the start of its line);
* escape sequences, 7-bit (``ESC ...``) and 8-bit (C1) forms, removed whole: CSI (colours,
  cursor moves, clearing), OSC (window titles, hyperlinks, the clipboard), DCS, SOS, PM and
  APC strings up to their terminator, and the short ``ESC x`` sequences;
* the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which
  reorder how a line is displayed so that it reads differently from what it holds
  ("Trojan Source", CVE-2021-42574).

The left-to-right and right-to-left marks (U+200E, U+200F) and the Arabic letter mark
(U+061C) are kept: they act as one invisible strong letter of their direction, so they can
place a neighbouring digit or bracket but reorder nothing an ordinary Hebrew or Latin letter
could not, and mixed right-to-left text needs them to show its punctuation where it belongs.

JSON output keeps the text whole instead (scripts read it): :func:`json_safe` writes the same
characters as ``\\uXXXX`` escapes, which no terminal acts on and every JSON reader turns back.
"""

from __future__ import annotations

import re

#: A string sequence (OSC, DCS, SOS, PM, APC) up to its terminator: BEL, or ST as ESC \ or
#: 0x9C. Unterminated, only its introducer goes (below): what follows is then plain text.
#: The body stops at any ESC or 8-bit introducer, so a failed match never rescans the text
#: after the next one: cleaning stays linear in the length of the text.
_STRING = (r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x90\x98\x9c-\x9f]*"
           r"(?:\x07|\x1b\\|\x9c)")
#: A control sequence: parameters, intermediates, final byte.
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
#: Any other escape: ESC, intermediates (as in ESC ( B), a final byte.
_ESC = r"\x1b[ -/]*[0-~]"
#: Single characters: controls but tab and newline, and the bidirectional formatting ones.
_CHARS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"

_UNSAFE = re.compile(f"{_STRING}|{_CSI}|{_ESC}|{_CHARS}")
#: Every match of _UNSAFE starts with one of these: text without any is returned as it is,
#: at the speed of one character-class scan (most text is clean; render cleans every line).
_FIRST = re.compile(_CHARS)
#: What json.dumps leaves as it is and :func:`json_safe` escapes (it escapes C0 itself).
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ENTITY = re.compile(r"&(?=#?\w+;)")


def clean(text: str) -> str:
    """``text`` without escape sequences, control characters (but newline and tab) and
    bidirectional overrides and isolates: safe to print to a terminal or show in the UI."""
    if _FIRST.search(text) is None:
        return text
    return _UNSAFE.sub("", text)


def json_safe(dumped: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the characters
    :func:`clean` removes written as ``\\uXXXX`` escapes instead: the same data for a
    script, nothing a terminal acts on. json.dumps escapes C0 controls itself."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


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


def md_code(text: str, *, cell: bool = False) -> str:
    """Inline code that survives backticks inside it. Pipes are escaped only in a table
    ``cell``, where GFM reads ``\\|`` as a pipe; elsewhere a backslash in a code span is
    shown as it is, so ``(cov|x)`` would read ``(cov\\|x)``: another regex."""
    text = one_line(text)
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    code = f"{fence}{pad}{text}{pad}{fence}"
    return code.replace("|", "\\|") if cell else code


def md_block(text: str) -> str:
    """Prose kept verbatim (it is Markdown by design), minus terminal escapes."""
    return clean(text).strip("\n")
