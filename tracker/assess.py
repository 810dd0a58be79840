"""The judgement: plan + evidence + today → status of everything. Pure, no I/O.

Every status the tool shows anywhere (Markdown, TUI, JSON, reminders) is decided here and
only here, so displays cannot disagree and tests can pin any situation with an explicit
``today``. Status is earned by evidence; a claim typed into plan.yaml is shown beside the
evidence and never turns an item done on its own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from itertools import compress
from operator import attrgetter

from tracker import metrics as measures
from tracker.evidence.bundle import Evidence, LiveProgress, RunPoint
from tracker.evidence.hashes import conftest_candidates
from tracker.evidence.keyword import haystack, parse_keyword
from tracker.evidence.layering import is_partial_run
from tracker.evidence.results import (
    FAILING,
    CollectionError,
    FileCoverage,
    RunRecord,
    TestOutcome,
)
from tracker.evidence.values import CheckResult, ItemEvidence, LinkResult, StaticTest
from tracker.plan.measures import parse_measure
from tracker.plan.model import Claim, Item, LinkKind, Metric, Phase, Plan
from tracker.problems import Problem, Severity
from tracker.signoffs import SignOffs, judge_signoffs

_OUTCOME = attrgetter("outcome")
_NODEID = attrgetter("nodeid")

#: A review or phase due within this many days is "due soon"; reminders look this far ahead.
DUE_SOON_DAYS = 7
#: Measures whose value depends on the machine and the hour, not on the code and its results
#: (a suite takes longer on a busy laptop): documents show their target, not their value.
MACHINE_DEPENDENT = frozenset({"tests.duration"})


class Status(StrEnum):
    """An item's status, earned by evidence (or a claim, shown as such)."""

    DONE = "done"
    FAILING = "failing"
    IN_PROGRESS = "in progress"
    RUNNING = "running"  #: only while a run is going: its linked tests have not all reported
    STALE = "stale"
    TODO = "todo"
    CLAIMED = "claimed"  #: claimed done with nothing that can prove it
    SKIPPED = "skipped"
    BLOCKED = "blocked"

    @property
    def icon(self) -> str:
        return _ICONS[self]


_ICONS = {
    Status.DONE: "✔", Status.FAILING: "✘", Status.IN_PROGRESS: "◐", Status.RUNNING: "◐",
    Status.STALE: "↻",
    Status.TODO: "○", Status.CLAIMED: "?", Status.SKIPPED: "–", Status.BLOCKED: "⊘",
}

#: Statuses that leave nothing to do. Every other item is "open": not done for its phase,
#: late once past its due date, reminded of, listed as "not done" by the displays.
CLOSED = frozenset({Status.DONE, Status.SKIPPED})


@dataclass(frozen=True)
class Tally:
    """What the latest run says about an item's linked tests."""

    outcomes: tuple[TestOutcome, ...] = ()  #: the linked tests' results, one per test case
    not_run: tuple[str, ...] = ()  #: linked tests (found in the source) with no result
    collection_errors: tuple[str, ...] = ()  #: linked files the run could not collect
    files: frozenset[str] = frozenset()  #: test files involved (linked or that ran)
    deselected: tuple[str, ...] = ()  #: those of not_run the run deselected (-m, -k)
    collection_skips: tuple[str, ...] = ()  #: linked files skipped whole while collecting
    #: the test cases ``not_run`` stands for (a parametrized test the source shows is one
    #: entry of ``not_run`` and as many cases as it has parameters)
    not_run_cases: int = 0

    @cached_property
    def _counts(self) -> Counter[str]:
        return Counter(map(_OUTCOME, self.outcomes))  # counted at C speed

    def count(self, *kinds: str) -> int:
        return sum(self._counts.get(kind, 0) for kind in kinds)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @cached_property
    def failed(self) -> tuple[TestOutcome, ...]:
        if not self.count(*FAILING):
            return ()
        outcomes = self.outcomes  # filtered at C speed: big items link hundreds of tests
        return tuple(compress(outcomes, map(FAILING.__contains__, map(_OUTCOME, outcomes))))

    @property
    def skipped(self) -> int:
        return self.count("skipped", "xfailed")


