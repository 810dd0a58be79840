"""The plan as the importer assembles it: mutable, loosely typed, before it becomes YAML.

The frozen :mod:`tracker.plan.model` is what a *valid* plan.yaml loads into. A Markdown
document is read piece by piece (an item's phase is known only once its "Week 3-4" heading is
matched), so the importer fills these drafts as it goes and writes YAML from them at the end;
the YAML is then loaded by tracker's own loader, which stays the single judge of validity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

#: A test link or file check as it will be written: a plain string or a one-key mapping.
Link = str | dict[str, Any]


@dataclass
class DraftItem:
    """A checklist line, with its claim and whatever links were read or inferred."""

    text: str
    line: int
    id: str | None = None  #: given by the document (a rendered one); else a slug, later
    claim: str | None = None
    note: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    tests: list[Link] = field(default_factory=list)
    files: list[Link] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    expect: dict[str, int | float] = field(default_factory=dict)  #: min_tests, min_files...
    rendered: bool = False  #: read from a tracker-rendered line: its links are exact


@dataclass
class DraftSection:
    """A heading and the prose under it, verbatim."""

    title: str
    body: str
    line: int
    id: str | None = None
    in_phase: bool = False  #: about a phase: stays with the phase before it, even the last


@dataclass
class DraftPhase:
    """A phase heading with its window, prose, subsections and checklist."""

    id: str | None
    title: str
    line: int
    priority: str | None = None
    weeks: tuple[int, int] | None = None
    start: dt.date | None = None
    due: dt.date | None = None
    body: str = ""
    sections: list[DraftSection] = field(default_factory=list)
    items: list[DraftItem] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  #: written above the phase in YAML


@dataclass
class DraftMetric:
    """A success measure; ``measure`` is None when it is qualitative."""

    title: str
    line: int
    measure: str | None = None
    baseline: str | None = None
    target: str | None = None
    note: str | None = None
    id: str | None = None


@dataclass
class DraftRisk:
    risk: str
    line: int
    impact: str | None = None
    likelihood: str | None = None
    mitigation: str | None = None


@dataclass
class DraftApproval:
    role: str
    line: int
    name: str | None = None


@dataclass
class DraftRelated:
    title: str
    line: int
    path: str | None = None
    url: str | None = None


@dataclass
class DraftPlan:
    """Everything read from the document, in plan.yaml's shape."""

    title: str
    owner: str | None = None
    created: dt.date | None = None
    priority: str | None = None
    review_next: dt.date | None = None
    review_every: str | None = None
    reviewers: list[str] = field(default_factory=list)
    summary: str = ""
    sections: list[DraftSection] = field(default_factory=list)
    phases: list[DraftPhase] = field(default_factory=list)
    appendix: list[DraftSection] = field(default_factory=list)
    metrics: list[DraftMetric] = field(default_factory=list)
    risks: list[DraftRisk] = field(default_factory=list)
    approvals: list[DraftApproval] = field(default_factory=list)
    related: list[DraftRelated] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  #: written at the top of the YAML

    def items(self) -> list[DraftItem]:
        return [item for phase in self.phases for item in phase.items]
