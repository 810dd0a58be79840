"""What is due or overdue, most urgent first: an Assessment turned into reminders. Pure.

``tracker remind``, the git hooks, the TUI's banner and its reminders view all show these, so
they cannot disagree with each other or with the document's review line: every date here was
already derived by :func:`tracker.assess.assess` (which is the only place that judges), and
this module only chooses what deserves a reminder and words it (days left, what is open and
what is due soon are the assessment's). No I/O and no clock: the day is the assessment's
``today``. The words quote the plan as written: each format cleans them for its medium.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tracker.assess import DUE_SOON_DAYS, Assessment, ItemAssessment, PhaseAssessment


class ReminderKind(StrEnum):
    """What a reminder is about; also its rank when two are equally urgent."""

    REVIEW = "review"
    PHASE = "phase"
    ITEM = "item"


_RANK = {ReminderKind.REVIEW: 0, ReminderKind.PHASE: 1, ReminderKind.ITEM: 2}


@dataclass(frozen=True)
class Reminder:
    """One thing that is due soon or overdue, in words and as data."""

    kind: ReminderKind
    subject: str | None  #: the phase or item id; None for the review
    due: dt.date
    days_left: int  #: negative when overdue
    text: str  #: the line shown to people, such as "Review overdue by 12 days (...)"

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def reminders(a: Assessment, within: int = DUE_SOON_DAYS) -> list[Reminder]:
    """Everything overdue, or due within ``within`` days of ``a.today``, most urgent first.

    Most urgent means most days overdue first, then the nearest due date; on the same day the
    review comes before phases and phases before items, each in plan order. An item gets its
    own reminder only when it has its own ``due`` date: items that simply inherit their
    phase's date are counted in the phase's reminder instead of repeating it line by line.
    """
    found: list[tuple[int, int, int, Reminder]] = []
    review = a.review
    if review is not None and review.days_left <= within:
        found.append((review.days_left, _RANK[ReminderKind.REVIEW], 0, Reminder(
            ReminderKind.REVIEW, None, review.next, review.days_left,
            _review_text(review.days_left, review.next, review.reviewers))))
    for order, phase in enumerate(a.phases):
        if phase.due is None or phase.days_left is None or phase.complete:
            continue
        if phase.days_left <= within:
            found.append((phase.days_left, _RANK[ReminderKind.PHASE], order, Reminder(
                ReminderKind.PHASE, phase.phase.id, phase.due, phase.days_left,
                _phase_text(phase))))
    due_of_phase = {p.phase.id: p.due for p in a.phases}
    for order, item in enumerate(a.items):
        if item.item.due is None or item.due is None or item.item.due == due_of_phase.get(
                item.phase_id) or item.days_left is None:
            continue
        if item.open and item.days_left <= within:
            found.append((item.days_left, _RANK[ReminderKind.ITEM], order, Reminder(
                ReminderKind.ITEM, item.item.id, item.due, item.days_left,
                _item_text(item, item.days_left))))
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found]


def headline(found: list[Reminder]) -> str | None:
    """One line for a banner: the most urgent reminder, and how many more there are."""
    if not found:
        return None
    more = len(found) - 1
    overdue = sum(1 for r in found[1:] if r.overdue)
    if not more:
        return found[0].text
    extra = f"{more} more" + (f", {overdue} overdue" if overdue else "")
    return f"{found[0].text} (+{extra})"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _when(days_left: int, word: str) -> str:
    """ "overdue by 3 days", "due today", "due in 2 days"."""
    if days_left < 0:
        return f"{word} by {_days(-days_left)}"
    if days_left == 0:
        return "due today"
    return f"due in {_days(days_left)}"


def _review_text(days_left: int, due: dt.date, reviewers: tuple[str, ...]) -> str:
    facts = [f"was due {due.isoformat()}" if days_left < 0 else due.isoformat()]
    if reviewers:
        facts.append("reviewers: " + ", ".join(reviewers))
    return f"Review {_when(days_left, 'overdue')} ({'; '.join(facts)})"


def _phase_text(p: PhaseAssessment) -> str:
    progress = f"{p.open} of {p.total} items not done" if p.total else "no items yet"
    assert p.due is not None and p.days_left is not None  # only phases with a due date
    when = f"was due {p.due.isoformat()}" if p.days_left < 0 else p.due.isoformat()
    return f"Phase {p.phase.id} {_when(p.days_left, 'late')}: {progress} ({when})"


def _item_text(ia: ItemAssessment, days_left: int) -> str:
    assert ia.due is not None  # only items with a due date
    when = f"was due {ia.due.isoformat()}" if days_left < 0 else ia.due.isoformat()
    return (f"Item {ia.item.id} {_when(days_left, 'late')} "
            f"({when}; {ia.status.value}: {ia.reason})")
