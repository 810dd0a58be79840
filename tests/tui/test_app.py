"""The terminal UI driven as a person would, through Textual's Pilot."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import textwrap
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tracker.assess import Status
from tracker.paths import default_store_path
from tracker.store import Store
from tracker.tui.launch import make_app
from tracker.tui.screens.history import HistoryScreen
from tracker.tui.screens.metrics import MetricsScreen
from tracker.tui.widgets.plan_tree import PlanTree
from tracker.tui.widgets.trend_plot import TrendPlot

from ..helpers import call_cli, git, run_cli, write
from .conftest import TODAY, wait_until


def labels(app) -> list[str]:
    tree = app.query_one(PlanTree)
    out = []
    for node in tree.root.children:
        out.append(str(node.label))
        out.extend(str(child.label) for child in node.children)
    return out


def rendered(static: Static) -> str:
    """What a Static shows, as plain text."""
    from rich.console import Console

    with open(os.devnull, "w") as sink:
        console = Console(width=200, record=True, file=sink)
        console.print(static.content)
        return console.export_text()


def detail_text(app) -> str:
    return rendered(app.query_one("#detail-body", Static))


async def test_navigation_shows_details(project):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert any("payment-errors" in label for label in labels(app))
        assert "late" in labels(app)[0]
        await pilot.press("down", "down")
        node = app.query_one(PlanTree).cursor_node
        assert node.data.kind == "item" and node.data.id == "payment-errors"
        text = detail_text(app)
        assert "failing: 1 of 3 failing: test_declined_card" in text
        assert "assert False" in text
        assert "[red]not red[/red]" in text, "user text is shown literally"
        await pilot.press("up", "up")
        assert "Critical fixes" in detail_text(app)
        assert "Not done" in detail_text(app)


async def test_targets_say_how_many_files_they_match(project):
    plan = project / "plan.yaml"
    plan.write_text(plan.read_text().replace(
        "targets: [src/shop/payments.py]",
        "targets: [src/shop/payments.py, src/shop/, src/gone.py]"))
    write(project, "src/shop/cart.py", "TOTAL = 0\n")
    app = make_app(plan, TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "down")
        text = detail_text(app)
        assert "src/shop/payments.py  1 file\n" in text
        assert "src/shop/  2 files\n" in text
        assert "src/gone.py  matches no file\n" in text


async def test_filter_by_text_and_status(project):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash")
        assert app.query_one("#filter", Input).has_focus
        await pilot.press(*"status:failing")
        shown = [label for label in labels(app) if not label.startswith(("1.", "2."))]
        assert len(shown) == 1 and "payment-errors" in shown[0]
        await pilot.press("escape")
        assert app.query_one("#filter", Input).value == ""
        await pilot.press("slash", *"split")
        shown = [label for label in labels(app) if not label.startswith(("1.", "2."))]
        assert len(shown) == 1 and "split" in shown[0]


async def test_editor_jump_opens_the_selected_line(project, tmp_path):
    record = tmp_path / "editor-args.txt"
    script = write(tmp_path, "editor.py", f"""
        import sys
        open({str(record)!r}, "w").write(" ".join(sys.argv[1:]))
    """)
    os.environ["EDITOR"] = f"{sys.executable} {script}"
    os.environ.pop("VISUAL", None)
    try:
        app = make_app(project / "plan.yaml", TODAY, watch=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("down", "down", "down")  # the asyncio item
            await pilot.press("e")
            await pilot.pause()
    finally:
        del os.environ["EDITOR"]
    line = (project / "plan.yaml").read_text().splitlines().index("      - id: asyncio") + 1
    assert record.read_text() == f"+{line} {project / 'plan.yaml'}"


async def test_broken_plan_shows_errors_and_keeps_the_last_good_view(project):
    app = make_app(project / "plan.yaml", TODAY, watch=True)
    async with app.run_test(size=(120, 40)) as pilot:
        before = labels(app)
        plan = project / "plan.yaml"
        plan.write_text(plan.read_text() + "\nphases: [oops\n")
        for _ in range(200):
            await pilot.pause(0.1)
            if app.query_one("#problems").has_class("-visible"):
                break
        problems = app.query_one("#problems", Static)
        assert problems.has_class("-visible")
        assert "plan.yaml:" in rendered(problems)
        assert labels(app) == before
        plan.write_text(plan.read_text().replace("\nphases: [oops\n", "\n"))
        for _ in range(200):
            await pilot.pause(0.1)
            if not app.query_one("#problems").has_class("-visible"):
                break
        assert not app.query_one("#problems").has_class("-visible")


async def test_changed_test_file_is_picked_up(project):
    app = make_app(project / "plan.yaml", TODAY, watch=True)
    async with app.run_test(size=(120, 40)) as pilot:
        good = app.good
        app.check_files()  # a look at unchanged files (the watcher's usual tick) reloads nothing
        await pilot.pause()
        assert app.good is good
        write(project, "tests/integration/test_flow.py", "def test_flow():\n    pass\n")
        (project / "plan.yaml").touch()
        for _ in range(200):
            await pilot.pause(0.1)
            e2e = app.good.assessment.item("e2e")
            if e2e.status is not Status.TODO:
                break
        assert app.good.assessment.item("e2e").status is Status.IN_PROGRESS


async def test_metrics_and_history_screens(project, wait_for_workers):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        assert isinstance(app.screen, MetricsScreen)
        assert app.screen.query_one(TrendPlot).values == (100.0, 100.0)  # coverage, 2 runs
        assert [m.trend for m in app.screen.assessment.metrics][1] == (4.0, 4.0)
        await pilot.press("escape")
        await pilot.press("h")
        await wait_for_workers(app)  # git's answer, then the screen it shows
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.view.first_seen["payment-errors"][1].date().isoformat() == "2026-03-05"


async def test_history_says_git_is_still_reading_when_it_takes_a_while(project, monkeypatch,
                                                                     wait_for_workers):
    """git reading years of history: after half a second, or when h is pressed again, the
    app says it is still reading (the view is asked for once); once shown, never."""
    import threading

    from tracker.history import gitcli

    release = threading.Event()
    real = gitcli.first_added

    def slow_git(*args, **kwargs):
        release.wait(30)  # git still walking a long history until the test lets it answer
        return real(*args, **kwargs)

    monkeypatch.setattr(gitcli, "first_added", slow_git)
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("h")
        await wait_until(pilot, lambda: any("reading the history" in n.message
                                            for n in app._notifications))  # the timer
        await pilot.press("h")  # asked again while reading: said again, not asked twice
        said = [n.message for n in app._notifications]
        assert said.count("reading the history from git…") == 2
        release.set()
        await wait_for_workers(app)
        assert isinstance(app.screen, HistoryScreen)
        app._still_reading_history()  # a late timer: nothing left to say
        assert [n.message for n in app._notifications].count(
            "reading the history from git…") == 2


async def test_reminders_view_matches_tracker_remind(project):
    from tracker.tui.screens.reminders import RemindersScreen

    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "Phase 1 late by 5 days" in rendered(app.query_one("#header", Static))
        await pilot.press("d")
        assert isinstance(app.screen, RemindersScreen)
        table = app.screen.query_one("#reminders-table")
        texts = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
    done = call_cli("remind", "--today", TODAY.isoformat(), cwd=project)
    assert texts == done.stdout.strip().splitlines()


async def test_command_palette_lists_actions(project, wait_for_workers):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"view: metrics")
        await wait_for_workers(app)  # the palette's search
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MetricsScreen))
        assert isinstance(app.screen, MetricsScreen)


GATED_TESTS = """
import pathlib
import time
import pytest

