"""Coverage and test count over recorded runs, and when each item's tests first appeared."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static

from tracker.evidence.bundle import RunPoint
from tracker.tui.format import user
from tracker.tui.widgets.key_footer import KeyFooter


@dataclass(frozen=True)
class HistoryData:
    """What the screen shows; built in a worker (git is slow), shown as is."""

    runs: tuple[RunPoint, ...]
    first_seen: dict[str, tuple[str, dt.date]]  #: item id → (commit, day) its tests appeared


class HistoryScreen(Screen[None]):
    """Two trends over runs and a table of commits: runs and first appearances."""

    BINDINGS = [Binding("escape,h", "app.pop_screen", "Back", id="history.back")]
    DEFAULT_CSS = """
    HistoryScreen #trends { height: 6; }
    HistoryScreen #trends > Vertical { width: 1fr; padding: 0 1; }
    HistoryScreen Sparkline { height: 4; }
    HistoryScreen DataTable { height: 1fr; }
    """

    def __init__(self, data: HistoryData) -> None:
        super().__init__()
        self.data = data

    def compose(self) -> ComposeResult:
        runs = self.data.runs
        coverage = [p.coverage_total for p in runs if p.coverage_total is not None]
        counts = [float(p.test_count) for p in runs]
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
        table = self.query_one(DataTable)
        table.add_columns("Date", "Commit", "Tests", "Coverage", "Tests first appeared for")
        rows: dict[str, list[object]] = {}
        order: list[tuple[dt.date, int, str]] = []
        for n, p in enumerate(self.data.runs):
            key = f"run-{p.run_id}"
            rows[key] = [p.started.date(), p.commit, p.test_count, p.coverage_total, []]
            order.append((p.started.date(), n, key))
        by_commit: dict[str, list[str]] = {}
        for item_id, (sha, day) in sorted(self.data.first_seen.items()):
            by_commit.setdefault(sha, []).append(item_id)
            key = next((k for k, r in rows.items() if r[1] == sha), None)
            if key is None:
                key = f"commit-{sha}"
                if key not in rows:
                    rows[key] = [day, sha, None, None, []]
                    order.append((day, -1, key))
        for row in rows.values():
            row[4] = by_commit.get(str(row[1]), [])
        shown: set[object] = set()  #: commits whose first appearances are listed already
        for _, _, key in sorted(order, key=lambda t: (t[0], t[1])):
            day, sha, tests, cov, items = rows[key]
            if sha in shown:  # several runs of one commit: its items are listed once
                items = []
            elif items:
                shown.add(sha)
            marked = Text("★ ", style="yellow") if items else Text("")
            marked.append(user(", ".join(items)))  # type: ignore[arg-type]
            table.add_row(str(day), (str(sha)[:10] if sha else "—"),
                          "—" if tests is None else str(tests),
                          "—" if cov is None else f"{cov:.1f}%", marked, key=key)
        if not rows:
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
