"""Coverage and test count over recorded runs, and when each item's tests first appeared.

Shows a :class:`tracker.views.history.HistoryView`, shaped outside Textual.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static

from tracker.metrics import percent
from tracker.tui.format import user
from tracker.tui.widgets.key_footer import KeyFooter
from tracker.views.history import HistoryView


class HistoryScreen(Screen[None]):
    """Two trends over runs and a table of commits: runs and first appearances."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,h", "app.pop_screen", "Back", id="history.back")]
    DEFAULT_CSS = """
    HistoryScreen #trends { height: 6; }
    HistoryScreen #trends > Vertical { width: 1fr; padding: 0 1; }
    HistoryScreen Sparkline { height: 4; }
    HistoryScreen DataTable { height: 1fr; }
    """

    def __init__(self, view: HistoryView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        coverage, counts = list(self.view.coverage), list(self.view.test_counts)
        with Horizontal(id="trends"):
            with Vertical():
                yield Static(_caption("Coverage", coverage, "%"))
                yield Sparkline(coverage, id="coverage-trend")
            with Vertical():
                yield Static(_caption("Tests", counts, ""))
                yield Sparkline(counts, id="count-trend")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="history-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.add_columns("Date", "Commit", "Tests", "Coverage", "Tests first appeared for")
        for row in self.view.rows:
            marked = Text("★ ", style="yellow") if row.first_seen else Text("")
            marked.append_text(user(", ".join(row.first_seen)))
            table.add_row(row.day.isoformat(), row.commit[:10] if row.commit else "—",
                          "—" if row.tests is None else str(row.tests),
                          "—" if row.coverage is None else percent(row.coverage), marked,
                          key=row.key)
        if not self.view.rows:
            table.add_row("—", "—", "—", "—", Text("no runs recorded and no git history",
                                                   style="dim"))


def _caption(name: str, values: list[float], unit: str) -> Text:
    if not values:
        return Text(f"{name}: no runs yet", style="dim")
    text = Text(f"{name}: ", style="bold")
    text.append(f"{values[-1]:.1f}{unit}" if unit else f"{values[-1]:.0f}")
    if len(values) > 1:
        delta = values[-1] - values[0]
        text.append(f"  ({delta:+.1f}{unit} since the first of {len(values)} runs)",
                    style="green" if delta >= 0 else "red")
    return text
