"""All evidence about a plan gathered in one value, the input of :func:`tracker.assess.assess`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.evidence.workspace import Workspace


@dataclass(frozen=True)
class Evidence:
    """What was gathered; ``assess`` judges it without doing any I/O of its own."""

    workspace: Workspace
    plan_updated: dt.date | None = None  #: last change of plan.yaml (git, else mtime)
