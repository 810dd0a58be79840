"""Leaving a screen leads where the user expects: back to the main view."""

from __future__ import annotations

from tracker.tui.launch import make_app
from tracker.tui.screens.history import HistoryScreen
from tracker.tui.screens.metrics import MetricsScreen

from .conftest import TODAY


async def test_escape_from_history_opened_on_metrics_returns_to_the_main_view(project):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        main = app.screen
        await pilot.press("m")
        assert isinstance(app.screen, MetricsScreen)
        await pilot.press("h")
        for _ in range(400):
            await pilot.pause(0.05)
            if isinstance(app.screen, HistoryScreen):
                break
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main
