"""Every metric with baseline, target, current value, met or not, and its trend."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tracker.assess import Assessment
from tracker.tui.format import sparkline, user
from tracker.tui.widgets.key_footer import KeyFooter
from tracker.tui.widgets.trend_plot import TrendPlot


class MetricsScreen(Screen[None]):
    """A table of metrics; the selected one's trend is drawn below it, with a scale."""

    BINDINGS = [Binding("escape,m", "app.pop_screen", "Back", id="metrics.back")]
    DEFAULT_CSS = """
    MetricsScreen DataTable { height: auto; max-height: 70%; }
    MetricsScreen #metric-trend { height: 1fr; min-height: 8; }
    MetricsScreen #metric-title { padding: 0 1; }
    """

    def __init__(self, assessment: Assessment) -> None:
        super().__init__()
        self.assessment = assessment

    def compose(self) -> ComposeResult:
        yield Static(Text("Metrics", style="bold"), id="metric-heading")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="metrics-table")
        yield Static(id="metric-title")
        yield TrendPlot("Trend", None, id="metric-trend")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Metric", "Baseline", "Target", "Current", "Met", "Trend")
        for m in self.assessment.metrics:
            met = (Text("—", style="dim") if m.met is None else
                   Text("yes", style="green") if m.met else Text("no", style="bold red"))
            current = Text(m.display, style="italic dim" if m.metric.qualitative else "")
            table.add_row(user(m.metric.title), user(m.metric.baseline or "—"),
                          user(m.metric.target_text or "—"), current, met,
                          _trend_cell(m.trend), key=m.metric.id)
        self.show_trend(0)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_trend(event.cursor_row)

    def show_trend(self, row: int) -> None:
        metrics = self.assessment.metrics
        title = self.query_one("#metric-title", Static)
        trend = self.query_one("#metric-trend", TrendPlot)
        if not metrics or row >= len(metrics):
            title.update(Text("No metrics in this plan.", style="dim"))
            title.display, trend.display = True, False
            return
        m = metrics[row]
        if m.metric.qualitative:
            title.update(user(f"{m.metric.title}: qualitative, judged by people", "dim"))
        elif m.trend:
            title.update(user(f"{m.metric.title} over {len(m.trend)} recorded runs"))
        else:
            title.update(user(f"{m.metric.title}: no recorded runs yet", "dim"))
        trend.unit = "%" if m.display.endswith("%") else None
        trend.show(list(m.trend), title=m.metric.title)
        trend.display = bool(m.trend)  # the line above says why there is none
        title.display = not m.trend  # the plot's caption names it


def _trend_cell(trend: tuple[float, ...]) -> Text:
    """The sparkline with its scale: ``▁▄█ 61.2–64.0`` (blocks alone say nothing of it)."""
    if not trend:
        return Text("")
    text = Text(sparkline(trend), style="cyan")
    shown = trend[-20:]  # what the sparkline draws
    low, high = min(shown), max(shown)
    text.append(f" {low:.4g}" + (f"–{high:.4g}" if high != low else ""), style="dim")
    return text