@dataclass(frozen=True)
class ItemAssessment:
    """One item judged: status, the reason in words, and the evidence behind it."""

    item: Item
    phase_id: str
    status: Status
    reason: str
    evidence: ItemEvidence
    test_ids: tuple[str, ...]
    test_count: int  #: linked test cases: from the run when there is one, else the source
    test_files: int
    due: dt.date | None = None
    days_late: int = 0  #: > 0 when past due and still open
    tally: Tally | None = None  #: None when no run is recorded
    target_coverage: float | None = None  #: coverage of the item's targets in the run
    #: the statement and branch counts behind ``target_coverage``
    target_counts: measures.CoverageCounts | None = None
    coverage_delta: float | None = None  #: change since the oldest recorded run
    stale_files: tuple[str, ...] = ()  #: linked files changed since the run
    #: per link of ``evidence.links``: the test cases it stands for. With a run, those the
    #: run ran or should have run for it (also tests only a run shows: a marker a conftest
    #: hook adds, a unittest class, a doctest); without one, the source's count
    link_cases: tuple[int, ...] = ()
    days_left: int | None = None  #: days until ``due`` (negative when past); None without one

    @property
    def done(self) -> bool:
        return self.status is Status.DONE

    @property
    def open(self) -> bool:
        """Whether something is left to do (see :data:`CLOSED`)."""
        return self.status not in CLOSED

    @property
    def unresolved(self) -> tuple[LinkResult, ...]:
        """Links that match no test in the source nor in the latest run."""
        return tuple(link for link, cases in zip(self.evidence.links, self.link_cases,
                                                 strict=True) if not cases)

    def seen_only_in_run(self, index: int) -> bool:
        """Whether link ``index`` matched tests only the latest run shows."""
        return not self.evidence.links[index].resolved and self.link_cases[index] > 0

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.evidence.checks if not c.ok)


@dataclass(frozen=True)
class PhaseAssessment:
    """A phase's progress and window."""

    phase: Phase
    index: int  #: 1-based position in the plan
    done: int
    total: int
    skipped: int
    start: dt.date | None
    due: dt.date | None
    days_late: int  #: > 0 when past due and not complete
    days_left: int | None  #: days until due (negative when past)

    @property
    def open(self) -> int:
        """Items left to do: neither done nor skipped."""
        return self.total - self.done - self.skipped

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.open <= 0

    @property
    def late(self) -> bool:
        return self.days_late > 0

    @property
    def due_soon(self) -> bool:
        """Not complete, and due today or within :data:`DUE_SOON_DAYS` days."""
        return (not self.complete and self.days_left is not None
                and 0 <= self.days_left <= DUE_SOON_DAYS)

    @property
    def state(self) -> str:
        if self.complete:
            return "complete"
        if self.late:
            return "late"
        return "in progress" if self.done else "not started"


@dataclass(frozen=True)
class ReviewAssessment:
    """Whether the plan's review is due."""

    next: dt.date
    days_left: int  #: negative when overdue
    reviewers: tuple[str, ...]
    every_days: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def due_soon(self) -> bool:
        return 0 <= self.days_left <= DUE_SOON_DAYS

    def describe(self) -> str:
        """"in 3 days", "today", "OVERDUE by 12 days"."""
        if self.days_left < 0:
            return f"OVERDUE by {_days(-self.days_left)}"
        if self.days_left == 0:
            return "due today"
        return f"in {_days(self.days_left)}"


@dataclass(frozen=True)
class MetricAssessment:
    """A metric's current value and whether its target is met."""

    metric: Metric
    current: float | None
    met: bool | None  #: None when unmeasured or qualitative
    display: str  #: current value in words, such as "87.5%" or "not yet measured"
    trend: tuple[float, ...] = ()  #: values over recorded runs, oldest first
    #: its value depends on the machine (see :data:`MACHINE_DEPENDENT`)
    machine_dependent: bool = False


