"""The days a plan may name, and the spans later commands add to them.

Commands do arithmetic on a plan's dates: a phase's window is ``created`` plus its weeks, the
review command schedules ``today`` plus ``every``, the calendar export ends an event the day
after it, sign-offs are read from the day before ``created``. Python's dates end at year 1 and
year 9999, and a sum past either end is an OverflowError in the middle of a render. So the
loader refuses, at its line, a date that is not a century inside the calendar, and a window
or review interval longer than ten years: then every such sum stays a long way inside it,
and nothing a testing plan means is refused.
"""

from __future__ import annotations

import datetime as dt

#: The first and last day a plan may name (a century from the calendar's ends).
EARLIEST = dt.date(100, 1, 1)
LATEST = dt.date(9899, 12, 31)

#: The longest review interval, in days, and the last week a phase may run to: ten years.
MAX_INTERVAL_DAYS = 3650
MAX_WEEK = 520


def out_of_range(day: dt.date) -> str | None:
    """Why ``day`` is too far from today's calendar to count with, or None when it is not."""
    if EARLIEST <= day <= LATEST:
        return None
    return (f"{day.isoformat()} is outside the days tracker counts with ({EARLIEST.isoformat()}"
            f" to {LATEST.isoformat()}): check the year")
