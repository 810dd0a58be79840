"""``tracker remind --json``: the report's reminders as stable JSON for scripts.

``FORMAT_VERSION`` changes when a field changes meaning or disappears. Strings are cleaned
like the terminal lines (:func:`tracker.text.clean`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tracker.render.report import Report
from tracker.render.words import clean_data

#: 1: first version (today, within_days, overdue, reminders with kind, id, due, days_left,
#: overdue, text).
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RemindJson:
    """``{"format", "today", "within_days", "overdue", "reminders": [...]}``."""

    def render(self, report: Report) -> str:
        return json.dumps(clean_data(remind_data(report)), indent=2, ensure_ascii=False) + "\n"


def remind_data(report: Report) -> dict[str, Any]:
    """The JSON form as data (not yet cleaned)."""
    return {
        "format": FORMAT_VERSION, "today": report.assessment.today.isoformat(),
        "within_days": report.within_days, "overdue": report.overdue,
        "reminders": [{"kind": r.kind.value, "id": r.subject, "due": r.due.isoformat(),
                       "days_left": r.days_left, "overdue": r.overdue, "text": r.text}
                      for r in report.reminders],
    }
