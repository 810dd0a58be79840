"""A trend over recorded runs as a plot with labelled axes (textual-plotext).

Block sparklines had no scale: "▂▅█" could be 60→61% or 10→90%. A plot says it on its axes:
values on the y axis, run days on the x axis, and the newest value in a caption. Only the
terminal UI imports plotext (import-linter keeps it out of the core, which the pytest plugin
loads into every test run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tracker.metrics import percent
from tracker.tui.format import user

#: at most this many day labels under the x axis: more would run into each other
MAX_X_LABELS = 5


class TrendPlot(Vertical):
    """One series over runs, under a caption with its newest value: x is the run's position
    (labelled with its day), y its value."""

    DEFAULT_CSS = """
    TrendPlot { height: 1fr; }
    TrendPlot > .caption { width: 100%; padding: 0 1; }
    TrendPlot > PlotextPlot { height: 1fr; min-height: 5; }
    """

    def __init__(self, title: str, unit: str | None, *,
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.title = title
        self.unit = unit  #: "%" for coverage; "" for a count; None for any measure
        self.values: tuple[float, ...] = ()
        self.days: tuple[dt.date, ...] | None = ()

    def compose(self) -> ComposeResult:
        yield Static(classes="caption")
        yield PlotextPlot()

    def show(self, values: Sequence[float], days: Sequence[dt.date] | None = None,
             title: str | None = None) -> None:
        """Plot ``values`` over runs, oldest first; ``days`` (one per value) label the x axis,
        else the runs' numbers do."""
        self.values = tuple(values)
        self.days = tuple(days) if days is not None else None
        self.title = title or self.title
        self.query_one(".caption", Static).update(self.caption())
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        if self.values:
            plt.xlabel("runs, by day (UTC)" if self.days is not None else "recorded runs")
            plt.ylabel("tests" if self.unit == "" else self.unit or "")
            xs = list(range(1, len(self.values) + 1))
            plt.plot(xs, list(self.values), marker="braille")
            plt.scatter(xs, list(self.values), marker="●")
            ticks = _tick_positions(len(xs))
            days = self.days
            plt.xticks([float(t) for t in ticks],
                       _day_labels([days[t - 1] for t in ticks]) if days is not None
                       else [str(t) for t in ticks])
            low, high = min(self.values), max(self.values)
            if low == high:  # a flat line: give the axis a span, so it shows the value
                low, high = low - 1.0, high + 1.0
                if self.unit == "%":  # a percentage's axis stays within 0..100
                    low, high = max(0.0, low), min(100.0, high)
            plt.ylim(low, high)
            # our own labels: plotext rounds 99.97 to "100.0", a threshold it never reached
            whole = self.unit == "" or all(v.is_integer() for v in self.values)
            yticks = _value_ticks(low, high, whole=whole)
            plt.yticks(yticks, [_value(v, self.unit).rstrip("%") for v in yticks])
        plot.display = bool(self.values)  # no empty frame under "no runs yet"
        plot.refresh()

    def caption(self) -> Text:
        """The newest value and the change since the first run."""
        if not self.values:
            return user(f"{self.title}: no runs yet", "dim")
        text = user(self.title, "bold")  # a metric's title comes from plan.yaml
        text.append(": ")
        text.append(_value(self.values[-1], self.unit))
        if len(self.values) > 1:
            delta = self.values[-1] - self.values[0]
            change = ("+" if delta >= 0 else "") + _value(delta, self.unit)
            text.append(f"  ({change} over {len(self.values)} runs)",
                        style="green" if delta >= 0 else "red")
        return text


def _value(value: float, unit: str | None) -> str:
    """A percentage as coverage.py shows it (never 100.0% unless it is); a count whole; any
    other measure with four significant digits."""
    if unit == "%":
        return percent(value) if 0 <= value <= 100 else f"{value:.1f}%"
    return f"{value:.0f}" if unit == "" else f"{value:.4g}"


def _value_ticks(low: float, high: float, *, whole: bool) -> list[float]:
    """Up to four values from ``low`` to ``high``, both included (whole numbers for counts)."""
    ticks = [low + (high - low) * i / 3 for i in range(4)]
    return sorted({float(round(t)) for t in ticks}) if whole else ticks


def _tick_positions(count: int) -> list[int]:
    """Up to MAX_X_LABELS positions from 1 to ``count``, the first and last included."""
    if count <= MAX_X_LABELS:
        return list(range(1, count + 1))
    step = (count - 1) / (MAX_X_LABELS - 1)
    return sorted({round(1 + i * step) for i in range(MAX_X_LABELS)})


def _day_labels(days: list[dt.date]) -> list[str]:
    """``03-18`` under the first run of each day; the day's later runs get no label."""
    labels = []
    for n, day in enumerate(days):
        labels.append(day.strftime("%m-%d") if n == 0 or day != days[n - 1] else "")
    return labels