@dataclass(frozen=True)
class Assessment:
    """Everything the displays show, judged once."""

    plan: Plan
    today: dt.date
    items: tuple[ItemAssessment, ...]
    phases: tuple[PhaseAssessment, ...]
    metrics: tuple[MetricAssessment, ...]
    review: ReviewAssessment | None
    updated: dt.date | None
    warnings: tuple[Problem, ...] = field(default=())
    run: RunRecord | None = None  #: the run the statuses are judged on
    #: the run ran part of the suite (or was cut short) and is laid over earlier runs
    run_partial: bool = False
    #: reviews and approvals recorded in git, judged: which approval counts for each role,
    #: which are only claims, the past reviews (all pending when git was not read)
    signoffs: SignOffs = field(default_factory=lambda: judge_signoffs((), None))
    #: warnings about test links that match nothing in the source nor in the latest run,
    #: printed with the workspace's problems by every command (``warnings`` go in documents)
    unmatched: tuple[Problem, ...] = ()

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def current_phase(self) -> PhaseAssessment | None:
        return next((p for p in self.phases if not p.complete), None)

    @property
    def headline(self) -> str:
        """The plan's derived status, such as "Phase 2 of 4 in progress"."""
        if not self.phases:
            return "No phases yet"
        current = self.current_phase
        if current is None:
            return "Complete"
        started = any(i.status not in (Status.TODO, Status.SKIPPED, Status.BLOCKED)
                      for i in self.items)
        if current.index == 1 and not started:
            return "Not started"
        return f"Phase {current.index} of {len(self.phases)} in progress"

    def item(self, item_id: str) -> ItemAssessment | None:
        return next((i for i in self.items if i.item.id == item_id), None)

    def phase_items(self, phase_id: str) -> list[ItemAssessment]:
        return [i for i in self.items if i.phase_id == phase_id]


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def phase_window(plan: Plan, phase: Phase) -> tuple[dt.date | None, dt.date | None]:
    """Concrete first and last day of a phase: ``weeks`` count from ``created``."""
    if phase.weeks and plan.created:
        first, last = phase.weeks
        return (plan.created + dt.timedelta(weeks=first - 1),
                plan.created + dt.timedelta(weeks=last, days=-1))
    return phase.start, phase.due


def assess(plan: Plan, evidence: Evidence, today: dt.date) -> Assessment:
    """Judge the plan against its evidence as of ``today``."""
    warnings: list[Problem] = []
    unmatched: list[Problem] = []
    items: list[ItemAssessment] = []
    phases: list[PhaseAssessment] = []
    view = (_RunView(evidence.run, evidence.current_hashes, evidence.first_coverage,
                     evidence.workspace.tests) if evidence.run is not None else None)
    for index, phase in enumerate(plan.phases, start=1):
        start, due = phase_window(plan, phase)
        judged = [_item(phase, item, evidence, view, today, due, warnings, unmatched)
                  for item in phase.items]
        items.extend(judged)
        done = sum(1 for i in judged if i.done)
        skipped = sum(1 for i in judged if i.status is Status.SKIPPED)
        days_left = (due - today).days if due else None
        pa = PhaseAssessment(phase, index, done, len(judged), skipped, start, due, 0, days_left)
        if days_left is not None and days_left < 0 and not pa.complete:
            pa = replace(pa, days_late=-days_left)
        phases.append(pa)
    review = None
    if plan.review and plan.review.next:
        review = ReviewAssessment(plan.review.next, (plan.review.next - today).days,
                                  plan.review.reviewers, plan.review.every_days)
    metrics = tuple(_metric(m, evidence.run, evidence.history) for m in plan.metrics)
    return Assessment(plan=plan, today=today, items=tuple(items), phases=tuple(phases),
                      metrics=metrics, review=review, updated=evidence.plan_updated,
                      warnings=tuple(warnings), run=evidence.run,
                      run_partial=evidence.run is not None and is_partial_run(evidence.run),
                      signoffs=judge_signoffs(plan.approvals, evidence.signoffs),
                      unmatched=tuple(unmatched))


#: a target's coverage, its change since the first run, and the counts behind it
_TargetCoverage = tuple[float | None, float | None, measures.CoverageCounts | None]


