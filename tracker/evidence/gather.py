"""Gathering every kind of evidence for a plan: the one place that does evidence I/O."""

from __future__ import annotations

from pathlib import Path

from tracker.evidence.bundle import Evidence
from tracker.evidence.workspace import gather_workspace
from tracker.history.gitcli import last_change
from tracker.plan.model import Plan


def gather(plan: Plan, plan_path: Path) -> Evidence:
    """Collect the evidence ``assess`` needs; links are relative to the plan's folder."""
    root = plan_path.resolve().parent
    return Evidence(workspace=gather_workspace(plan, root), plan_updated=last_change(plan_path))
