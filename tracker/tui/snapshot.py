"""One loaded view of the plan for the UI: load → gather → assess, with no Textual here.

The app asks for a snapshot in a worker thread and shows it; a plan.yaml that does not load
gives a snapshot with problems and no assessment, so the app can show the errors and keep
the last good view.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from tracker.assess import Assessment
from tracker.evidence.bundle import Evidence
from tracker.evidence.hashes import linked_files
from tracker.pipeline import judge
from tracker.plan.model import Plan
from tracker.problems import Problem, Severity


@dataclass(frozen=True)
class Snapshot:
    """The plan as assessed at one moment, or why it could not be."""

    plan_path: Path
    assessment: Assessment | None
    evidence: Evidence | None = None
    problems: tuple[Problem, ...] = ()
    watched: tuple[Path, ...] = ()  #: files whose change means "reload"
    stamps: dict[str, int] = field(default_factory=dict)  #: their mtimes when loaded
    store_error: str | None = None  #: why the recorded runs cannot be read (plan.yaml is fine)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def plan(self) -> Plan | None:
        return self.assessment.plan if self.assessment else None


def take_snapshot(plan_path: Path, today: dt.date) -> Snapshot:
    """Load, gather and assess; never raises for bad input (problems are in the snapshot)."""
    judgement = judge(plan_path, today, git=False, display=plan_path.name,  # see gather
                      changes=True)
    if judgement.assessment is None or judgement.evidence is None:
        watched: tuple[Path, ...] = (plan_path,)
        return Snapshot(plan_path, None, problems=tuple(judgement.problems), watched=watched,
                        stamps=stamps(watched), store_error=judgement.store_error)
    watched = watch_list(plan_path, judgement.evidence)
    problems = (*judgement.loaded.problems, *judgement.evidence.workspace.problems,
                *judgement.assessment.unmatched, *judgement.assessment.warnings)
    return Snapshot(plan_path, judgement.assessment, judgement.evidence, problems, watched,
                    stamps(watched))


def watch_list(plan_path: Path, evidence: Evidence) -> tuple[Path, ...]:
    """plan.yaml, every linked test file and every target file."""
    root = evidence.workspace.root
    return (plan_path, *(root / f for f in sorted(linked_files(evidence.workspace))))


def stamps(paths: tuple[Path, ...]) -> dict[str, int]:
    """Modification times (ns) of ``paths``; a missing file has stamp -1."""
    out = {}
    for path in paths:
        try:
            out[os.fspath(path)] = os.stat(path).st_mtime_ns
        except OSError:
            out[os.fspath(path)] = -1
    return out


def changed(snapshot: Snapshot) -> bool:
    """Whether any watched file changed on disk since the snapshot was taken."""
    return stamps(snapshot.watched) != snapshot.stamps
