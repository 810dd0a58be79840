"""The Textual app, built by one factory (tracker.tui.launch.make_app) for the CLI and tests.

The app receives a loaded snapshot and shows it; reloading, git and test runs happen in
worker threads and come back as new snapshots or report events. Nothing here decides a
status: provisional statuses during a run come from ``assess`` too (see tui.live).
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import subprocess
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import Input, Static, Tree

from tracker.tui.commands import TrackerCommands
from tracker.tui.format import user
from tracker.tui.live_runs import LiveRuns
from tracker.tui.snapshot import Snapshot, changed, take_snapshot
from tracker.tui.widgets.details import DetailPane
from tracker.tui.widgets.key_footer import KeyFooter
from tracker.tui.widgets.plan_header import PlanHeader
from tracker.tui.widgets.plan_tree import NodeRef, PlanTree
from tracker.tui.widgets.run_bar import RunBar

WATCH_SECONDS = 0.5


class TrackerApp(LiveRuns):
    """The plan at a glance, with live runs (:class:`~tracker.tui.live_runs.LiveRuns`)."""

    CSS_PATH = "app.tcss"
    TITLE = "tracker"
    COMMANDS: ClassVar = App.COMMANDS | {TrackerCommands}
    BINDINGS: ClassVar = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("r", "run_all", "Run all", tooltip="Run the whole suite", id="run.all"),
        Binding("t", "run_selected", "Run selected", tooltip="Run the selection's tests",
                id="run.selected"),
        Binding("escape", "cancel_run", "Cancel", show=False, id="run.cancel"),
        Binding("e", "edit", "Edit", tooltip="Open $EDITOR at this line", id="plan.edit"),
        Binding("slash", "filter", "Filter", tooltip="Filter by text or status:NAME",
                id="plan.filter"),
        Binding("m", "metrics", "Metrics", id="view.metrics"),
        Binding("h", "history", "History", id="view.history"),
        Binding("d", "reminders", "Due", tooltip="What is overdue or due soon",
                id="view.reminders"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="plan.reload"),
    ]

    #: actions on the plan tree: hidden and inactive while a view (metrics, history, due)
    #: covers it; the command palette goes back to the tree first (TrackerCommands)
    MAIN_SCREEN_ACTIONS: ClassVar = frozenset({"run_all", "run_selected", "edit", "filter"})

    def __init__(self, snapshot: Snapshot, today: dt.date, *, watch: bool = True) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.good = snapshot if snapshot.assessment else None
        self.today = today
        self.watching = watch
        self._history_loading = False

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield PlanHeader(id="header")
        yield Static(id="problems")
        with Horizontal(id="body"):
            yield PlanTree(id="tree")
            yield DetailPane(id="details")
        yield RunBar(id="run-bar")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.show_snapshot(self.snapshot)
        self.query_one(PlanTree).focus()
        if self.watching:
            self.set_interval(WATCH_SECONDS, self.check_files)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "filter" and (box := self.filter_box()) is not None and box.has_focus:
            return False  # "/" types a slash in the box: not a key to show there
        return action not in self.MAIN_SCREEN_ACTIONS or self.on_main_screen()

    def on_main_screen(self) -> bool:
        """Whether the plan tree is what shows (a palette opened over it counts)."""
        from textual.command import CommandPalette

        screens = [s for s in self.screen_stack if not isinstance(s, CommandPalette)]
        return len(screens) == 1

    async def back_to_main(self) -> None:
        """Close the views covering the plan tree."""
        while not self.on_main_screen() and len(self.screen_stack) > 1:
            await self.pop_screen()

    # -- showing -----------------------------------------------------------------------------

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show a new snapshot; a broken one shows its errors over the last good view."""
        try:
            problems = self.query_one("#problems", Static)
        except NoMatches:  # a reload that finished while the app was closing
            return
        self.snapshot = snapshot
        if snapshot.assessment is None:
            if snapshot.store_error:
                text = Text("the recorded runs cannot be read; showing the last good view:\n",
                            style="bold")
                text.append_text(user(snapshot.store_error))
                text.append("\n")
            else:
                text = Text("plan.yaml has errors; showing the last good view:\n", style="bold")
            for problem in snapshot.errors[:10]:
                text.append_text(user(str(problem)))
                text.append("\n")
            problems.update(text)
            problems.add_class("-visible")
            if self.good is None:
                self.query_one(DetailPane).show(None, None)
            return
        problems.remove_class("-visible")
        self.good = snapshot
        assessment = snapshot.assessment
        self.query_one(PlanHeader).show(assessment)
        tree = self.query_one(PlanTree)
        tree.show(assessment, self.filter_text())
        self.title = f"tracker — {user(assessment.plan.title).plain}"  # screenshots show it
        self.show_details()

    def show_details(self) -> None:
        tree = self.query_one(PlanTree)
        node = tree.cursor_node
        assessment = self.current_assessment()
        self.query_one(DetailPane).show(assessment, node.data if node else None)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[NodeRef]) -> None:
        self.show_details()

    # -- reloading and watching --------------------------------------------------------------

    def check_files(self) -> None:
        if self.live is None and changed(self.snapshot):
            self.action_reload()

    def action_reload(self) -> None:
        self.reload_worker()

    @work(thread=True, exclusive=True, group="reload")
    def reload_worker(self) -> None:
        snapshot = take_snapshot(self.snapshot.plan_path, self.today)
        self.call_from_thread(self.show_snapshot, snapshot)

    # -- filtering ---------------------------------------------------------------------------

    def filter_box(self) -> Input | None:
        """The filter box, once ``/`` has opened it (it is mounted on first use)."""
        try:
            return self.query_one("#filter", Input)
        except NoMatches:
            return None

    def filter_text(self) -> str:
        box = self.filter_box()
        return box.value if box is not None else ""

    async def action_filter(self) -> None:
        box = self.filter_box()
        if box is None:
            box = Input(placeholder="filter: words or status:failing — enter to keep, "
                                    "esc to clear", id="filter")
            await self.mount(box, before="#body")
        box.add_class("-visible")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        assessment = self.current_assessment()
        if assessment is not None:
            self.query_one(PlanTree).show(assessment, event.value)
            self.call_after_refresh(self.show_details)  # once the cursor sits in the new tree

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one(PlanTree).focus()

    # -- editing -----------------------------------------------------------------------------

    def action_edit(self) -> None:
        """Open $EDITOR (or $VISUAL, else vi) at the selected node's line of plan.yaml."""
        line = self.selected_line()
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        cmd = [*shlex.split(editor), f"+{line}", str(self.snapshot.plan_path)]
        try:
            with self.suspend():
                subprocess.call(cmd)
        except SuspendNotSupported:  # headless (tests) or no terminal to hand over
            subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        except OSError as exc:
            self.notify(f"cannot start {editor}: {exc.strerror}", severity="error")
            return
        self.action_reload()

    def selected_line(self) -> int:
        node = self.query_one(PlanTree).cursor_node
        assessment = self.current_assessment()
        if node is None or node.data is None or assessment is None:
            return 1
        ref: NodeRef = node.data
        plan = assessment.plan
        if ref.kind == "item":
            item = plan.item(ref.id)
            return item.location.line if item else 1
        phase = next((p for p in plan.phases if p.id == ref.phase_id), None)
        if phase is None:
            return 1
        if ref.kind == "section" and ref.index < len(phase.sections):
            return phase.sections[ref.index].location.line
        return phase.location.line

    # -- screens -----------------------------------------------------------------------------

    def action_metrics(self) -> None:
        from tracker.tui.screens.metrics import MetricsScreen

        assessment = self.current_assessment()
        if assessment is not None:
            self.push_screen(MetricsScreen(assessment))

    def action_reminders(self) -> None:
        from tracker.tui.screens.reminders import RemindersScreen

        assessment = self.current_assessment()
        if assessment is not None:
            self.push_screen(RemindersScreen(assessment))

    def action_history(self) -> None:
        if self._history_loading:  # git may take a while on years of history: once is enough
            self._still_reading_history()
            return
        self._history_loading = True
        self.set_timer(0.5, self._still_reading_history)  # say so only when it takes a while
        self.history_worker()

    def _still_reading_history(self) -> None:
        if self._history_loading:
            self.notify("reading the history from git…")

    def _show_history(self, screen: Any) -> None:
        self._history_loading = False
        while len(self.screen_stack) > 1:  # asked from metrics: back leads to the main view
            self.pop_screen()
        self.push_screen(screen)

    @work(thread=True, exclusive=True, group="history")
    def history_worker(self) -> None:
        """Ask git when each linked test file first appeared (slow on long histories), then
        show the history view shaped from it."""
        from tracker.history.gitcli import first_added
        from tracker.tui.screens.history import HistoryScreen
        from tracker.views.history import first_seen_by_item, history_view, linked_test_files

        snapshot = self.good
        if snapshot is None or snapshot.evidence is None or snapshot.assessment is None:
            self._history_loading = False
            return
        files = linked_test_files(snapshot.assessment)
        added = first_added(snapshot.evidence.workspace.root, sorted(files))
        view = history_view(snapshot.evidence.history, first_seen_by_item(files, added))
        self.call_from_thread(self._show_history, HistoryScreen(view))

    async def action_quit(self) -> None:
        """Quit; a running suite is stopped first (as esc would), so nothing is left running
        and nothing half-done is recorded."""
        if self.live is not None:
            self.cancel.set()
        self.exit()
