"""The header's lines break between phrases, never inside one ("(d: all" / "reminders)")."""

from __future__ import annotations

import os

import pytest
from rich.console import Console
from rich.text import Text

from tracker.tui.format import phrases
from tracker.tui.launch import make_app

from .conftest import TODAY

WHOLE = ["Shop Backend | Testing Plan", "Phase 1 of 2 in progress", "1/6 items done",
         "⚠ Review OVERDUE by 4 days", "(2026-03-16; Tech Lead, QA Lead)",
         "(d: all reminders)"]


@pytest.mark.parametrize("width", [60, 80, 100])
async def test_header_phrases_stay_whole(project, width):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        header = app.query_one("#header")
        with open(os.devnull, "w") as sink:
            console = Console(width=header.content_region.width, record=True, file=sink)
            console.print(header.content)
            lines = console.export_text().splitlines()
    for phrase in WHOLE:
        assert any(phrase in line for line in lines), (phrase, lines)


def test_phrases_break_only_between_parts():
    parts = [Text("aaa bbb"), Text("ccc ddd"), Text("e")]
    assert phrases(parts, 20).plain == "aaa bbb  ccc ddd  e"
    assert phrases(parts, 12).plain == "aaa bbb\nccc ddd  e"
    assert phrases(parts, None).plain == "aaa bbb  ccc ddd  e"
