"""Gathering every kind of evidence for a plan: the one place that does evidence I/O."""

from __future__ import annotations

import dataclasses
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import StoreError
from tracker.evidence.bundle import ChangeEvidence, Evidence, RunPoint, SignOffEvidence
from tracker.evidence.hashes import is_conftest
from tracker.evidence.layering import INTERRUPTED, MAX_LAYERS, is_partial_run, layer
from tracker.evidence.pytest_args import selection
from tracker.evidence.values import Workspace
from tracker.evidence.workspace import gather_workspace
from tracker.history.gitcli import last_change
from tracker.history.lineage import first_parent
from tracker.paths import default_store_path, not_a_store
from tracker.plan.model import Plan

if TYPE_CHECKING:
    from tracker.evidence.flaky import Flaky
    from tracker.evidence.results import RunRecord
    from tracker.store import RunSummary, Store


#: Runs of one commit read to find the parts of one suite (shards).
MAX_PARTS = 16

#: Times the runs are read when runs are refused meanwhile (tracker.store.RunRefused: a
#: noted run whose parts turn out bad when decoded), so that no figure of a refused run is
#: shown; each pass removes the runs it refused.
_PASSES = 3


def gather(plan: Plan, plan_path: Path, *, runs: bool = True, history: int = 200,
           signoffs: bool = True, updated: bool = True,
           workspace: Workspace | None = None, changes: bool = False) -> Evidence:
    """Collect the evidence ``assess`` needs; links are relative to the plan's folder.

    With ``runs``, the latest recorded run and up to ``history`` earlier ones are read from the
    store, when there is one (a missing store is not created here). Raises StoreError for a
    store that cannot be read. ``signoffs`` (reviews and approvals) and ``updated`` (when
    plan.yaml last changed) ask git; only the Markdown document shows them, so the terminal
    UI, ``status`` and ``remind`` leave them out and start without running git at all.
    ``workspace``: the plan's workspace evidence when the caller has gathered it already.
    ``changes``: with runs, also what each item changed since its tests arrived, the trend
    over commits and the flaky tests (git's history, cached by HEAD, and past runs): the
    document, ``status`` and the terminal UI ask for it; once cached, git is asked for HEAD
    only.
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
        reason = not_a_store(path)  # nothing there: no run yet; something else: say so
        if reason is not None:
            raise StoreError(reason)
        return base
    from tracker.store import Store

    lineage = first_parent(root)
    with Store.open(path, read_only=True) as store:
        for _ in range(_PASSES):  # again when a run was refused while reading: it is gone
            refused = len(store.refused)
            recent = store.runs(limit=history)
            if lineage is not None:  # HEAD's nearest commits' runs, however old their ids
                known = {s.id for s in recent}
                recent += [s for s in store.summaries_of(list(lineage)[:history])
                           if s.id not in known]
            summaries = on_history(recent, lineage)
            chain = _chain(store, [s for s in summaries if not s.pruned])  # whole runs only
            if changes:
                changed, flaky = gather_changes(root, store, workspace)
                base = dataclasses.replace(base, changes=changed, flaky=flaky)
            if len(store.refused) == refused:
                break
        summaries = [s for s in summaries if s.id not in store.refused]
        base = dataclasses.replace(base, store_warnings=tuple(store.refused.values()))
    points = tuple(
        RunPoint(s.id, s.started, s.commit, s.counts, s.coverage_total, s.test_count,
                 (s.finished - s.started).total_seconds())
        for s in reversed(comparable(summaries)))
    if not chain:
        return dataclasses.replace(base, history=points)
    ran = {o.file for run in chain[1:] for o in run.outcomes}
    ran.update(p for run in chain for p in run.file_hashes if is_conftest(p))
    hashes = _current_hashes(root, workspace, ran)
    return dataclasses.replace(base, run=layer(chain, hashes), current_hashes=hashes,
                               history=points)


def gather_changes(root: Path, store: Store, workspace: Workspace
                   ) -> tuple[ChangeEvidence, tuple[Flaky, ...]]:
    """What items changed (git's history, cached by HEAD, and the runs of past commits) and
    the flaky tests of the runs the store keeps whole."""
    from tracker.evidence.deltas import target_files, test_files
    from tracker.history.log_cache import cached_log
    from tracker.history.runs_history import changes_in_store, flaky_in_store

    items = workspace.items
    log = cached_log(root, {f for ev in items.values()
                            for f in (*test_files(ev), *target_files(ev))})
    summaries = store.runs()
    return (changes_in_store(store, summaries, log, items),
            flaky_in_store(store, summaries, items, cache=root))


def on_history(summaries: list[RunSummary],
               lineage: dict[str, int] | None) -> list[RunSummary]:
    """The runs that speak for HEAD, newest evidence first: runs of HEAD's first-parent
    commits, nearer commits first, newer runs first within a commit. Runs of other branches
    (or of commits a shallow clone cannot see) are left out. Outside git (``lineage`` None)
    every run counts, newest first."""
    if lineage is None:
        return summaries
    kept = [s for s in summaries if s.commit is not None and s.commit in lineage]
    return sorted(kept, key=lambda s: (lineage[s.commit or ""], -s.id))


def _chain(store: Store, summaries: list[RunSummary]) -> list[RunRecord]:
    """The runs to lay over each other (tracker.evidence.layering), newest evidence first,
    down to the first whole run. Runs of one commit that are parts of one suite (CI shards,
    each noted by its own job) are combined into one run first."""
    chain: list[RunRecord] = []
    groups = [list(group) for _, group in groupby(summaries, key=lambda s: (s.commit, s.dirty))]
    for index, group in enumerate(groups):
        read = _suite_of(store, group)
        if read is None:
            continue
        records, parts, combined = read
        if len(parts) > 1 and not is_partial_run(combined) and _fewer_files(
                store, combined, groups[index + 1:]):
            parts, combined = records[:1], records[0]
        for record in [combined, *(r for r in records if all(r is not p for p in parts))]:
            chain.append(record)
            if not is_partial_run(record) or len(chain) >= MAX_LAYERS:
                return chain
    return chain


def _fewer_files(store: Store, combined: RunRecord, older: list[list[RunSummary]]) -> bool:
    """Whether the nearest older whole-suite run (one run, or shards combined) ran tests
    that none of the parts of ``combined`` ran (:func:`_left_out`): then they are not the
    whole suite.

    Parts chosen by test paths say nothing of the files they left out: two files run one
    after the other on a commit (or by two teammates) read as shards of the whole suite, and
    every other test "did not run". A whole run of earlier code knows which files the suite
    has; shards that ran them all are the suite, fewer are runs to lay over it. With no whole
    run to compare (the first run of a project), the parts are taken at their word."""
    for group in older[:MAX_LAYERS]:
        read = _suite_of(store, group)
        if read is not None and not is_partial_run(whole := read[2]):
            return _left_out(combined, whole)
    return False


def _suite_of(store: Store, group: list[RunSummary]
              ) -> tuple[list[RunRecord], list[RunRecord], RunRecord] | None:
    """One commit's runs (newest first, up to MAX_PARTS) read whole, the parts of one suite
    among them (tracker.evidence.shards) and those parts as one run; None when none of
    them can be read (refused: gone from the store, which keeps the warning)."""
    from tracker.evidence.shards import combine_runs, suite_parts  # runs' modules: only with runs
    from tracker.store import RunRefused

    records = []
    for summary in group[:MAX_PARTS]:
        try:
            records.append(store.run(summary.id))
        except RunRefused:
            continue
    if not records:
        return None
    parts = suite_parts(records)
    return records, parts, combine_runs(parts) if len(parts) > 1 else records[0]


def _left_out(combined: RunRecord, whole: RunRecord) -> bool:
    """Whether ``whole`` ran a test the parts of ``combined`` neither ran nor deselected:
    one of a test file none of them ran, or of one they ran unchanged (a test of a file
    changed since may be gone)."""
    ran = {o.nodeid for o in combined.outcomes}.union(combined.deselected)
    files = {o.file for o in combined.outcomes}
    for o in whole.outcomes:
        if o.nodeid in ran:
            continue
        if o.file not in files:
            return True
        sha = combined.file_hashes.get(o.file)
        if sha is not None and whole.file_hashes.get(o.file) == sha:
            return True
    return False


def comparable(summaries: list[RunSummary]) -> list[RunSummary]:
    """The runs whose figures make a trend, newest first: like with like.

    Trends follow the selection of the newest whole-suite run (a subset's 15 tests are not a
    drop from 600); a project that always runs the same subset (``-m "not network"`` on every
    run) has no whole run, and its trend follows that selection instead. Runs cut short
    (Ctrl-C) never count.
    """
    whole = next((s for s in summaries if not is_partial_run(s)), None)
    reference = whole if whole is not None else next(
        (s for s in summaries if s.exit_code != INTERRUPTED), None)
    if reference is None:
        return []
    key = selection(reference.args)
    return [s for s in summaries if s.exit_code != INTERRUPTED and selection(s.args) == key]


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
