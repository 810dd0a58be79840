"""The plan's review and phase due dates as an iCalendar file (RFC 5545), for any calendar.

Written by hand rather than with a library: the format is small, and ``tracker remind`` runs
from git hooks and cron, where start-up time matters. Deterministic like the Markdown
document: the same assessment gives the same bytes.

Re-importing a newer export must update events rather than add duplicates, so each event's
UID is derived from what stays the same over the plan's life (its title and ``created`` date,
and the phase id), never from dates that move. ``SEQUENCE`` grows with the export day and
``DTSTAMP`` is that day, so calendars take a later export as the newer version of an event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from tracker.assess import DUE_SOON_DAYS, Assessment, PhaseAssessment
from tracker.render.report import Report, build_report
from tracker.text import clean

PRODID = "-//tracker//testing plan reminders//EN"
#: SEQUENCE counts days from here, so that later exports carry a higher sequence.
_EPOCH = dt.date(2000, 1, 1)
_LINE_OCTETS = 75


def calendar_key(a: Assessment) -> str:
    """What makes this plan's UIDs unique across plans and stable across exports and clones."""
    seed = f"{a.plan.title}\n{a.plan.created.isoformat() if a.plan.created else ''}"
    return hashlib.sha1(seed.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


@dataclass(frozen=True)
class Calendar:
    """A VCALENDAR with one all-day VEVENT for the next review and for each phase's due day.

    Each open event carries two display alarms: ``alarm_days`` before and one day before.
    A complete phase keeps its event (a calendar of the plan) without alarms.
    """

    alarm_days: int = DUE_SOON_DAYS

    def render(self, report: Report) -> str:
        return _calendar(report.assessment, self.alarm_days)


def render_ics(a: Assessment, *, alarm_days: int = DUE_SOON_DAYS) -> str:
    """The calendar of ``a`` (:class:`Calendar` on its report)."""
    return Calendar(alarm_days).render(build_report(a))


def _calendar(a: Assessment, alarm_days: int) -> str:
    key = calendar_key(a)
    stamp = a.today.strftime("%Y%m%dT000000Z")
    sequence = str(max((a.today - _EPOCH).days, 0))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_text(a.plan.title)}"]
    if a.review is not None:
        facts = []
        if a.review.reviewers:
            facts.append("Reviewers: " + ", ".join(a.review.reviewers))
        if a.review.every_days:
            facts.append(f"Every {a.review.every_days} days.")
        facts.append("Record it with: tracker review --by NAME")
        lines += _event(uid=f"review-{key}@tracker", day=a.review.next, stamp=stamp,
                        sequence=sequence, summary=f"Review: {a.plan.title}",
                        description="\n".join(facts), alarm_days=alarm_days)
    for p in a.phases:
        if p.due is None:
            continue
        lines += _event(uid=f"phase-{_uid_part(p.phase.id)}-{key}@tracker", day=p.due,
                        stamp=stamp, sequence=sequence, summary=_phase_summary(a, p),
                        description=_phase_description(p),
                        alarm_days=None if p.complete else alarm_days)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _phase_summary(a: Assessment, p: PhaseAssessment) -> str:
    state = " (complete)" if p.complete else ""
    return f"Phase {p.phase.id} due: {p.phase.title}{state} - {a.plan.title}"


def _phase_description(p: PhaseAssessment) -> str:
    if not p.total:
        return "No items yet."
    return f"{p.done} of {p.total} items done; {p.open} not done."


def _event(*, uid: str, day: dt.date, stamp: str, sequence: str, summary: str,
           description: str, alarm_days: int | None) -> list[str]:
    out = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"SEQUENCE:{sequence}",
           f"DTSTART;VALUE=DATE:{day.strftime('%Y%m%d')}",
           f"DTEND;VALUE=DATE:{(day + dt.timedelta(days=1)).strftime('%Y%m%d')}",
           f"SUMMARY:{_text(summary)}", f"DESCRIPTION:{_text(description)}",
           "TRANSP:TRANSPARENT"]
    if alarm_days is not None:
        for before in sorted({alarm_days, 1}, reverse=True):
            if before <= 0:
                continue
            out += ["BEGIN:VALARM", "ACTION:DISPLAY", f"TRIGGER:-P{before}D",
                    f"DESCRIPTION:{_text(summary)}", "END:VALARM"]
    out.append("END:VEVENT")
    return out


def _uid_part(text: str) -> str:
    """A phase id as it may stand in a UID (ids are slugs already; be safe anyway)."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)


def _text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11)."""
    value = clean(value)  # no terminal escapes or control characters reach a calendar
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1)."""
    if len(line.encode("utf-8")) <= _LINE_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, _LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, _LINE_OCTETS - 1  # continuation lines start with " "
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)
