"""The one cleaning function: what it removes, what it keeps, and that it stays linear."""

from __future__ import annotations

import json
import time

import pytest

from tracker.problems import Location, Problem
from tracker.text import clean, json_safe, md_cell, md_inline, one_line


@pytest.mark.parametrize(("raw", "shown"), [
    ("R \x1b]0;PWNED\x07\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07", "R "),  # title, clear, clipboard
    ("a\x1b]2;title\x1b\\b", "ab"),  # OSC ended by ST
    ("a\x1bP1$qm\x1b\\b", "ab"),  # DCS
    ("a\x1b_apc payload\x1b\\b", "ab"),  # APC
    ("a\x1b^pm\x07b", "ab"),  # PM
    ("a\x1bXsos\x9cb", "ab"),  # SOS ended by 8-bit ST
    ("a\x9d0;title\x9cb", "ab"),  # 8-bit OSC
    ("a\x9b31mb", "ab"),  # 8-bit CSI
    ("a\x1b[38;5;196mb\x1b[0m", "ab"),
    ("a\x1b(Bb\x1bcc\x1b7d", "abcd"),  # charset, reset, save cursor
    ("a\u202eb\u202ac\u202bd\u202ce\u202df", "abcdef"),  # embeddings, overrides
    ("a\u2066b\u2067c\u2068d\u2069e", "abcde"),  # isolates
    ("x\ty\nz\r", "x\ty\nz"),  # tab and newline kept, carriage return not
    ("a\x00b\x07c\x7fd\x85e", "abcde"),
    ("unterminated \x1b]0;title", "unterminated 0;title"),  # its introducer goes
    ("\x1b]8;;http://x\x07link\x1b]8;;\x07", "link"),  # hyperlink
])
def test_clean_removes_what_drives_a_terminal(raw: str, shown: str) -> None:
    assert clean(raw) == shown


@pytest.mark.parametrize("kept", [
    "[bold red]x[/]", "é ü 日本 👍", "שלום\u200f (RLM) a\u200eb \u061c",  # marks are kept
    "tab\there", "line\nline", "",
])
def test_clean_keeps_ordinary_text(kept: str) -> None:
    assert clean(kept) == kept


def test_every_display_helper_cleans() -> None:
    hostile = "x\u202e\x1b]0;t\x07y"
    for shown in (one_line(hostile), md_inline(hostile), md_cell(hostile)):
        assert shown == "xy"
    assert str(Problem(Location("plan.yaml", 3, 5), f"bad {hostile}")) == "plan.yaml:3:5: bad xy"


@pytest.mark.parametrize("text", [
    "\x9d" * 200_000, "\x9d" + "a" * 200_000, ("\x1b]" + "a" * 1000) * 200,
    "\x1b[" + "0" * 200_000, "\x1b" * 200_000, "\x9b" * 200_000, ("\x90" + "a" * 50) * 4000,
])
def test_clean_is_linear_on_unterminated_sequences(text: str) -> None:
    """A sequence without its terminator must not make the next ones rescan the text."""
    started = time.perf_counter()
    clean(text)
    assert time.perf_counter() - started < 1.0


def test_json_safe_escapes_instead_of_removing() -> None:
    value = {"text": "a\u202eb\x9bc\x1bd\u2066e\x7f"}
    dumped = json_safe(json.dumps(value, ensure_ascii=False))
    assert json.loads(dumped) == value
    assert all(c == "\n" or " " <= c < "\x7f" or c > "\x9f" for c in dumped)
    assert "\u202e" not in dumped
