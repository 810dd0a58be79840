"""Screens as pictures (SVG), compared with the stored ones: main, metrics and history.

Deterministic: a fixed ``today``, runs with fixed times in the store, a git commit with fixed
dates and identity, and no file watching. Update after a deliberate change with
``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from tracker.tui.launch import make_app

from .conftest import TODAY

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _wait_for_history(pilot) -> None:
    from tracker.tui.screens.history import HistoryScreen

    for _ in range(100):
        if isinstance(pilot.app.screen, HistoryScreen):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.1)


class TestScreens:
    @pytest.mark.parametrize("size", SIZES)
    def test_main_screen(self, snap_compare, project, size):
        app = make_app(project / "plan.yaml", TODAY, watch=False)
        assert snap_compare(app, press=["down", "down"], terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_metrics_screen(self, snap_compare, project, size):
        app = make_app(project / "plan.yaml", TODAY, watch=False)
        assert snap_compare(app, press=["m"], terminal_size=size)

    @pytest.mark.parametrize("size", SIZES)
    def test_history_screen(self, snap_compare, project, size):
        app = make_app(project / "plan.yaml", TODAY, watch=False)
        assert snap_compare(app, press=["h"], terminal_size=size, run_before=_wait_for_history)
