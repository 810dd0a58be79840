"""What each item changed: where its tests arrived, and its targets' coverage then and now.

"This item's tests arrived in a3f9c1e on 2026-03-04 (Ann) and raised download_manager.py from
57.6% to 69.0%." Pure functions over values (the git log, the item's workspace evidence, runs),
so the judge can call them; :mod:`tracker.history.runs` gathers their inputs.

The rules:

* The item's **arrival** is the commit where the oldest of its linked test files first appeared
  (through renames). Older means earlier in the log's topological order, not an earlier date.
* Its **baseline** is the nearest run at or before the arrival's parent, following first
  parents: the state of the code just before the tests came. Runs on a dirty tree never count
  (no commit holds what they ran). Without one, the parent is the commit to backfill.
* **Then and now** are the coverage of the item's targets (under the names they had then) and
  its linked test count in the baseline run and in the current run, counted the same way in
  both: every test of the files a path or glob links, the tests other links name, tests
  marked ``@pytest.mark.plan(ID)`` and tests carrying a linked marker.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from tracker.evidence.commits import Commit, GitLog
from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.evidence.values import ItemEvidence
from tracker.metrics import coverage_of
from tracker.plan.model import LinkKind
from tracker.text import one_line


@dataclass(frozen=True)
class RunFacts:
    """What a delta needs of one run: its coverage, and its outcomes when the store kept them."""

    run_id: int | None
    commit: str | None
    coverage: tuple[FileCoverage, ...]
    #: None when only the run's coverage was kept (the store prunes old runs' outcomes)
    outcomes: tuple[TestOutcome, ...] | None

    @classmethod
    def of(cls, run: RunRecord) -> RunFacts:
        return cls(run.id, run.commit, run.coverage, run.outcomes)

    @cached_property
    def index(self) -> _OutcomeIndex:
        """The outcomes indexed once for every item's count (a plan counts thousands)."""
        return _OutcomeIndex(self.outcomes or ())


class _OutcomeIndex:
    """Positions of a run's outcomes by file, node id, base id, plan item and marker: an
    item's count is then a union of a few small sets, not a pass over the whole run."""

    def __init__(self, outcomes: Iterable[TestOutcome]) -> None:
        self.by_file: dict[str, list[int]] = {}
        self.by_id: dict[str, list[int]] = {}
        self.by_item: dict[str, list[int]] = {}
        self.by_marker: dict[str, list[int]] = {}
        for i, o in enumerate(outcomes):
            self.by_file.setdefault(o.file, []).append(i)
            self.by_id.setdefault(o.nodeid, []).append(i)
            if o.base_id != o.nodeid:
                self.by_id.setdefault(o.base_id, []).append(i)
            for item in o.plan_items:
                self.by_item.setdefault(item, []).append(i)
            for marker in o.markers:
                self.by_marker.setdefault(marker, []).append(i)

    def count(self, item_id: str, files: Iterable[str], ids: Iterable[str],
              markers: Iterable[str]) -> int:
        found: set[int] = set()
        for table, keys in ((self.by_file, files), (self.by_id, ids),
                            (self.by_item, (item_id,)), (self.by_marker, markers)):
            for key in keys:
                found.update(table.get(key, ()))
        return len(found)


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where an item's first linked test appeared."""

    commit: Commit
    path: str  #: that test file, as named now
    #: it appeared in a shallow clone's oldest commit: it may have arrived earlier
    cut_off: bool = False


@dataclass(frozen=True, slots=True)
class TargetDelta:
    """One target's coverage in the baseline run and now."""

    path: str  #: as named now
    then: float | None  #: None: not measured then (not written yet, or not imported)
    now: float | None

    @property
    def change(self) -> float | None:
        return None if self.then is None or self.now is None else self.now - self.then


@dataclass(frozen=True)
class ItemDelta:
    """What one item changed, or why that cannot be told (``reason``)."""

    item_id: str
    arrival: Arrival | None = None
    baseline: str | None = None  #: the commit of the baseline run
    baseline_run: int | None = None
    #: the commit a baseline run is missing for (the arrival's parent): backfill it
    missing: str | None = None
    reason: str | None = None  #: why there is no delta; None when there is one
    coverage_then: float | None = None  #: the targets together
    coverage_now: float | None = None
    tests_then: int | None = None  #: None when the store kept only the run's coverage
    tests_now: int | None = None
    targets: tuple[TargetDelta, ...] = ()

    @property
    def coverage_change(self) -> float | None:
        if self.coverage_then is None or self.coverage_now is None:
            return None
        return self.coverage_now - self.coverage_then

    @property
    def tests_change(self) -> int | None:
        if self.tests_then is None or self.tests_now is None:
            return None
        return self.tests_now - self.tests_then

    @property
    def backfill_command(self) -> str | None:
        """The command that records the missing baseline run."""
        return f"tracker backfill {self.missing[:12]}^!" if self.missing else None

    def describe(self) -> str:
        """One line: "tests arrived in a3f9c1e on 2026-03-04 (Ann); src/x.py 57.6% → 69.0%"."""
        if self.arrival is None:
            return self.reason or "no linked test in git history"
        commit = self.arrival.commit
        when = "at or before" if self.arrival.cut_off else "in"
        head = (f"tests arrived {when} {commit.short} on {commit.day.isoformat()} "
                f"({one_line(commit.author)})")
        if self.reason:
            return f"{head}; {self.reason}"
        parts = [f"{t.path} {_pct(t.then)} → {_pct(t.now)}" for t in self.targets]
        if len(self.targets) > 1:
            parts.append(f"targets {_pct(self.coverage_then)} → {_pct(self.coverage_now)}")
        if self.tests_then is not None and self.tests_now is not None:
            parts.append(f"tests {self.tests_then} → {self.tests_now}")
        return "; ".join([head, *parts])


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def test_files(ev: ItemEvidence) -> tuple[str, ...]:
    """The item's linked test files, each once, in link order."""
    files = dict.fromkeys(f for link in ev.links for f in link.files)
    files.update(dict.fromkeys(t.split("::", 1)[0] for t in ev.marked))
    return tuple(files)


