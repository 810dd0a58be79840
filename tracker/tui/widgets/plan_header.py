"""The top bar: the plan's title and derived status, and the review banner."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from tracker.assess import Assessment
from tracker.reminders import ReminderKind, headline, reminders
from tracker.tui.format import phrases, user


class PlanHeader(Static):
    """Title, headline and, when the review is due soon or overdue, a warning banner."""

    DEFAULT_CSS = """
    PlanHeader { height: auto; padding: 0 1; background: $panel; }
    PlanHeader.-overdue { background: $error 40%; }
    PlanHeader.-due-soon { background: $warning 30%; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: Assessment | None = None

    def on_resize(self) -> None:
        """Laid out again at the new width: lines break between phrases, not inside."""
        if self._shown is not None:
            self.show(self._shown)

    def show(self, a: Assessment) -> None:
        self._shown = a
        width = self.content_region.width or None
        title = [user(a.plan.title, "bold"), Text(a.headline, style="italic"),
                 Text(f"·  {a.done}/{len(a.items)} items done", style="dim")]
        lines = [phrases(title, width)]
        review = a.review
        self.set_class(bool(review and review.overdue), "-overdue")
        self.set_class(bool(review and review.due_soon), "-due-soon")
        if review is not None:
            if review.overdue:
                when = Text(f"⚠ Review OVERDUE by {-review.days_left} days", style="bold")
            elif review.due_soon:
                when = Text(f"⚠ Review due {review.describe()}", style="bold")
            else:
                when = Text(f"Next review {review.describe()}", style="dim")
            detail = Text(f"({review.next.isoformat()}")
            if review.reviewers:
                detail.append("; ")
                detail.append_text(user(", ".join(review.reviewers)))
            detail.append(")")
            lines.append(phrases([when, detail], width, sep=" "))
        urgent = headline([r for r in reminders(a) if r.kind is not ReminderKind.REVIEW])
        if urgent:
            warning = Text("⚠ ", style="bold red")
            warning.append_text(user(urgent))
            lines.append(phrases([warning, Text("(d: all reminders)", style="dim")], width))
        self.update(Text("\n").join(lines))