class _RunView:
    """The latest run indexed for quick lookups by node id, file, marker and plan item."""

    def __init__(self, run: RunRecord, now: dict[str, str],
                 first: tuple[FileCoverage, ...] = (),
                 static: dict[str, StaticTest] | None = None) -> None:
        self.run = run
        #: files linked or measured whose content changed since the run
        self.changed = frozenset(f for f, h in run.file_hashes.items()
                                 if now.get(f) not in (None, h))
        #: measured files changed since the run whose coverage is shown (an older whole run
        #: when the latest ran a subset): their coverage no longer describes the code
        self.coverage_changed = self.changed if run.coverage_hashes is None else frozenset(
            f for f, h in run.coverage_hashes.items() if now.get(f) not in (None, h))
        #: no whole run among the runs laid together: nothing measured the targets' coverage
        self.no_whole_run = (run.coverage_hashes is None and not run.coverage
                             and is_partial_run(run))
        self.sources = static or {}  #: the tests the source shows, by node id
        self.first: dict[str, FileCoverage] = {f.path: f for f in first}
        self._tallies: dict[tuple[object, ...], Tally] = {}
        self._coverage: dict[tuple[str, ...], _TargetCoverage] = {}
        self.by_base: dict[str, list[TestOutcome]] = {}
        self.by_id: dict[str, TestOutcome] = {}
        self.by_file: dict[str, list[TestOutcome]] = {}
        self.by_item: dict[str, list[TestOutcome]] = {}
        for o in run.outcomes:
            self.by_id[o.nodeid] = o
            self.by_base.setdefault(o.base_id, []).append(o)
            self.by_file.setdefault(o.file, []).append(o)
            for item_id in o.plan_items:
                self.by_item.setdefault(item_id, []).append(o)
        #: scopes the run could not collect (files, folders whose conftest.py failed, packages)
        self.broken = _scopes_of(run.collection_errors)
        self.skipped = _scopes_of(run.collection_skips)
        self.deselected: dict[str, list[str]] = {}  #: by base id: the deselected cases
        self._deselected_ids = frozenset(run.deselected)
        for nodeid in run.deselected:
            self.deselected.setdefault(nodeid.partition("[")[0], []).append(nodeid)
        self._scopes: dict[str, list[TestOutcome]] | None = None
        self._conftests: dict[str, tuple[str, ...]] = {}
        self.coverage: dict[str, FileCoverage] = {f.path: f for f in run.coverage}
        self._dynamic: dict[tuple[LinkKind, str, tuple[str, ...]],
                            tuple[dict[str, TestOutcome], frozenset[str]]] = {}
        self._linked: dict[tuple[LinkKind, str, tuple[str, ...], tuple[str, ...]],
                           tuple[dict[str, TestOutcome], dict[str, None], frozenset[str]]] = {}
        self._named: list[tuple[TestOutcome, str]] | None = None
        self._by_marker: dict[str, list[str]] | None = None

    def tally(self, item_id: str, ev: ItemEvidence) -> Tally:
        """What the run says about an item's linked tests.

        Items with the same evidence get the same tally, computed once (with its counts):
        big plans link many items the same way, and one run shows the same for each.
        """
        own = item_id if item_id in self.by_item else None
        key = (tuple([(link.link.kind, link.link.value, link.files, link.tests)
                      for link in ev.links]), ev.marked, own)
        known = self._tallies.get(key)
        if known is None:
            known = self._tallies[key] = self._tally(ev, own)
        return known

    def _tally(self, ev: ItemEvidence, own: str | None) -> Tally:
        found: dict[str, TestOutcome] = {}
        not_run: dict[str, None] = {}
        files: set[str] = set()
        for link in ev.links:
            selected, missing, where = self.linked(link)
            found.update(selected)  # dicts merge at C speed
            not_run.update(missing)
            files.update(where)
        for nodeid in ev.marked:
            results = self.static(nodeid)
            if not results:
                not_run[nodeid] = None
            found.update((o.nodeid, o) for o in results)
            files.add(nodeid.split("::", 1)[0])
        for o in self.by_item.get(own, ()) if own is not None else ():
            found[o.nodeid] = o
            files.add(o.file)
        for nodeid in found:  # a case that ran is not missing, whatever else was deselected
            not_run.pop(nodeid, None)
        deselected = tuple(n for n in not_run if n in self._deselected_ids)
        return Tally(tuple(found.values()), tuple(not_run), _in_scopes(files, self.broken),
                     frozenset(files), deselected, _in_scopes(files, self.skipped),
                     self.cases(not_run))

    def cases(self, nodeids: Iterable[str]) -> int:
        """The test cases some tests the source shows stand for."""
        return sum([_cases(self.sources, n) for n in nodeids])

    def stale(self, ev: ItemEvidence, tally: Tally) -> tuple[str, ...]:
        """Linked test files, the conftest.py files they load, and targets whose content
        changed since the run."""
        if not self.changed:
            return ()
        files = set(tally.files)
        for path in tally.files:
            files.update(self.conftests(path))
        for target in ev.targets:
            files.update(target.files)
        return tuple(sorted(files & self.changed))

    def conftests(self, path: str) -> tuple[str, ...]:
        """The conftest.py files the run hashed that pytest loads for the test file ``path``
        (each folder's list found once)."""
        folder = path.rpartition("/")[0]
        known = self._conftests.get(folder)
        if known is None:
            hashed = self.run.file_hashes
            known = self._conftests[folder] = tuple(c for c in conftest_candidates(path)
                                                    if c in hashed)
        return known

    def target_coverage(self, ev: ItemEvidence) -> _TargetCoverage:
        """Coverage of an item's targets in the run, its change since the first run, and
        the counts behind it."""
        files = tuple([f for target in ev.targets for f in target.files])
        if not files:
            return None, None, None
        known = self._coverage.get(files)
        if known is None:
            known = self._coverage[files] = self._target_coverage(files)
        return known

    def _target_coverage(self, files: tuple[str, ...]) -> _TargetCoverage:
        coverage, unique = self.coverage, dict.fromkeys(files)  # overlapping targets count once
        measured = [coverage[f] for f in unique if f in coverage]
        counts = measures.coverage_counts(measured)
        if counts is None:  # nothing measured: unknown, whether or not the files are Python
            return None, None, None
        now = counts.percent
        before = [self.first[f] for f in unique if f in self.first]
        was = measures.coverage_of(before) if before else None
        return now, (now - was if was is not None else None), counts

    def coverage_unknown(self, ev: ItemEvidence) -> str | None:
        """Why the run cannot tell the coverage of the item's targets as they are now, when
        only a run of the whole suite can: None when it can, or the item has no targets."""
        files = {f for target in ev.targets for f in target.files}
        if not files:
            return None
        if self.no_whole_run:
            return "coverage of targets not measured: no run of the whole suite yet"
        changed = sorted(files & self.coverage_changed)
        if not changed:
            return None
        shown = ", ".join(changed[:3]) + (", …" if len(changed) > 3 else "")
        return (f"coverage of targets not measured since {shown} changed: "
                "needs a run of the whole suite")

    def named(self) -> list[tuple[TestOutcome, str]]:
        """Every result with the names a ``-k`` expression is matched against, built once."""
        if self._named is None:
            self._named = [(o, haystack(_names(o))) for o in self.run.outcomes]
        return self._named

    def static(self, nodeid: str) -> list[TestOutcome]:
        """Results of a test the source shows: every case of it, or the one case named."""
        if "[" in nodeid:
            found = self.by_id.get(nodeid) or self.by_id.get(escaped_id(nodeid))
            return [found] if found else []
        return self.by_base.get(nodeid, [])

    def scope(self, prefix: str) -> list[TestOutcome]:
        """Results under a folder, file, class or test (every case), by its node id prefix."""
        if self._scopes is None:
            scopes: dict[str, list[TestOutcome]] = {}
            for o in self.run.outcomes:
                head, _, rest = o.nodeid.partition("::")
                keys = set()
                folder = head
                while folder:
                    keys.add(folder)
                    folder = folder.rpartition("/")[0]
                key = head
                for part in rest.partition("[")[0].split("::"):
                    key = f"{key}::{part}"
                    keys.add(key)
                for key in keys:
                    scopes.setdefault(key, []).append(o)
            self._scopes = scopes
        return self._scopes.get(prefix.rstrip("/"), [])

    def dynamic(self, link: LinkResult) -> tuple[dict[str, TestOutcome], frozenset[str]]:
        """Results the link selects at run time (markers or tests the source cannot show),
        by node id, and their files.

        Big plans repeat the same marker or ``-k`` link many times: each is computed once.
        """
        key = (link.link.kind, link.link.value, link.files)
        found = self._dynamic.get(key)
        if found is None:
            selected = self._select(link)
            found = self._dynamic[key] = ({o.nodeid: o for o in selected},
                                          frozenset(o.file for o in selected))
        return found

    def linked(self, link: LinkResult
               ) -> tuple[dict[str, TestOutcome], dict[str, None], frozenset[str]]:
        """Everything one link contributes: results by node id, the tests the source shows
        that did not run, and the files involved. Computed once per distinct link."""
        key = (link.link.kind, link.link.value, link.files, link.tests)
        known = self._linked.get(key)
        if known is None:
            selected, where = self.dynamic(link)
            found = dict(selected)
            missing: dict[str, None] = {}
            by_run = (link.link.kind in (LinkKind.MARKER, LinkKind.FIXTURE)
                      and self.run.source == "pytest")  # JUnit XML records neither
            for nodeid in link.tests:
                results = self.static(nodeid)
                if by_run and results:  # the run knows its markers and fixtures for sure:
                    results = [o for o in results if o.nodeid in selected]
                    if not results:  # the source scan guessed (a @given argument named
                        continue     # like the fixture, a mark a hook removed)
                cases = self.deselected.get(nodeid) if "[" not in nodeid else None
                if cases:  # some or all of its cases were filtered out of the run
                    missing.update(dict.fromkeys(cases))
                elif not results:
                    missing[nodeid] = None
                found.update((o.nodeid, o) for o in results)
            if link.link.kind is LinkKind.MARKER:  # cases filtered out of the run that carry
                for nodeid in self.deselected_marked(link.link.value):  # it (their own marks
                    if nodeid not in found:                           # the source cannot see)
                        missing[nodeid] = None
            files = frozenset({*link.files, *where, *(t.split("::", 1)[0] for t in link.tests),
                               *(t.split("::", 1)[0] for t in missing)})
            known = self._linked[key] = (found, missing, files)
        return known

    def deselected_marked(self, marker: str) -> list[str]:
        """Deselected tests that carry ``marker``."""
        if self._by_marker is None:
            self._by_marker = {}
            for nodeid, names in self.run.deselected_markers.items():
                for name in names:
                    self._by_marker.setdefault(name, []).append(nodeid)
        return self._by_marker.get(marker, [])

    def _select(self, link: LinkResult) -> list[TestOutcome]:
        value = link.link.value
        match link.link.kind:
            case LinkKind.MARKER:
                return [o for o in self.run.outcomes if value in o.markers]
            case LinkKind.FIXTURE:
                return [o for o in self.run.outcomes if value in o.fixtures]
            case LinkKind.KEYWORD:
                matcher = parse_keyword(value)
                return [o for o, names in self.named() if matcher(names)]
            case LinkKind.GLOB:
                return [o for f in link.files for o in self.by_file.get(f, [])]
            case LinkKind.PATH:  # what ran under it, also what the source could not show
                return self.scope(value)  # (unittest classes, doctests, generated tests)
            case LinkKind.NODE:
                one = self.by_id.get(value) or self.by_id.get(escaped_id(value))
                return [one] if one is not None else self.scope(value)
        return []