GO = pathlib.Path(__file__).parents[2] / "go"  # beside the project: the UI test makes it

@pytest.mark.plan("first")
def test_quick():
    assert True

@pytest.mark.plan("later")
@pytest.mark.parametrize("n", range(8))
def test_slow(n):
    deadline = time.monotonic() + 120
    while not GO.exists():  # held until the UI test has seen what it waits for
        assert time.monotonic() < deadline, "never told to go on"
        time.sleep(0.02)
"""

LIVE_PLAN = """
title: Live
phases:
  - id: "1"
    title: One
    items:
      - {id: first, text: First}
      - {id: later, text: Later}
"""


@pytest.fixture
def live_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project run for real by the app (pytest under coverage.py) whose slow tests wait
    for the file ``go`` beside it (see ``go``): a run goes on as long as the test needs.
    Its pytest loads no plugins from entry points (the app's run then loads tracker's with
    -p): the ones installed for this suite would cost a second per run."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    root = tmp_path / "live"
    write(root, "plan.yaml", LIVE_PLAN)
    write(root, "tests/test_live.py", GATED_TESTS)
    write(root, "pyproject.toml", textwrap.dedent("""
        [tool.pytest.ini_options]
        addopts = "-p no:randomly -p no:cacheprovider"
    """))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "live")
    return root


def go(live_project: Path) -> Path:
    """The file that lets the live project's slow tests finish."""
    return live_project.parent / "go"


