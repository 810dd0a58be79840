"""Everything ``tracker history`` shows, gathered: git's history, the stored runs, what backfill
could not judge, and per item what it changed. The I/O half of :mod:`tracker.evidence.timeline`,
:mod:`tracker.evidence.deltas` and :mod:`tracker.evidence.flaky`, which judge.

"Now", for an item's delta, is the run that stands for the newest commit of the first-parent
line that has one (the first row of the timeline), so that a run of an older commit (a
backfill, an imported note) recorded last is never taken for the current state.
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import StoreError
from tracker.evidence.bundle import ChangeEvidence
from tracker.evidence.commits import GitLog
from tracker.evidence.deltas import (
    ItemDelta,
    RunFacts,
    arrival,
    baselines_needed,
    item_delta,
    target_files,
    test_files,
)
from tracker.evidence.flaky import Flaky, flaky_tests
from tracker.evidence.layering import is_partial_run
from tracker.evidence.results import RunRecord
from tracker.evidence.timeline import Timeline, timeline
from tracker.evidence.values import ItemEvidence
from tracker.history.backfill_index import BackfillIndex
from tracker.history.log import PendingLog
from tracker.history.log_cache import entry_key, read_entry
from tracker.paths import data_dir, default_store_path
from tracker.pickle_cache import write_entry
from tracker.plan.model import Plan
from tracker.store import RunRefused, RunSummary, Store


@dataclass(frozen=True)
class History:
    """What ``tracker history`` shows."""

    log: GitLog
    timeline: Timeline
    deltas: tuple[ItemDelta, ...] = ()  #: per item asked for, in plan order
    flaky: tuple[Flaky, ...] = ()


def read_history(root: Path, plan: Plan | None, items: dict[str, ItemEvidence], *,
                 only: Sequence[str] = (), flaky: bool = False,
                 pending: PendingLog | None = None) -> History:
    """Read the history of the plan's folder ``root``.

    ``items``: the workspace evidence of the plan's items (empty without a plan); ``only``:
    the items whose delta to compute (all that link tests when empty); ``pending``: the git
    log, when the caller started it before gathering ``items``. Raises StoreError when the
    store cannot be read; a missing store is an empty history.
    """
    paths = {f for ev in items.values() for f in (*test_files(ev), *target_files(ev))}
    log = (pending or PendingLog(root)).result(sorted(paths))
    arrivals = {item_id: came.commit.sha for item_id, ev in items.items()
                if (came := arrival(ev, log)) is not None}
    index = BackfillIndex(root)
    unjudged, backfilled = index.unjudged(), set(index.runs.values())
    path = default_store_path(root)
    if not path.is_file():
        line = timeline(log, (), unjudged=unjudged, arrivals=arrivals, backfilled=backfilled)
        return History(log, line, _deltas(plan, items, only, log, set(), {}, None))
    with Store.open(path) as store:
        summaries = store.runs()
        changes = changes_in_store(store, summaries, log, items, only=only,
                                   unjudged=unjudged, arrivals=arrivals, backfilled=backfilled)
        deltas = _deltas(plan, items, only, log, set(changes.with_runs), dict(changes.runs),
                         changes.current)
        found = flaky_in_store(store, summaries, items) if flaky else ()
    return History(log, changes.timeline, deltas, found)


def changes_in_store(store: Store, summaries: list[RunSummary], log: GitLog,
                     items: Mapping[str, ItemEvidence], *, only: Sequence[str] = (),
                     unjudged: Mapping[str, str] | None = None,
                     arrivals: Mapping[str, str] | None = None,
                     backfilled: Container[int] = ()) -> ChangeEvidence:
    """The timeline of ``summaries`` (the store's runs) along ``log``, and the runs the
    deltas of ``items`` (those in ``only``, when given) read: their baselines and "now"."""
    line = timeline(log, summaries, unjudged=unjudged, arrivals=arrivals,
                    backfilled=backfilled)
    chosen = {row.commit.sha: row.run_id for row in line.rows}
    chosen.update(_off_line(log, summaries, chosen))
    wanted = [ev for item_id, ev in items.items() if not only or item_id in only]
    needed = baselines_needed(wanted, log, chosen)
    if line.rows:
        needed.add(line.rows[0].commit.sha)
    loaded = {sha: _facts(store, chosen[sha], sha) for sha in needed}
    current = loaded.get(line.rows[0].commit.sha) if line.rows else None
    return ChangeEvidence(log, line, frozenset(chosen), loaded, current)


def _off_line(log: GitLog, summaries: list[RunSummary], chosen: dict[str, int]
              ) -> dict[str, int]:
    """Runs of commits off the first-parent line (a merged branch's commits): they can be
    baselines, since a baseline is looked for along the arrival's own first parents."""
    out: dict[str, int] = {}
    for s in sorted(summaries, key=lambda s: (is_partial_run(s), -s.id)):
        if s.commit and not s.dirty and s.commit not in chosen and s.commit in log.commits:
            out.setdefault(s.commit, s.id)
    return out


def _facts(store: Store, run_id: int, commit: str) -> RunFacts:
    """A run's coverage and, unless they were pruned, its outcomes."""
    try:
        return RunFacts.of(store.run(run_id))
    except StoreError:  # pruned: only its coverage (or nothing) is left
        return RunFacts(run_id, commit, store.coverage(run_id), None)


def _deltas(plan: Plan | None, items: dict[str, ItemEvidence], only: Sequence[str],
            log: GitLog, with_runs: set[str], loaded: dict[str, RunFacts],
            current: RunFacts | None) -> tuple[ItemDelta, ...]:
    if plan is None:
        return ()
    out = []
    for _, item in plan.items():
        ev = items.get(item.id)
        if ev is None or (only and item.id not in only) or (not only and not test_files(ev)):
            continue
        out.append(item_delta(item.id, ev, log, with_runs, loaded, current))
    return tuple(out)


def flaky_in_store(store: Store, summaries: list[RunSummary],
                   items: Mapping[str, ItemEvidence], *, cache: Path | None = None
                   ) -> tuple[Flaky, ...]:
    """Flaky tests over the runs the store keeps whole.

    ``cache``: the project whose ``.tracker/cache`` keeps the answer, keyed by those runs
    (id, start, commit, counts) and the targets of each linked test file: reading tens of
    whole runs costs more than the rest of a render, and they only change with a new run.
    """
    targets: dict[str, set[str]] = {}
    for ev in items.values():
        for file in test_files(ev):
            targets.setdefault(file, set()).update(target_files(ev))
    kept = summaries[:store.keep_whole]
    key = entry_key(_FLAKY_CODE, "flaky", str(default_store_path(cache or Path())),
                    *(f"{s.id}:{s.started.isoformat()}:{s.commit}:{s.dirty}:{s.pruned}:"
                      f"{sorted(s.counts.items())}" for s in kept),
                    "\0targets", *(f"{f}:{sorted(t)}" for f, t in sorted(targets.items())))
    path = data_dir(cache) / "cache" / "flaky.pickle" if cache is not None else None
    found = read_entry(path, key) if path is not None else None
    if isinstance(found, tuple):
        return found
    runs: list[RunRecord] = []
    for s in kept:
        try:
            runs.append(store.run(s.id))
        except RunRefused:  # a noted run whose note turned out bad: gone, warned of
            continue
        except StoreError:
            break  # pruned: so are all older ones
    flaky = flaky_tests(runs, targets)
    if path is not None:
        write_entry(path, key, flaky)
    return flaky


#: The modules whose code decides the flaky record (see :func:`entry_key`).
_FLAKY_CODE = ("evidence/flaky.py", "evidence/hashes.py", "history/runs_history.py")
