"""The report model every output renders, computed once, and the ``Reporter`` protocol.

Like coverage.py's ``report_core`` and diff_cover's report generator: the data is computed
here once (the assessment, and the reminders chosen from it), each format module only renders
it, and :func:`write_report` owns replacing the output file. A command builds one
:class:`Report` and hands it to the format the user asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tracker.assess import DUE_SOON_DAYS, Assessment
from tracker.reminders import Reminder, reminders
from tracker.text import one_line


@dataclass(frozen=True)
class Report:
    """What the outputs show: one assessment and what is due, decided before any format."""

    assessment: Assessment
    reminders: tuple[Reminder, ...]  #: overdue or due within ``within_days``, most urgent first
    within_days: int  #: how far ahead "due soon" looked

    @property
    def overdue(self) -> int:
        """How many reminders are overdue (``remind`` exits 1 when any is)."""
        return sum(1 for r in self.reminders if r.overdue)


def build_report(a: Assessment, *, within_days: int = DUE_SOON_DAYS) -> Report:
    """The report of ``a``: the reminders are chosen here, once, for every format."""
    return Report(a, tuple(reminders(a, within_days)), within_days)


class Reporter(Protocol):
    """One output format: renders a report as text, deterministically, and does nothing else
    (no I/O, no judgement)."""

    def render(self, report: Report) -> str:
        """The whole output as one string."""
        ...


def write_report(reporter: Reporter, report: Report, path: Path) -> None:
    """Render ``report`` and replace the file at ``path`` with it in one step (OSError when
    it cannot be written)."""
    from tracker.fsutil import write_atomic

    write_atomic(path, reporter.render(report))


def unmet(a: Assessment, ids: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """For ``status --require``: the ids not done (phases: not complete), as lines for the
    terminal, and the ids that name nothing."""
    phases = {p.phase.id: p for p in a.phases}
    items = {i.item.id: i for i in a.items}
    not_done, unknown = [], []
    for ident in ids:
        if ident in phases:
            if not phases[ident].complete:
                not_done.append(f"phase {one_line(ident)}: {phases[ident].done} of "
                                f"{phases[ident].total} done")
        elif ident in items:
            if not items[ident].done:
                not_done.append(f"{one_line(ident)}: {items[ident].status.value}: "
                                f"{one_line(items[ident].reason)}")
        else:
            unknown.append(ident)
    return not_done, unknown
