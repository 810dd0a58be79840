"""Judging again only what a few new test results can change (the terminal UI's live runs).

While a suite runs, every finished test changes the run the plan is judged on. Judging all
2,000 items of a big plan again for each one keeps the screen seconds behind the tests; yet
a result can only change the items whose links can select it, their phases and the plan's
totals. :class:`LinkIndex` answers "which items can this result touch" from the plan's links
(built once per run), and :func:`reassess` judges those items again with the same rules as
:func:`~tracker.assess.assess`, reusing every other item's judgement.

The answer must be the one a full judgement gives, or the screen would disagree with
``tracker status`` after the run: the index errs on the side of re-judging (a prefix of a
node id, any file a link names), and :func:`reassess` judges everything again whenever
something besides outcomes differs between the two runs. ``tests/test_reassess.py`` compares
both on random sequences of results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace

from tracker.assess import assess, judge_phase, phase_window
from tracker.assess.items import SourceTests, claim_warnings, judge_item, unmatched_links
from tracker.assess.metric_values import judge_metric
from tracker.assess.run_view import RunView, names_of
from tracker.assess.verdicts import Assessment, ItemAssessment, Status
from tracker.evidence.bundle import Evidence
from tracker.evidence.keyword import KeywordError, Matcher, haystack, parse_keyword
from tracker.evidence.layering import is_partial_run
from tracker.evidence.results import RunRecord, TestOutcome
from tracker.evidence.values import LinkResult, Workspace
from tracker.plan.model import LinkKind, Plan
from tracker.problems import Problem
from tracker.signoffs import judge_signoffs


@dataclass(frozen=True)
class _Slot:
    """Where an item sits: its position in ``Assessment.items`` and its phase's."""

    position: int
    phase: int  #: 0-based index into plan.phases


class LinkIndex:
    """Which items a test result can touch, from the plan's links and the workspace.

    Conservative by design: an item listed may turn out unchanged, but an item whose
    judgement a result can change is always listed.
    """

    def __init__(self, plan: Plan, workspace: Workspace) -> None:
        self.plan = plan
        self.workspace = workspace
        self.sources = SourceTests(workspace.tests)  #: what the source shows, kept
        self.slots: list[_Slot] = []
        self.phase_ranges: list[range] = []  #: positions of each phase's items
        self._by_id: dict[str, int] = {}  #: item id → position (for @pytest.mark.plan)
        self._by_base: dict[str, set[int]] = {}  #: node id without parameters
        self._by_file: dict[str, set[int]] = {}  #: files a glob link matched
        self._by_marker: dict[str, set[int]] = {}
        self._by_fixture: dict[str, set[int]] = {}
        self._by_prefix: dict[str, set[int]] = {}  #: node id prefixes (paths, node links)
        #: by expression: its matcher (None: cannot parse, so any result) and its items
        self._keywords: dict[str, tuple[Matcher | None, set[int]]] = {}
        position = 0
        for phase_index, phase in enumerate(plan.phases):
            self.phase_ranges.append(range(position, position + len(phase.items)))
            for item in phase.items:
                self.slots.append(_Slot(position, phase_index))
                self._by_id.setdefault(item.id, position)
                ev = workspace.items.get(item.id)
                if ev is not None:
                    self._add_links(ev.links, ev.marked, position)
                position += 1
        self._prefix_lengths = sorted({len(prefix) for prefix in self._by_prefix})
        #: the run of the last judgement, indexed (see RunView.advance): kept between them
        self.view: RunView | None = None

    def _add_links(self, links: tuple[LinkResult, ...], marked: tuple[str, ...],
                   position: int) -> None:
        def add(table: dict[str, set[int]], key: str) -> None:
            table.setdefault(key, set()).add(position)

        # a test the source shows is looked up by its id, all of its cases by the id
        # without parameters (RunView.static): its results share that base id
        for nodeid in marked:
            add(self._by_base, nodeid.partition("[")[0])
        for link in links:
            for nodeid in link.tests:
                add(self._by_base, nodeid.partition("[")[0])
            kind, value = link.link.kind, link.link.value
            if kind is LinkKind.GLOB:  # what ran in the files it matched
                for path in link.files:
                    add(self._by_file, path)
            elif kind is LinkKind.MARKER:
                add(self._by_marker, value)
            elif kind is LinkKind.FIXTURE:
                add(self._by_fixture, value)
            elif kind is LinkKind.KEYWORD:
                if value not in self._keywords:
                    try:
                        matcher: Matcher | None = parse_keyword(value)
                    except KeywordError:
                        matcher = None
                    self._keywords[value] = (matcher, set())
                self._keywords[value][1].add(position)
            elif kind in (LinkKind.PATH, LinkKind.NODE):
                # everything these select has a node id that starts with the link's text
                # up to its parameters (see RunView.scope and RunView.static)
                add(self._by_prefix, value.rstrip("/").partition("[")[0])

    def touched(self, outcomes: Iterable[TestOutcome]) -> set[int]:
        """Positions of the items whose judgement these results can change."""
        found: set[int] = set()
        for o in outcomes:
            found.update(self._by_base.get(o.base_id, ()))
            found.update(self._by_file.get(o.file, ()))
            for marker in o.markers:
                found.update(self._by_marker.get(marker, ()))
            for fixture in o.fixtures:
                found.update(self._by_fixture.get(fixture, ()))
            for item_id in o.plan_items:
                if item_id in self._by_id:
                    found.add(self._by_id[item_id])
            nodeid = o.nodeid  # the prefixes it starts with: one lookup per prefix length
            for length in self._prefix_lengths:
                found.update(self._by_prefix.get(nodeid[:length], ()))
            if self._keywords:
                names = haystack(names_of(o))
                for matcher, positions in self._keywords.values():
                    if matcher is None or matcher(names):
                        found.update(positions)
        return found


