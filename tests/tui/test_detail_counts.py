"""The detail pane shows the counts behind a target's coverage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.console import Console

from tracker.tui.widgets.details import item_view

from ..test_truth_details import judge, repo, run

__all__ = ["repo"]


def test_the_detail_pane_shows_statements_and_branches(repo: Path) -> None:
    console = Console(width=100, record=True, color_system=None)
    console.print(item_view(judge(repo, run()).item("covered")))
    text = console.export_text()
    assert "coverage now 86.7%: statements 19/20, branches 7/10" in text


def test_the_detail_pane_shows_what_the_items_own_tests_ran(repo: Path) -> None:
    # src/app.py: 20 statements, line 4 missed; lines 1-2 ran at import, so 18 only tests
    # can run, of which test_a.py ran 9: 50.0%
    lines = {"": {"src/app.py": (1, 2)},
             "tests/test_a.py": {"src/app.py": (1, 2, *range(5, 14))}}
    record = dataclasses.replace(run(), test_file_lines=lines)
    console = Console(width=100, record=True, color_system=None)
    console.print(item_view(judge(repo, record).item("covered")))
    assert "by its own tests 50.0%" in console.export_text()
    console = Console(width=100, record=True, color_system=None)
    console.print(item_view(judge(repo, run()).item("covered")))
    assert "by its own tests" not in console.export_text(), "no contexts: no figure"
