"""The TUI keeps the user's place: leaving a screen leads back to the main view, and a
reload (after a run, the editor, a saved file) keeps the selection and the scroll by id."""

from __future__ import annotations

import sys
from pathlib import Path

from tracker.tui.launch import make_app
from tracker.tui.screens.history import HistoryScreen
from tracker.tui.screens.metrics import MetricsScreen
from tracker.tui.widgets.plan_tree import PlanTree

from ..helpers import write
from .conftest import TODAY, wait_until


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


def _long_plan(root: Path, items: int = 12) -> Path:
    """Three phases of ``items`` items each: more rows than an 80x24 terminal shows."""
    phases = []
    for p in (1, 2, 3):
        rows = "\n".join(f"      - {{id: i{p}-{n:02d}, text: Item {n} of phase {p}}}"
                         for n in range(items))
        phases.append(f"  - id: \"{p}\"\n    title: Phase {p}\n    items:\n{rows}")
    write(root, "plan.yaml", "title: Long\nphases:\n" + "\n".join(phases) + "\n")
    return root / "plan.yaml"


def _place(app) -> tuple[str | None, float, bool]:
    """The selected node's id, the tree's scroll offset, and whether the cursor shows."""
    tree = app.query_one(PlanTree)
    node = tree.cursor_node
    height = tree.scrollable_content_region.height
    shown = tree.scroll_y <= tree.cursor_line < tree.scroll_y + height
    return (node.data.id if node and node.data else None), tree.scroll_y, shown


async def _go_down_far(app, pilot) -> tuple[str | None, float, bool]:
    await pilot.press(*["down"] * 30)
    await pilot.pause()
    place = _place(app)
    assert place[0] == "i3-03" and place[1] > 0 and place[2], place
    return place


async def test_a_reload_keeps_the_selection_and_the_scroll(tmp_path, wait_for_workers):
    plan = _long_plan(tmp_path)
    app = make_app(plan, TODAY, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        before = await _go_down_far(app, pilot)
        await pilot.press("ctrl+r")
        await wait_for_workers(app)
        await pilot.pause()
        assert _place(app) == before


async def test_saving_the_plan_keeps_the_place(tmp_path):
    plan = _long_plan(tmp_path)
    app = make_app(plan, TODAY, watch=True)
    async with app.run_test(size=(80, 24)) as pilot:
        before = await _go_down_far(app, pilot)
        shown = app.good
        plan.write_text(plan.read_text().replace("Item 5 of phase 1", "Item five"))
        await wait_until(pilot, lambda: app.good is not shown)
        await pilot.pause()
        assert _place(app) == before


async def test_returning_from_the_editor_keeps_the_place(tmp_path, wait_for_workers,
                                                         monkeypatch):
    plan = _long_plan(tmp_path)
    script = write(tmp_path, "editor.py", """
        import sys
        path = sys.argv[-1]
        text = open(path).read()
        open(path, "w").write(text.replace("Item 3 of phase 3", "Item three edited"))
    """)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(plan, TODAY, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        before = await _go_down_far(app, pilot)
        await pilot.press("e")
        await wait_for_workers(app)
        await pilot.pause()
        assert "edited" in str(app.query_one(PlanTree).cursor_node.label)
        assert _place(app) == before
