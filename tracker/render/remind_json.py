"""``tracker remind --json``: the report's reminders as stable JSON for scripts.

``FORMAT_VERSION`` changes when a field changes meaning or disappears. Strings keep their
exact value with every control character escaped, so printing it cannot style a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.render.report import Report
from tracker.render.words import terminal_safe_json

#: 1: first version (today, within_days, overdue, reminders with kind, id, due, days_left,
#: overdue, text).
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RemindJson:
    """``{"format", "today", "within_days", "overdue", "reminders": [...]}``."""

    def render(self, report: Report) -> str:
        return terminal_safe_json(remind_data(report))


def remind_data(report: Report) -> dict[str, Any]:
    """The JSON form as data."""
    return {
        "format": FORMAT_VERSION, "today": report.assessment.today.isoformat(),
        "within_days": report.within_days, "overdue": report.overdue,
        "reminders": [{"kind": r.kind.value, "id": r.subject, "due": r.due.isoformat(),
                       "days_left": r.days_left, "overdue": r.overdue, "text": r.text}
                      for r in report.reminders],
    }
