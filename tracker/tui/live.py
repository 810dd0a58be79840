"""Results streamed from a running suite, folded into a provisional assessment.

While tests run, the app re-assesses the plan with the outcomes received so far laid over
the latest recorded run, so items change status as their tests finish — and the judgement
still happens only in :mod:`tracker.assess`. :class:`LiveJudge` judges the whole plan once
when a run starts, then only the items the new results can change
(:func:`tracker.assess.incremental.reassess`): a finished test shows in a big plan at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tracker.assess import Assessment, assess
from tracker.assess.incremental import LinkIndex, reassess
from tracker.evidence.bundle import Evidence, LiveProgress
from tracker.evidence.reportlog import ReportError, collection_error_from_event, outcome_from_event
from tracker.evidence.results import CollectionError, RunRecord, TestOutcome
from tracker.gcpause import paused_gc
from tracker.plan.model import Plan


@dataclass
class LiveRun:
    """What a running suite has reported so far."""

    started: dt.datetime
    scope: tuple[str, ...] = ()  #: the test paths and node ids asked for; () for all
    collected: int | None = None
    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    errors: list[CollectionError] = field(default_factory=list)
    finished: bool = False
    #: node ids reported since the last judgement (see take_fresh)
    fresh: set[str] = field(default_factory=set)

    def feed(self, event: dict[str, Any]) -> bool:
        """Take one report event; True when it changes what the plan looks like."""
        kind = event.get("event")
        try:
            if kind == "collected":
                self.collected = int(event.get("count") or 0)
            elif kind == "test":
                outcome = outcome_from_event(event)
                self.outcomes[outcome.nodeid] = outcome
                self.fresh.add(outcome.nodeid)
                return True
            elif kind == "collect_error":
                self.errors.append(collection_error_from_event(event))
                return True
            elif kind == "finish":
                self.finished = True
        except ReportError:
            return False
        return False

    def take_fresh(self) -> set[str]:
        """The node ids reported since the last call, forgotten as they are handed out."""
        fresh, self.fresh = self.fresh, set()
        return fresh

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes.values():
            out[o.outcome] = out.get(o.outcome, 0) + 1
        return out


def provisional(plan: Plan, evidence: Evidence, live: LiveRun, today: dt.date) -> Assessment:
    """The plan judged on the latest run with the live outcomes laid over it."""
    return assess(plan, provisional_evidence(evidence, live), today)


def provisional_evidence(evidence: Evidence, live: LiveRun) -> Evidence:
    """``evidence`` with the live outcomes laid over its latest run."""
    base = evidence.run
    merged: dict[str, TestOutcome] = {o.nodeid: o for o in base.outcomes} if base else {}
    merged.update(live.outcomes)
    run = RunRecord(
        started=live.started, finished=dt.datetime.now(dt.UTC),
        commit=base.commit if base else None,
        outcomes=tuple(merged.values()),
        coverage=base.coverage if base else (),
        coverage_hashes=_coverage_hashes(base),  # the coverage still describes that code
        collection_errors=tuple(live.errors),
        file_hashes=dict(evidence.current_hashes),  # what runs now is the current code
    )
    progress = None if live.finished else LiveProgress(live.scope, frozenset(live.outcomes))
    return dataclasses.replace(evidence, run=run, live=progress)


class LiveJudge:
    """Judges one live run's results as they come in: the whole plan the first time and
    when the run ends or cannot collect a file, otherwise only what the new results change.
    """

    def __init__(self, plan: Plan, evidence: Evidence, today: dt.date) -> None:
        self.plan, self.evidence, self.today = plan, evidence, today
        self.index = LinkIndex(plan, evidence.workspace)
        self.last: Assessment | None = None
        self._errors = 0  #: collection errors seen by the last judgement

    def judge(self, live: LiveRun) -> tuple[Assessment, frozenset[str] | None]:
        """The provisional assessment and the ids of the items judged again (None: all)."""
        fresh = live.take_fresh()
        with paused_gc():  # as on the command line: many acyclic objects, no cycles to find
            evidence = provisional_evidence(self.evidence, live)
            if self.last is None or live.finished or len(live.errors) != self._errors:
                self.last, judged = assess(self.plan, evidence, self.today), None
            else:
                self.last, judged = reassess(self.last, evidence, fresh, self.index)
        self._errors = len(live.errors)
        return self.last, judged


def _coverage_hashes(base: RunRecord | None) -> dict[str, str] | None:
    """The hashes of the files ``base``'s coverage measured, as that coverage was taken."""
    if base is None:
        return None
    if base.coverage_hashes is not None:
        return base.coverage_hashes
    return {f.path: base.file_hashes[f.path] for f in base.coverage if f.path in base.file_hashes}
