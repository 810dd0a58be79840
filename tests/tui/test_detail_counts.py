"""The detail pane shows the counts behind a target's coverage."""

from __future__ import annotations

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
