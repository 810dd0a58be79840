"""The top bar: the plan's title and derived status, and the review banner."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tracker.assess import Assessment
from tracker.reminders import ReminderKind, headline, reminders
from tracker.tui.format import user


class PlanHeader(Static):
    """Title, headline and, when the review is due soon or overdue, a warning banner."""

    DEFAULT_CSS = """
    PlanHeader { height: auto; padding: 0 1; background: $panel; }
    PlanHeader.-overdue { background: $error 40%; }
    PlanHeader.-due-soon { background: $warning 30%; }
    """

    def show(self, a: Assessment) -> None:
        line = user(a.plan.title, "bold")
        line.append("  ")
        line.append(a.headline, style="italic")
        line.append(f"  ·  {a.done}/{len(a.items)} items done", style="dim")
        review = a.review
        self.set_class(bool(review and review.overdue), "-overdue")
        self.set_class(bool(review and review.due_soon), "-due-soon")
        if review is not None:
            banner = Text("\n")
            if review.overdue:
                banner.append(f"⚠ Review OVERDUE by {-review.days_left} days", style="bold")
            elif review.due_soon:
                banner.append(f"⚠ Review due {review.describe()}", style="bold")
            else:
                banner.append(f"Next review {review.describe()}", style="dim")
            banner.append(f" ({review.next.isoformat()}")
            if review.reviewers:
                banner.append("; ")
                banner.append(user(", ".join(review.reviewers)))
            banner.append(")")
            line.append_text(banner)
        urgent = headline([r for r in reminders(a) if r.kind is not ReminderKind.REVIEW])
        if urgent:
            line.append("\n")
            line.append("⚠ ", style="bold red")
            line.append(user(urgent))
            line.append("  (d: all reminders)", style="dim")
        self.update(line)