def escaped_id(nodeid: str) -> str:
    """A node id as pytest writes it: non-ASCII characters of parameter ids escaped
    (``test_x[ünï]`` → ``test_x[\\xfcn\\xef]``), as pytest does unless told not to."""
    head, bracket, params = nodeid.partition("[")
    if not bracket or params.isascii():
        return nodeid
    return head + bracket + params.encode("unicode_escape").decode("ascii")


def _scopes_of(errors: tuple[CollectionError, ...]) -> dict[str, str]:
    """Collection errors or skips by the file or folder they stand for (``tests/integration``
    when its conftest.py failed)."""
    return {e.nodeid.split("::", 1)[0].rstrip("/"): e.message for e in errors}


def _in_scopes(files: set[str], scopes: dict[str, str]) -> tuple[str, ...]:
    """``path: message`` of each scope (file or folder) holding one of ``files``."""
    if not scopes:
        return ()
    return tuple(f"{scope}: {message}" for scope, message in sorted(scopes.items())
                 if any(f == scope or f.startswith(scope + "/") or not scope for f in files))


def _names(outcome: TestOutcome) -> list[str]:
    parts = outcome.nodeid.split("::")
    return [*parts[0].split("/"), *parts[1:], *outcome.markers]


def _item(phase: Phase, item: Item, evidence: Evidence, view: _RunView | None,
          today: dt.date, phase_due: dt.date | None, warnings: list[Problem],
          unmatched: list[Problem]) -> ItemAssessment:
    ev = evidence.workspace.items.get(item.id, _NO_EVIDENCE)
    test_ids = ev.test_ids()
    link_cases = _link_cases(ev, view)
    for link, cases in zip(ev.links, link_cases, strict=True):
        if not cases:
            unmatched.append(Problem(link.link.location, f"test link {str(link.link)!r} "
                                     f"matches nothing: {link.problem or 'no test'}",
                                     Severity.WARNING))
    tally = coverage = delta = counts = unmeasured = None
    stale: tuple[str, ...] = ()
    if view is not None:
        tally = view.tally(item.id, ev)
        stale = view.stale(ev, tally)
        coverage, delta, counts = view.target_coverage(ev)
        unmeasured = view.coverage_unknown(ev)
        if unmeasured:
            coverage = delta = counts = None
        count = len(tally.outcomes) + tally.not_run_cases
        files = len(tally.files)
    else:
        static = evidence.workspace.tests
        count = sum(_cases(static, t) for t in test_ids)
        files = len({t.split("::", 1)[0] for t in test_ids})
    status, reason = _judge(item, ev, count, files, tally, stale, coverage, link_cases,
                            unmeasured)
    if evidence.live is not None and tally is not None:
        status, reason = _while_running(status, reason, tally, evidence.live)
    if item.claim is Claim.DONE and status is not Status.DONE and status is not Status.CLAIMED:
        warnings.append(Problem(item.location, f"item {item.id!r} is claimed done but the "
                                               f"evidence says {status.value}: {reason}",
                                Severity.WARNING))
    elif status is Status.CLAIMED:
        warnings.append(Problem(item.location, f"item {item.id!r} is claimed done with no "
                                               "evidence: link tests or files to prove it",
                                Severity.WARNING))
    due = item.due or phase_due
    days_left = (due - today).days if due else None
    days_late = -days_left if days_left is not None and days_left < 0 and status not in CLOSED \
        else 0
    return ItemAssessment(item=item, phase_id=phase.id, status=status, reason=reason,
                          evidence=ev, test_ids=test_ids, test_count=count, test_files=files,
                          due=due, days_late=days_late, tally=tally, target_coverage=coverage,
                          target_counts=counts, coverage_delta=delta, stale_files=stale,
                          link_cases=link_cases, days_left=days_left)


