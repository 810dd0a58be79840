"""Judging change over time: what each item changed, the trend of the suite over commits, and
failures explained by flaky tests. Pure: the git log, the past runs and the flaky record come
in the evidence (:class:`tracker.evidence.bundle.ChangeEvidence`, ``Evidence.flaky``).

* An item's **delta** is :func:`tracker.evidence.deltas.item_delta`: the commit where its
  first linked test arrived, its targets' coverage and linked test count in the nearest run
  before that commit and now.
* The **trend** is one point per commit of the first-parent line with a run, oldest first,
  like with like, as ``tracker history`` compares rows: the commits whose run selected what
  the newest whole run selected (the same paths, ``-k``, ``-m``, ``--deselect``), or, for a
  project that never runs its whole suite, what its newest run selected; runs cut short
  never count. A commit whose figures equal the previous point's adds none: the streak keeps
  its first commit, so the commit that only updates the document (and CI's run on it) leaves
  the document as it was. At most :data:`TREND_POINTS`, the newest.
* A **flaky failure**: an item whose failing linked tests are all known to be flaky (their
  outcome varied over runs of unchanged code) is still failing, and says so: the failure may
  not be the code's fault, but nothing proves the code works either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from tracker.assess.verdicts import TrendPoint
from tracker.evidence.layering import INTERRUPTED
from tracker.evidence.pytest_args import selection

if TYPE_CHECKING:  # history's modules: imported only when history was gathered
    from tracker.evidence.bundle import ChangeEvidence
    from tracker.evidence.deltas import ItemDelta
    from tracker.evidence.flaky import Flaky
    from tracker.evidence.timeline import CommitRow
    from tracker.evidence.values import ItemEvidence

#: The most commits a trend shows (the newest): a chart of hundreds of points says no more.
TREND_POINTS = 40


def item_change(item_id: str, ev: ItemEvidence, changes: ChangeEvidence | None
                ) -> ItemDelta | None:
    """What the item changed; None when history was not gathered or the item links no test
    file (there is nothing whose arrival to tell)."""
    if changes is None or not ev.links and not ev.marked:
        return None
    known = changes.deltas.get(item_id)
    if known is not None and known[0] is ev:  # the same item judged again (a live run)
        return known[1]
    from tracker.evidence.deltas import item_delta  # imported once history is at hand

    delta = item_delta(item_id, ev, changes.log, changes.with_runs, changes.runs,
                       changes.current)
    changes.deltas[item_id] = (ev, delta)
    return delta


def trend(changes: ChangeEvidence | None) -> tuple[TrendPoint, ...]:
    """The trend's points, oldest first (see the module's rules)."""
    if changes is None:
        return ()
    rows = [r for r in changes.timeline.rows if r.exit_code != INTERRUPTED]
    reference = next((r for r in rows if not r.partial), rows[0] if rows else None)
    if reference is None:
        return ()
    key = selection(reference.args)
    points: list[TrendPoint] = []
    for row in reversed([r for r in rows if selection(r.args) == key]):  # oldest first
        if points and (points[-1].coverage, points[-1].tests) == (row.coverage, row.tests):
            continue  # nothing moved: the streak keeps its first commit
        points.append(_point(row))
    return tuple(points[-TREND_POINTS:])


def _point(row: CommitRow) -> TrendPoint:
    return TrendPoint(row.commit.sha, row.commit.sha[:7], row.coverage, row.tests)


def flaky_of(nodeids: tuple[str, ...], flaky: Mapping[str, Flaky]) -> tuple[Flaky, ...]:
    """The known-flaky tests among ``nodeids``, in the order given."""
    return tuple(flaky[n] for n in nodeids if n in flaky)


def flaky_failure(failed: tuple[str, ...], errors: tuple[str, ...],
                  flaky: Mapping[str, Flaky]) -> str | None:
    """The failing reason when every failure is a known-flaky test: "1 flaky test failed:
    test_x (failed 2 of 14 runs of unchanged code)"; None when any failure is not flaky or a
    linked file cannot be collected (a real problem, said as such)."""
    if not failed or errors or any(n not in flaky for n in failed):
        return None
    names = sorted(failed)
    shown = ", ".join(f"{n.split('::')[-1]} ({flaky[n].describe()})" for n in names[:3])
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    word = "test" if len(names) == 1 else "tests"
    return f"{len(names)} flaky {word} failed: {shown}{more}"
