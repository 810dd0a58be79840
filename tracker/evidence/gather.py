"""Gathering every kind of evidence for a plan: the one place that does evidence I/O."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tracker.evidence.bundle import Evidence, RunPoint, SignOffEvidence
from tracker.evidence.hashes import is_conftest
from tracker.evidence.layering import MAX_LAYERS, is_partial_run, layer
from tracker.evidence.values import Workspace
from tracker.evidence.workspace import gather_workspace
from tracker.history.gitcli import last_change
from tracker.paths import default_store_path
from tracker.plan.model import Plan


def gather(plan: Plan, plan_path: Path, *, runs: bool = True, history: int = 200,
           signoffs: bool = True, updated: bool = True,
           workspace: Workspace | None = None) -> Evidence:
    """Collect the evidence ``assess`` needs; links are relative to the plan's folder.

    With ``runs``, the latest recorded run and up to ``history`` earlier ones are read from the
    store, when there is one (a missing store is not created here). Raises StoreError for a
    store that cannot be read. ``signoffs`` (reviews and approvals) and ``updated`` (when
    plan.yaml last changed) ask git; only the Markdown document shows them, so the terminal
    UI, ``status`` and ``remind`` leave them out and start without running git at all.
    ``workspace``: the plan's workspace evidence when the caller has gathered it already.
    """
    root = plan_path.resolve().parent
    if workspace is None:
        workspace = gather_workspace(plan, root)
    updated_on = last_change(plan_path) if updated else None
    signed = gather_signoffs(plan, plan_path) if signoffs else None
    base = Evidence(workspace=workspace, plan_updated=updated_on, signoffs=signed)
    if not runs:
        return base
    path = default_store_path(root)
    if not path.is_file():
        return base
    from tracker.store import Store

    with Store.open(path) as store:
        latest = store.latest_run()
        summaries = store.runs(limit=history)
        chain = [latest] if latest else []
        if latest is not None and is_partial_run(latest):  # a subset: earlier runs fill in
            for summary in summaries[1:MAX_LAYERS]:
                chain.append(store.run(summary.id))
                if not is_partial_run(chain[-1]):
                    break
        first = (store.coverage(summaries[-1].id)
                 if len(summaries) > 1 and summaries[-1].coverage_total is not None else ())
    points = tuple(  # trends follow whole-suite runs: a subset's 15 tests are not a drop
        RunPoint(s.id, s.started, s.commit, s.counts, s.coverage_total, s.test_count,
                 (s.finished - s.started).total_seconds())
        for s in reversed(summaries) if not is_partial_run(s))
    if not chain:
        return dataclasses.replace(base, history=points)
    ran = {o.file for run in chain[1:] for o in run.outcomes}
    ran.update(p for run in chain for p in run.file_hashes if is_conftest(p))
    hashes = _current_hashes(root, workspace, ran)
    return dataclasses.replace(base, run=layer(chain, hashes), current_hashes=hashes,
                               history=points, first_coverage=first)


def gather_signoffs(plan: Plan, plan_path: Path, *,
                    local_trust: bool = False) -> SignOffEvidence | None:
    """The commits recording reviews and approvals of the plan, as git shows them (assess
    judges which count); None outside a repository or when git fails. ``local_trust``: also
    what this machine's own git trust settings say of their signatures (terminal only)."""
    from tracker.history.gitcli import GitError
    from tracker.history.signoff_log import read_signoffs

    try:
        return read_signoffs(plan_path, since=plan.created, local_trust=local_trust)
    except GitError:
        return None


def _current_hashes(root: Path, workspace: Workspace, also: set[str]) -> dict[str, str]:
    """Hashes now of the files whose change would make run evidence stale."""
    from tracker.evidence.hashes import file_hashes, linked_files  # only when runs exist

    return file_hashes(root, linked_files(workspace) | also)