#: What a run holds besides its outcomes: when any of these differ, everything is judged.
_SAME_BESIDES_OUTCOMES = ("file_hashes", "coverage", "coverage_hashes", "collection_errors",
                          "collection_skips", "deselected", "deselected_markers", "source",
                          "args", "exit_code", "commit", "test_file_lines")


def reassess(previous: Assessment, evidence: Evidence, changed: Collection[str],
             index: LinkIndex) -> tuple[Assessment, frozenset[str]]:
    """``assess(plan, evidence, previous.today)``, judging again only what can differ.

    ``previous`` was judged on evidence that differs from ``evidence`` only in the outcomes
    of the node ids in ``changed`` (new, or different) and in which tests a live run has
    reported (the same node ids): both judged while the same run was going (or both not).
    Returns the assessment and the ids of the items judged again. When the run differs in
    more than outcomes (its files' hashes, its coverage or collection errors) or the
    workspace is another, everything is judged again and every item id returned.
    """
    plan, today = previous.plan, previous.today
    before, run = previous.run, evidence.run
    if (before is None or run is None or index.plan is not plan
            or index.workspace is not evidence.workspace
            or _differs(before, run)):
        full = assess(plan, evidence, today)
        return full, frozenset(ia.item.id for ia in full.items)
    wanted = set(changed)
    olds = [o for o in before.outcomes if o.nodeid in wanted]
    news = [o for o in run.outcomes if o.nodeid in wanted]
    positions = index.touched([*olds, *news])
    view = index.view  # the last judgement's, brought up to date when it can be
    if view is None or view.run is not before or not view.advance(
            run, news, evidence.current_hashes, evidence.workspace.tests):
        view = RunView(run, evidence.current_hashes, evidence.workspace.tests)
    index.view = view
    items = list(previous.items)
    phases_touched: set[int] = set()
    windows: dict[int, tuple[dt.date | None, dt.date | None]] = {}
    flaky = {f.nodeid: f for f in evidence.flaky}
    for position in sorted(positions):
        slot = index.slots[position]
        phase = plan.phases[slot.phase]
        if slot.phase not in windows:
            windows[slot.phase] = phase_window(plan, phase)
        old = items[position]
        items[position] = new = judge_item(phase, old.item, evidence, view, today,
                                           windows[slot.phase][1], index.sources, flaky)
        if (old.done, old.status is Status.SKIPPED) != (new.done, new.status is Status.SKIPPED):
            phases_touched.add(slot.phase)  # what a phase's judgement counts has changed
    phases = list(previous.phases)
    for phase_index in phases_touched:
        phase = plan.phases[phase_index]
        own = items[index.phase_ranges[phase_index].start:index.phase_ranges[phase_index].stop]
        phases[phase_index] = judge_phase(plan, phase, phase_index + 1, own, today)
    judged = tuple(items)
    assessment = replace(
        previous, items=judged, phases=tuple(phases),
        metrics=tuple(judge_metric(m, run, evidence.history, evidence.workspace)
                      for m in plan.metrics),
        updated=evidence.plan_updated,
        warnings=_kept(claim_warnings, previous.warnings, previous.items, judged, positions),
        run=run, run_partial=is_partial_run(run),
        signoffs=judge_signoffs(plan.approvals, evidence.signoffs),
        unmatched=_kept(unmatched_links, previous.unmatched, previous.items, judged,
                        positions))
    return assessment, frozenset(items[p].item.id for p in positions)


def _differs(before: RunRecord, run: RunRecord) -> bool:
    return any(getattr(before, name) != getattr(run, name) for name in _SAME_BESIDES_OUTCOMES)


def _all(each: Callable[[ItemAssessment], list[Problem]],
         items: tuple[ItemAssessment, ...]) -> tuple[Problem, ...]:
    return tuple(problem for ia in items for problem in each(ia))


def _kept(each: Callable[[ItemAssessment], list[Problem]], known: tuple[Problem, ...],
          before: tuple[ItemAssessment, ...], after: tuple[ItemAssessment, ...],
          positions: Collection[int]) -> tuple[Problem, ...]:
    """The problems ``each`` finds in the items ``after``, known to be ``known`` in the items
    ``before``: those only when the items judged again (at ``positions``) give the same."""
    if all(each(before[p]) == each(after[p]) for p in positions):
        return known
    return _all(each, after)
