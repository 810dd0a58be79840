"""Test ids in the detail pane keep the test's own name visible at 80x24: the file's path
gives way (shortened from the left) instead of the name being cut at the right."""

from __future__ import annotations

import os

import pytest
from rich.console import Console
from textual.widgets import Static

from tracker.tui.format import short_nodeid
from tracker.tui.launch import make_app

from .conftest import TODAY


@pytest.mark.parametrize(("nodeid", "width", "shown"), [
    ("tests/test_a.py::test_x", 40, "tests/test_a.py::test_x"),
    ("tests/unit/payments/test_cards.py::test_declined", 30, "…/test_cards.py::test_declined"),
    ("tests/test_payments.py::TestCard::test_declined", 28, "…py::TestCard::test_declined"),
    ("tests/test_p.py::test_a_very_long_name_indeed[x]", 20, "…long_name_indeed[x]"),
    ("tests/test_payments.py::test_card_errors[expired]", 22, "test_card_errors[…red]"),
    ("tests/test_a.py::test_x", None, "tests/test_a.py::test_x"),
    ("tests/\x1b[31mred.py::test_x", 40, "tests/red.py::test_x"),  # cleaned, then cut
])
def test_short_nodeid_keeps_the_end(nodeid, width, shown):
    assert short_nodeid(nodeid, width) == shown
    assert width is None or len(short_nodeid(nodeid, width)) <= width


async def test_the_detail_table_shows_whole_test_names_at_80x24(project):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down")  # payment-errors: three tests that ran
        await pilot.pause()
        body = app.query_one("#detail-body", Static)
        with open(os.devnull, "w") as sink:
            console = Console(width=body.size.width, record=True, file=sink)
            console.print(body.content)
            text = console.export_text()
    rows = [line for line in text.splitlines() if line.strip().startswith(("failed", "passed"))]
    assert len(rows) == 3, text
    for name in ("test_declined_card", "test_card_errors[", "test_card_errors["):
        assert any(name in row for row in rows), (name, rows)