_NO_EVIDENCE = ItemEvidence()


def _while_running(status: Status, reason: str, tally: Tally,
                   live: LiveProgress) -> tuple[Status, str]:
    """An item's status while a run is going: running until every linked test the run was
    asked to run has reported (a failure reported already is shown as failing)."""
    linked = [*(o.nodeid for o in tally.outcomes), *tally.not_run]
    in_scope = [t for t in linked if live.covers(t)]
    finished = sum(1 for t in in_scope if t in live.reported)
    failed_now = any(o.outcome in FAILING for o in tally.outcomes if o.nodeid in live.reported)
    if finished == len(in_scope) or status is Status.FAILING and failed_now:
        return status, reason
    return Status.RUNNING, f"running: {finished} of {len(in_scope)} finished"


def _link_cases(ev: ItemEvidence, view: _RunView | None) -> tuple[int, ...]:
    """Test cases per link (see ItemAssessment): with a run, the cases it ran or should
    have run for the link, as the item's own count has them; else the source's."""
    if not ev.links:
        return ()
    if view is None:
        return tuple([(link.cases or len(link.tests) or 1) if link.resolved else 0
                      for link in ev.links])
    counts = []
    for link in ev.links:
        found, missing, _ = view.linked(link)
        counts.append(len(found) + view.cases(missing))
    return tuple(counts)


