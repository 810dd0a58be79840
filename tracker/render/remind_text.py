"""``tracker remind``: the report's reminders as lines for a terminal, a git hook or cron.

One line per reminder, most urgent first. Reminders quote the plan (reviewers, item reasons
that name tests), so each line goes through :func:`tracker.text.one_line`: a reviewer named
with terminal escapes prints as plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.render.report import Report
from tracker.render.words import days
from tracker.text import one_line


@dataclass(frozen=True)
class RemindText:
    """The reminder lines; ``quiet`` prints nothing when nothing is due (for hooks)."""

    quiet: bool = False

    def render(self, report: Report) -> str:
        if report.reminders:
            return "".join(one_line(r.text) + "\n" for r in report.reminders)
        if self.quiet:
            return ""
        return f"Nothing overdue or due within {days(report.within_days)}.\n"
