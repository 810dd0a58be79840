"""What is overdue or due soon: the same reminders ``tracker remind`` prints."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tracker.assess import Assessment
from tracker.reminders import reminders
from tracker.tui.format import user
from tracker.tui.widgets.key_footer import KeyFooter


class RemindersScreen(Screen[None]):
    """A table of reminders, most urgent first."""

    BINDINGS = [Binding("escape,d", "app.pop_screen", "Back", id="reminders.back")]
    DEFAULT_CSS = """
    RemindersScreen #reminders-heading { padding: 0 1; }
    """

    def __init__(self, assessment: Assessment) -> None:
        super().__init__()
        self.assessment = assessment

    def compose(self) -> ComposeResult:
        yield Static(Text("Due and overdue", style="bold"), id="reminders-heading")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="reminders-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "What")
        found = reminders(self.assessment)
        for reminder in found:
            when = Text(reminder.due.isoformat(),
                        style="bold red" if reminder.overdue else "yellow")
            table.add_row(when, user(reminder.text))
        if not found:
            table.add_row("—", Text("Nothing is overdue or due within a week.", style="dim"))