def _cases(static: dict[str, StaticTest], nodeid: str) -> int:
    test = static.get(nodeid)
    return test.cases if test is not None and "[" not in nodeid else 1


def _judge(item: Item, ev: ItemEvidence, count: int, files: int, tally: Tally | None,
           stale: tuple[str, ...], coverage: float | None,
           link_cases: tuple[int, ...], unmeasured: str | None = None) -> tuple[Status, str]:
    """Status and the reason in words, from workspace evidence and the latest run;
    ``unmeasured`` says why the targets' coverage is unknown when a run cannot tell."""
    if item.claim is Claim.SKIPPED:  # the status says it: the reason is the note's
        return Status.SKIPPED, item.note or "no reason given"
    if item.claim is Claim.BLOCKED:
        return Status.BLOCKED, item.note or "no reason given"
    ran = tally.outcomes if tally else ()
    has_links = bool(item.tests or ev.marked or ran)
    if not has_links and not item.files:
        if item.claim is Claim.DONE:
            return Status.CLAIMED, "unverified: nothing links it to evidence"
        if item.claim is Claim.IN_PROGRESS:
            return Status.IN_PROGRESS, "claimed in progress; nothing links it to evidence"
        return Status.TODO, "no evidence linked yet"
    if stale:
        shown = ", ".join(stale[:3]) + (", …" if len(stale) > 3 else "")
        return Status.STALE, f"changed since the last run: {shown}; run the tests again"
    if tally is not None and (tally.failed or tally.collection_errors):
        return Status.FAILING, _failing_reason(tally)
    missing: list[str] = []
    unresolved = link_cases.count(0)  # a link the source cannot show may match at run time
    if unresolved:
        missing.append(f"{unresolved} of {len(ev.links)} test links match nothing")
    failed_checks = [c for c in ev.checks if not c.ok]
    if failed_checks:
        first = failed_checks[0]
        missing.append(f"{len(failed_checks)} of {len(ev.checks)} file checks fail "
                       f"({first.check}: {first.detail})")
    if item.expect.min_tests and count < item.expect.min_tests:
        missing.append(f"{count} of {item.expect.min_tests} tests")
    if item.expect.min_files and files < item.expect.min_files:
        missing.append(f"{files} of {item.expect.min_files} test files")
    if tally is None:
        if has_links and count:
            missing.append(f"{_plural(count, 'test')} found, not yet run")
    else:
        if tally.not_run:
            missing.append(_not_run_reason(tally))
        if tally.collection_skips:
            missing.append(f"skipped while collecting: {tally.collection_skips[0]}")
        if tally.skipped:
            missing.append(f"{tally.skipped} skipped or xfailed")
        if tally.count("xpassed"):
            missing.append(f"{tally.count('xpassed')} marked xfail but passed")
    target = item.expect.target_coverage
    if target is not None:
        if coverage is None:
            missing.append(unmeasured or ("coverage of targets not measured" if tally else
                                          "coverage of targets not yet measured"))
        elif coverage + 1e-9 < target:
            missing.append(f"targets covered {measures.percent(coverage)} of {target:g}%")
    found_any = bool(ran) or bool(count) or any(c.ok for c in ev.checks)
    if not found_any:
        return Status.TODO, "; ".join(missing) or "no evidence yet"
    if missing:
        return Status.IN_PROGRESS, "; ".join(missing)
    return Status.DONE, _done_reason(ev, tally, coverage, unmeasured)