def target_files(ev: ItemEvidence) -> tuple[str, ...]:
    """The files the item's targets name, each once."""
    return tuple(dict.fromkeys(f for target in ev.targets for f in target.files))


def arrival(ev: ItemEvidence, log: GitLog) -> Arrival | None:
    """Where the item's first linked test file appeared; None when none is in history."""
    best: tuple[int, str, bool] | None = None
    for path in test_files(ev):
        history = log.history_of(path)
        if history.added is None or history.added not in log.commits:
            continue
        place = log.position[history.added]
        if best is None or place > best[0]:
            best = (place, path, history.cut_off)
    if best is None:
        return None
    place, path, cut_off = best
    return Arrival(log.commits[log.order[place]], path, cut_off)


def baseline(found: Arrival, log: GitLog, with_runs: Container[str]) -> str | None:
    """The nearest commit with a run at or before the arrival's parent (first parents)."""
    parents = found.commit.parents
    if not parents:
        return None
    return next((sha for sha in log.first_parents(parents[0]) if sha in with_runs), None)


def baselines_needed(items: Iterable[ItemEvidence], log: GitLog,
                     with_runs: Container[str]) -> set[str]:
    """The commits whose runs :func:`item_delta` will read as baselines: what to load."""
    needed = set()
    for ev in items:
        found = arrival(ev, log)
        if found is not None and not found.cut_off:
            sha = baseline(found, log, with_runs)
            if sha is not None:
                needed.add(sha)
    return needed


def item_delta(item_id: str, ev: ItemEvidence, log: GitLog, with_runs: Container[str],
               runs: Mapping[str, RunFacts], current: RunFacts | None) -> ItemDelta:
    """What item ``item_id`` changed.

    ``with_runs``: the commits that have a usable run (clean tree); ``runs``: those runs,
    at least for the commits :func:`baselines_needed` named; ``current``: the run judged
    now (the latest), None when there is none.
    """
    found = arrival(ev, log)
    if found is None:
        why = log.problem or ("no linked test file is committed yet" if test_files(ev)
                              else "it links no test file")
        return ItemDelta(item_id, reason=why)
    if found.cut_off:
        return ItemDelta(item_id, found, reason="the history before it is cut off (shallow "
                         "clone): fetch it with `git fetch --unshallow`")
    run: RunFacts | None = None  # stays None for a root commit: nothing came before it
    if found.commit.parents:
        sha = baseline(found, log, with_runs)
        if sha is None:
            parent = found.commit.parents[0]
            return ItemDelta(item_id, found, missing=parent,
                             reason=f"no run at or before its parent {parent[:10]}: record "
                                    f"one with `tracker backfill {parent[:12]}^!`")
        run = runs.get(sha)
        if run is None:
            return ItemDelta(item_id, found, baseline=sha,
                             reason=f"the run of {sha[:10]} was not loaded")
    if current is None:
        return ItemDelta(item_id, found, baseline=run.commit if run else None,
                         baseline_run=run.run_id if run else None,
                         reason="no run of the code now to compare with: record one with "
                                "`tracker run`")
    return _delta(item_id, ev, log, found, run, current)


def _delta(item_id: str, ev: ItemEvidence, log: GitLog, found: Arrival,
           before: RunFacts | None, current: RunFacts) -> ItemDelta:
    """The delta against ``before`` (None: the arrival is a root commit, nothing before it)."""
    targets = []
    then_files: list[FileCoverage] = []
    now_files: list[FileCoverage] = []
    old = {f.path: f for f in before.coverage} if before else {}
    new = {f.path: f for f in current.coverage}
    for path in target_files(ev):
        was = next((old[name] for name in (path, *log.history_of(path).names) if name in old),
                   None)
        now = new.get(path)
        then_files += [was] if was else []
        now_files += [now] if now else []
        targets.append(TargetDelta(path, was.percent if was else None,
                                   now.percent if now else None))
    tests_then: int | None = 0  # nothing existed before a root commit
    if before is not None:
        tests_then = None if before.outcomes is None else _count(before, item_id, ev)
    tests_now = None if current.outcomes is None else _count(current, item_id, ev)
    return ItemDelta(item_id, found, baseline=before.commit if before else None,
                     baseline_run=before.run_id if before else None,
                     coverage_then=coverage_of(then_files) if before else None,
                     coverage_now=coverage_of(now_files), tests_then=tests_then,
                     tests_now=tests_now, targets=tuple(targets))


def _count(run: RunFacts, item_id: str, ev: ItemEvidence) -> int:
    """The item's test cases among the run's outcomes: those of the files a path or glob
    links, those other links name (or their parametrized cases), those marked
    ``plan(ITEM)`` and those carrying a linked marker (see the module's rules). Names then
    need no mapping: a linked file older than the arrival would itself be the arrival."""
    files = {f for link in ev.links if link.link.kind in _WHOLE_FILES for f in link.files}
    markers = {link.link.value for link in ev.links if link.link.kind is LinkKind.MARKER}
    return run.index.count(item_id, files, ev.test_ids(), markers)


#: Links that take every test of their files, whatever the tests were called then.
_WHOLE_FILES = frozenset({LinkKind.PATH, LinkKind.GLOB})
