"""The history screen draws its trends as plots with a scale: values on the y axis, run days
on the x axis, the newest value and the change in a caption; rows in time order."""

from __future__ import annotations

import datetime as dt

from textual_plotext import PlotextPlot

from tracker.evidence.bundle import RunPoint
from tracker.tui.launch import make_app
from tracker.tui.screens.history import HistoryScreen
from tracker.tui.widgets.trend_plot import TrendPlot
from tracker.views.history import history_view

from .conftest import TODAY

START = dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC)


def _runs(coverages: list[float | None]) -> tuple[RunPoint, ...]:
    return tuple(RunPoint(n, START + dt.timedelta(hours=10 * n), "a" * 40, {"passed": 30 + n},
                          cov, 30 + n, 1.0) for n, cov in enumerate(coverages))


def _plot_text(screen: HistoryScreen, plot_id: str) -> tuple[str, str]:
    trend = screen.query_one(f"#{plot_id}", TrendPlot)
    caption = str(trend.query_one(".caption").render())
    return caption, str(trend.query_one(PlotextPlot).render())


async def test_the_plots_show_their_scale_and_values(project):
    view = history_view(_runs([61.0, 63.5, 99.97]), {})
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(HistoryScreen(view))
        await pilot.pause()
        caption, plot = _plot_text(app.screen, "coverage-trend")
        # coverage.py's rounding: 99.97 is not shown as 100
        assert caption == "Coverage: 99.9%  (+39.0% over 3 runs)"
        assert "61.0┤" in plot and "99.9┤" in plot and "100.0" not in plot
        assert "03-18" in plot and "03-19" in plot  # the x axis says when
        assert "runs, by day (UTC)" in plot
        caption, plot = _plot_text(app.screen, "count-trend")
        assert caption == "Tests: 32  (+2 over 3 runs)"
        assert "30" in plot and "32" in plot and "tests" in plot


async def test_a_run_without_coverage_is_left_out_of_the_coverage_plot_only(project):
    view = history_view(_runs([None, 70.0]), {})
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(HistoryScreen(view))
        await pilot.pause()
        assert _plot_text(app.screen, "coverage-trend")[0] == "Coverage: 70.0%"
        assert _plot_text(app.screen, "count-trend")[0] == "Tests: 31  (+1 over 2 runs)"


async def test_no_runs_say_so_without_an_empty_frame(project):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(HistoryScreen(history_view((), {})))
        await pilot.pause()
        trend = app.screen.query_one("#coverage-trend", TrendPlot)
        assert str(trend.query_one(".caption").render()) == "Coverage: no runs yet"
        assert not trend.query_one(PlotextPlot).display


async def test_rows_show_the_time_in_utc_in_time_order(project):
    cet = dt.timezone(dt.timedelta(hours=1))
    first = {"a-late": ("c" * 40, dt.datetime(2026, 3, 18, 20, tzinfo=cet)),
             "b-early": ("b" * 40, dt.datetime(2026, 3, 18, 8, tzinfo=cet))}
    view = history_view(_runs([80.0]), first)
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(HistoryScreen(view))
        await pilot.pause()
        table = app.screen.query_one("#history-table")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[0], r[4]) for r in rows] == [
            ("2026-03-18 07:00", "★ b-early"), ("2026-03-18 09:00", ""),
            ("2026-03-18 19:00", "★ a-late")]


async def test_the_metrics_screen_gives_its_trends_a_scale(project):
    """The table's sparkline says its range; the selected metric's trend is a plot."""
    from tracker.tui.screens.metrics import MetricsScreen

    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        assert isinstance(app.screen, MetricsScreen)
        table = app.screen.query_one("#metrics-table")
        assert str(table.get_row_at(0)[5]) == "▄▄ 100"  # coverage: 100% in both runs
        trend = app.screen.query_one("#metric-trend", TrendPlot)
        caption, plot = _plot_text(app.screen, "metric-trend")
        assert caption == "Code coverage: 100.0%  (+0.0% over 2 runs)"
        assert "100.0┤" in plot and "recorded runs" in plot
        await pilot.press("down", "down")  # a qualitative metric: no plot, and why
        assert not trend.display
        assert "qualitative" in str(app.screen.query_one("#metric-title").render())
