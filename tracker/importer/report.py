"""The import report printed on stderr: what was read, what was inferred, what needs a look.

Every guess the importer makes (a link from a file name, a measure from a metric's title, a
claim from a ticked box, a checklist moved into its phase) is listed here, so a person can
check the new plan.yaml against it instead of re-reading the whole document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.text import clean

_SHOWN_IDS = 40


@dataclass
class Report:
    """Collected while importing, printed when done."""

    name: str
    counts: str = ""
    linked: list[str] = field(default_factory=list)  #: ids of items with tests or files
    needs_links: list[str] = field(default_factory=list)  #: ids of the others
    details: list[tuple[str, str]] = field(default_factory=list)  #: item id, what and why
    claims: str = ""  #: "3 done, 1 skipped": claims read from ticked boxes and notes
    measured: list[tuple[str, str]] = field(default_factory=list)  #: metric id, measure
    qualitative: list[str] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    def note(self, line: int, message: str) -> None:
        self.notes.append((line, message))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append((line, message))

    def lines(self) -> list[str]:
        """The report, one finding per line."""
        out = [f"imported {self.name}: {self.counts}"] if self.counts else []
        total = len(self.linked) + len(self.needs_links)
        if total:
            shown = ", ".join(self.needs_links[:_SHOWN_IDS])
            more = (f", and {len(self.needs_links) - _SHOWN_IDS} more"
                    if len(self.needs_links) > _SHOWN_IDS else "")
            verb = "needs" if len(self.needs_links) == 1 else "need"
            needs = (f", {_count(len(self.needs_links), 'item')} {verb} links: {shown}{more}"
                     if self.needs_links else ", no item needs links")
            out.append(f"linked {_count(len(self.linked), 'item')}{needs}")
        for item_id, what in self.details:
            out.append(f"  {item_id}: {what}")
        if self.claims:
            out.append(f"claims read from ticked boxes and notes: {self.claims} (shown beside "
                       "the evidence, never instead of it)")
        if self.measured or self.qualitative:
            parts = [f"{m} → {how}" for m, how in self.measured]
            text = f"measured {_count(len(self.measured), 'metric')}"
            text += f" ({', '.join(parts)})" if parts else ""
            if self.qualitative:
                text += (f"; {_count(len(self.qualitative), 'metric')} qualitative "
                         f"({', '.join(self.qualitative)})")
            out.append(text)
        for line, message in sorted(self.notes, key=lambda n: n[0]):
            out.append(f"{self.name}:{line}: note: {message}")
        for line, message in sorted(self.warnings, key=lambda n: n[0]):
            out.append(f"{self.name}:{line}: warning: {message}")
        return [_printable(line) for line in out]


def _printable(line: str) -> str:
    """A report line quotes the document (titles, names, paths): no terminal escapes and
    no line breaks may come through, whatever a message forgot to quote."""
    return clean(line).replace("\n", " ").replace("\t", " ")


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
