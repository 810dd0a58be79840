"""Coverage and test count over recorded runs, and when each item's tests first appeared.

Shows a :class:`tracker.views.history.HistoryView`, shaped outside Textual: two plots with
labelled axes (:class:`tracker.tui.widgets.trend_plot.TrendPlot`) over a table of runs and
commits in time order.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable

from tracker.metrics import percent
from tracker.tui.format import user
from tracker.tui.widgets.key_footer import KeyFooter
from tracker.tui.widgets.trend_plot import TrendPlot
from tracker.views.history import HistoryView


class HistoryScreen(Screen[None]):
    """Two trends over runs and a table of commits: runs and first appearances."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,h", "app.pop_screen", "Back", id="history.back")]
    DEFAULT_CSS = """
    HistoryScreen #trends { height: 45%; min-height: 8; }
    HistoryScreen TrendPlot { width: 1fr; }
    HistoryScreen DataTable { height: 1fr; }
    """

    def __init__(self, view: HistoryView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with Horizontal(id="trends"):
            yield TrendPlot("Coverage", "%", id="coverage-trend")
            yield TrendPlot("Tests", "", id="count-trend")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="history-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        measured = [p for p in self.view.points if p.coverage is not None]
        self.query_one("#coverage-trend", TrendPlot).show(
            [p.coverage for p in measured if p.coverage is not None],
            [p.when.astimezone(dt.UTC).date() for p in measured])
        self.query_one("#count-trend", TrendPlot).show(
            [float(p.tests) for p in self.view.points],
            [p.when.astimezone(dt.UTC).date() for p in self.view.points])
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.add_columns("When (UTC)", "Commit", "Tests", "Coverage",
                          "Tests first appeared for")
        for row in self.view.rows:
            marked = Text("★ ", style="yellow") if row.first_seen else Text("")
            marked.append_text(user(", ".join(row.first_seen)))
            table.add_row(_when(row.when), row.commit[:10] if row.commit else "—",
                          "—" if row.tests is None else str(row.tests),
                          "—" if row.coverage is None else percent(row.coverage), marked,
                          key=row.key)
        if not self.view.rows:
            table.add_row("—", "—", "—", "—", Text("no runs recorded and no git history",
                                                   style="dim"))


def _when(when: dt.datetime) -> str:
    """``2026-03-18 09:30``, in UTC: rows from runs and commits of different zones agree."""
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M")