def _not_run_reason(tally: Tally) -> str:
    """"3 linked tests did not run (2 deselected): test_a[2], test_b, test_c"."""
    text = f"{_plural(tally.not_run_cases, 'linked test')} did not run"
    if tally.deselected:
        text += (" (deselected)" if len(tally.deselected) == len(tally.not_run)
                 else f" ({len(tally.deselected)} deselected)")
    names = [nodeid.split("::")[-1] for nodeid in sorted(tally.not_run)[:3]]
    more = f" and {len(tally.not_run) - 3} more" if len(tally.not_run) > 3 else ""
    return f"{text}: {', '.join(names)}{more}"


def _failing_reason(tally: Tally) -> str:
    failed = sorted(tally.failed, key=_NODEID)  # the same words however the tests were run
    parts = []
    if failed:
        names = ", ".join(o.nodeid.split("::")[-1] for o in failed[:3])
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        parts.append(f"{len(failed)} of {len(tally.outcomes)} failing: {names}{more}")
    if tally.collection_errors:
        parts.append(f"cannot be collected: {tally.collection_errors[0]}")
    return "; ".join(parts)


def _done_reason(ev: ItemEvidence, tally: Tally | None, coverage: float | None,
                 unmeasured: str | None) -> str:
    parts = []
    if tally is not None and tally.outcomes:
        n = len(tally.outcomes)
        parts.append("1 test, passing" if n == 1 else f"{n} tests, all passing")
    if ev.checks:
        parts.append("the file check holds" if len(ev.checks) == 1
                     else f"all {len(ev.checks)} file checks hold")
    if coverage is not None:
        parts.append(f"targets covered {measures.percent(coverage)}")
    elif unmeasured:
        parts.append(unmeasured)
    return "; ".join(parts) or "evidence complete"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _metric(metric: Metric, run: RunRecord | None,
            history: tuple[RunPoint, ...]) -> MetricAssessment:
    if metric.qualitative or not metric.measure:
        return MetricAssessment(metric, None, None, "qualitative")
    measure = parse_measure(metric.measure)
    trend = _trend(measure.name, measure.arg, history)
    machine = measure.name in MACHINE_DEPENDENT
    if run is None:
        return MetricAssessment(metric, None, None, "not yet measured", trend, machine)
    value = measures.measure_value(measure, run)
    met = None
    if value is not None and metric.target is not None:
        met = measures.meets(value, metric.target)
    shown = (measures.unmeasurable(measure, run) if value is None else None) \
        or measures.display(measure, value)
    return MetricAssessment(metric, value, met, shown, trend, machine)


def _trend(name: str, arg: str | None, history: tuple[RunPoint, ...]) -> tuple[float, ...]:
    """A metric over recorded runs, for the measures run summaries can give."""
    values: list[float | None]
    match name:
        case "coverage.total":
            values = [p.coverage_total for p in history]
        case "tests.count":
            values = [float(p.test_count) for p in history]
        case "tests.passed":
            values = [float(p.counts.get("passed", 0)) for p in history]
        case "tests.failed":
            values = [float(p.counts.get("failed", 0) + p.counts.get("error", 0))
                      for p in history]
        case "tests.pass_rate":
            values = [_rate(p) for p in history]
        case "tests.duration":
            values = [p.seconds for p in history]
        case _:
            values = []
    return tuple(v for v in values if v is not None)


def _rate(point: RunPoint) -> float | None:
    ran = point.test_count - point.counts.get("skipped", 0) - point.counts.get("xfailed", 0)
    return 100.0 * point.counts.get("passed", 0) / ran if ran else None
