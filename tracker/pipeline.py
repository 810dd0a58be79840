"""The one way from a plan file to its judgement: load → gather → assess.

Every command and the terminal UI go through :func:`judge`, so the order of the steps, what
counts as an error and how a store that cannot be read is treated are decided once. Nothing
here prints or exits: the caller shows the problems its own way (lines on stderr, a panel in
the UI).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tracker.assess import Assessment, assess
from tracker.errors import StoreError
from tracker.evidence.bundle import Evidence
from tracker.evidence.gather import gather
from tracker.evidence.values import Workspace
from tracker.gcpause import paused_gc
from tracker.history.gitcli import forget_prefetched, prefetch_last_change
from tracker.plan.load import LoadResult, load_plan
from tracker.plan.model import Plan
from tracker.problems import Location, Problem, Severity, sort_problems


@dataclass(frozen=True)
class Judgement:
    """A plan as judged at one moment, or how far it got and why it stopped.

    ``assessment`` is None when plan.yaml has errors, or when the store cannot be read and
    the caller asked for no fallback (``store_error`` says why).
    """

    plan_path: Path
    loaded: LoadResult
    evidence: Evidence | None = None
    assessment: Assessment | None = None
    store_error: str | None = None  #: why the recorded runs could not be read

    @property
    def plan(self) -> Plan | None:
        return self.loaded.plan if not self.loaded.errors else None

    @property
    def evidence_problems(self) -> list[Problem]:
        """The workspace's problems and the links matching nothing, in file order."""
        if self.evidence is None:
            return []
        unmatched = self.assessment.unmatched if self.assessment else ()
        return sort_problems([*self.evidence.workspace.problems, *unmatched])

    @property
    def problems(self) -> list[Problem]:
        """Everything to tell the user: the plan's own problems first, then the evidence's."""
        return [*self.loaded.problems, *self.evidence_problems]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]


def judge(plan_path: Path, today: dt.date, *, runs: bool = True, git: bool = True,
          store_fallback: bool = False, display: str | None = None,
          changes: bool = False) -> Judgement:
    """Load ``plan_path``, gather its evidence and assess it; never raises for bad input.

    ``runs``: read the recorded runs. ``git``: also what only the document shows (the day
    plan.yaml last changed, reviews and approvals). ``store_fallback``: when the store cannot
    be read, judge on the source alone and say so with a warning (``check`` does this: links
    can still be checked); otherwise stop with ``store_error`` set. ``changes``: with runs,
    also what items changed since their tests arrived, the trend and the flaky tests (see
    :func:`tracker.evidence.gather.gather`).
    """
    if git:  # git answers while the plan is read and the workspace gathered
        prefetch_last_change(plan_path)
    try:
        loaded = load_plan(plan_path, display=display)
        if loaded.errors or loaded.plan is None:
            return Judgement(plan_path, loaded)
        if git:
            from tracker.history.signoff_log import prefetch_signoffs

            prefetch_signoffs(plan_path, loaded.plan.created)
        return judge_loaded(plan_path, loaded, today, runs=runs, git=git,
                            store_fallback=store_fallback, changes=changes)
    finally:
        forget_prefetched()


def judge_loaded(plan_path: Path, loaded: LoadResult, today: dt.date, *, runs: bool = True,
                 git: bool = True, store_fallback: bool = False,
                 workspace: Workspace | None = None, changes: bool = False) -> Judgement:
    """:func:`judge` for a plan already loaded (and maybe its workspace already gathered)."""
    plan = loaded.plan
    assert plan is not None, "judge_loaded needs a plan that loaded"
    store_error = None
    with paused_gc():  # evidence and assessment are big and acyclic
        try:
            evidence = gather(plan, plan_path, runs=runs, signoffs=git, updated=git,
                              workspace=workspace, changes=changes)
        except StoreError as exc:
            if not store_fallback:
                return Judgement(plan_path, loaded, store_error=str(exc))
            store_error = str(exc)
            evidence = gather(plan, plan_path, runs=False, signoffs=git, updated=git,
                              workspace=workspace)
            warning = Problem(Location(str(plan_path), 1), f"{exc}; links are checked "
                              "against the source only", Severity.WARNING)
            loaded = LoadResult(loaded.plan, [*loaded.problems, warning])
        assessment = assess(plan, evidence, today)
    if evidence.store_warnings:  # noted runs refused when read: said once, as warnings
        loaded = LoadResult(loaded.plan, [*loaded.problems, *(
            Problem(Location(str(plan_path), 1), warning, Severity.WARNING)
            for warning in evidence.store_warnings)])
    return Judgement(plan_path, loaded, evidence, assessment, store_error)