@pytest.mark.slow
async def test_live_run_changes_the_tree_before_it_ends(live_project, wait_for_workers):
    app = make_app(live_project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.good.assessment.item("first").status is Status.IN_PROGRESS
        await pilot.press("down", "down")  # on "later": the run's reload keeps it there
        await pilot.press("r")
        await wait_until(pilot, lambda: next(
            label for label in labels(app) if "first" in label).startswith(Status.DONE.icon))
        assert app.live is not None, "an item turned done while the run was still going"
        later = next(label for label in labels(app) if "later" in label)
        assert not later.startswith(Status.DONE.icon), "its tests are still running"
        go(live_project).touch()  # the slow tests may end now
        await wait_for_workers(app)  # the run's worker, then the reload it starts
        assert app.live is None and app.good.assessment.run is not None
        assert app.good.assessment.item("later").status is Status.DONE
        assert app.query_one(PlanTree).cursor_node.data.id == "later"
    with Store.open(default_store_path(live_project)) as store:
        assert store.runs_count() == 1


@pytest.mark.slow
async def test_escape_cancels_a_run_and_keeps_earlier_runs(live_project, wait_for_workers):
    app = make_app(live_project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        go(live_project).touch()  # the first run goes straight through
        await pilot.press("r")
        await wait_for_workers(app)  # the whole run, recorded, and the reload after it
        assert app.live is None
        with Store.open(default_store_path(live_project)) as store:
            assert store.runs_count() == 1
        go(live_project).unlink()  # the second one is held at its slow tests
        await pilot.press("r")
        await wait_until(pilot, lambda: app.live is not None and app.live.outcomes)
        assert app.live.collected == 9 and len(app.live.outcomes) < 9  # still running
        await pilot.press("escape")
        await wait_for_workers(app)  # the cancelled run's worker, and the reload after it
        assert app.live is None
    with Store.open(default_store_path(live_project)) as store:
        assert store.runs_count() == 1, "the cancelled run was not recorded"
        assert store.latest_run().counts()["passed"] == 9


@pytest.mark.slow
async def test_a_run_from_the_ui_is_noted_when_the_plan_says_so(live_project,
                                                                 wait_for_workers):
    plan = live_project / "plan.yaml"
    plan.write_text(plan.read_text() + "runs: {note: true}\n")
    git(live_project, "commit", "-qam", "note every run")
    go(live_project).touch()
    app = make_app(plan, TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("r")
        await wait_for_workers(app)
        said = [n.message for n in app._notifications]
    assert any(m.startswith("run 1 recorded: 9 passed; noted on its commit") for m in said), said
    listed = git(live_project, "notes", "--ref", "tracker", "list", "HEAD")
    assert listed.strip(), "no note on HEAD"


def test_factory_is_what_the_cli_uses():
    import inspect

    from tracker import cli

    assert "make_app(" in inspect.getsource(cli)
    assert asyncio.iscoroutinefunction(test_navigation_shows_details)


def test_every_palette_command_calls_an_action():
    from tracker.tui.app import TrackerApp
    from tracker.tui.commands import COMMANDS

    for name, action, _ in COMMANDS:
        assert callable(getattr(TrackerApp, f"action_{action}", None)), name
    bound = {b.action for b in TrackerApp.BINDINGS}
    assert {"run_all", "run_selected", "edit", "filter", "metrics", "history"} <= bound


async def test_a_big_plan_opens_closed_and_fills_a_phase_when_opened(tmp_path):
    lines = ["title: Big", "phases:"]
    for p in range(2):
        lines += [f"  - id: p{p}", f"    title: Phase {p}", "    items:"]
        lines += [f"      - {{id: i{p}-{n}, text: Item {n}}}" for n in range(350)]
    write(tmp_path, "plan.yaml", "\n".join(lines) + "\n")
    app = make_app(tmp_path / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        tree = app.query_one(PlanTree)
        phases = list(tree.root.children)
        assert [p.is_expanded for p in phases] == [False, False]
        assert [len(p.children) for p in phases] == [0, 0]
        await pilot.press("enter")
        assert phases[0].is_expanded and len(phases[0].children) == 350
        await pilot.press("slash", *"i1-349")
        shown = [label for label in labels(app) if "i1-349" in label]
        assert len(shown) == 1


def footer_keys(app) -> dict[str, tuple[int, int]]:
    """The keys the current screen's footer shows, with their columns (start, end)."""
    from textual.widgets._footer import FooterKey

    return {key.key: (key.region.x, key.region.right)
            for key in app.screen.query(FooterKey) if key.region.width}


async def test_the_trees_keys_act_only_on_the_tree(project, wait_for_workers):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MetricsScreen)
        shown = footer_keys(app)
        assert "escape" in shown and not {"r", "t", "e", "slash"} & set(shown)
        await pilot.press("slash", "r", "e")  # did crash (the filter box mounted on a view)
        await pilot.pause()
        assert isinstance(app.screen, MetricsScreen) and app.live is None
        assert app.filter_box() is None
        await pilot.press("ctrl+p", *"plan: filter")
        await wait_for_workers(app)  # the palette's search
        await pilot.press("enter")  # the palette goes back to the tree and opens the filter
        await wait_until(pilot, lambda: (box := app.filter_box()) is not None and box.has_focus)
        assert not isinstance(app.screen, MetricsScreen)
        assert app.query_one("#filter", Input).has_focus
        assert "slash" not in footer_keys(app), "/ types a slash in the box"
        await pilot.press("enter")
        await pilot.pause()
        assert {"r", "t", "e", "slash"} <= set(footer_keys(app))


@pytest.mark.parametrize("width", [80, 100, 120])
async def test_every_key_of_the_tree_fits_in_the_footer(project, width):
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        shown = footer_keys(app)
        assert {"q", "r", "t", "e", "slash", "m", "h", "d"} <= set(shown), shown
        spans = sorted(shown.values())
        assert all(end <= width for _, end in spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), \
            f"keys overlap at {width} columns: {shown}"
        assert ("ctrl+p" in shown) == (width >= 90)


async def test_a_store_that_cannot_be_read_is_not_called_a_plan_error(project,
                                                                      wait_for_workers):
    store = project / ".tracker" / "tracker.db"
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        store.write_bytes(b"SQLite format 3\x00" + b"garbage" * 300)
        await pilot.press("ctrl+r")
        await wait_for_workers(app)  # the reload
        assert app.query_one("#problems").has_class("-visible")
        text = rendered(app.query_one("#problems", Static))
        assert "recorded runs cannot be read" in text and "tracker.db" in text
        assert "plan.yaml has errors" not in text
        assert any("payment-errors" in label for label in labels(app)), "last good view kept"
    done = run_cli("--today", TODAY.isoformat(), cwd=project)
    assert done.returncode == 2
    assert "tracker.db" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


async def test_history_lists_an_items_first_appearance_once_per_commit(project):
    import datetime as dt

    from tracker.evidence.bundle import RunPoint
    from tracker.views.history import history_view

    sha = "a" * 40
    start = dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC)
    runs = tuple(RunPoint(n, start + dt.timedelta(hours=n), sha, {"passed": 3}, 80.0, 3, 1.0)
                 for n in (1, 2))
    view = history_view(runs, {"payment-errors": (sha, start)})
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(HistoryScreen(view))
        await pilot.pause()
        table = app.screen.query_one("#history-table")
        listed = [str(table.get_row_at(i)[4]) for i in range(table.row_count)]
        assert listed == ["★ payment-errors", ""]
