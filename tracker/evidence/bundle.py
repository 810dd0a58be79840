"""All evidence about a plan gathered in one value, the input of :func:`tracker.assess.assess`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracker.evidence.results import FileCoverage, RunRecord
from tracker.evidence.values import Workspace

if TYPE_CHECKING:  # reviews and approvals are read from git only for the document
    from tracker.history.signoff import SignOff


@dataclass(frozen=True)
class RunPoint:
    """One earlier run, reduced to what metric trends need."""

    run_id: int
    started: dt.datetime
    commit: str | None
    counts: dict[str, int]
    coverage_total: float | None
    test_count: int
    seconds: float


@dataclass(frozen=True)
class Evidence:
    """What was gathered; ``assess`` judges it without doing any I/O of its own."""

    workspace: Workspace
    plan_updated: dt.date | None = None  #: last change of plan.yaml (git, else mtime)
    run: RunRecord | None = None  #: the latest recorded run, None when there is none
    current_hashes: dict[str, str] = field(default_factory=dict)  #: sha1 of files runs depend on
    history: tuple[RunPoint, ...] = ()  #: recorded runs, oldest first
    first_coverage: tuple[FileCoverage, ...] = ()  #: per-file coverage of the oldest run kept
    signoffs: tuple[SignOff, ...] = ()  #: reviews and approvals recorded in git
