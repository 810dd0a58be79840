"""Judging one item: its status and the reason in words, from its workspace evidence and
the run (when there is one).

The order of the rules is the order a reader needs them in: skipped and blocked claims,
nothing linked, stale, failing, what is missing, done.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from operator import attrgetter
from typing import TYPE_CHECKING

from tracker import metrics as measures
from tracker.assess.changes import flaky_failure, flaky_of, item_change
from tracker.assess.quality import Finding, findings
from tracker.assess.run_view import RunView, source_cases
from tracker.assess.verdicts import CLOSED, ItemAssessment, Status, Tally
from tracker.evidence.bundle import Evidence, LiveProgress
from tracker.evidence.values import ItemEvidence, StaticTest
from tracker.plan.model import Claim, Item, Phase
from tracker.problems import Problem, Severity

if TYPE_CHECKING:  # read with the history of runs only
    from tracker.evidence.flaky import Flaky


class SourceTests:
    """The tests the source shows for an item's links, and how many cases and files they
    are, worked out once per distinct link (big plans link many items alike)."""

    def __init__(self, static: dict[str, StaticTest]) -> None:
        self.static = static
        self._known: dict[tuple[str, ...], tuple[int, frozenset[str]]] = {}
        #: by item evidence (kept, so its id stays its own): live runs judge items again
        self._items: dict[int, tuple[ItemEvidence, tuple[tuple[str, ...], int, int]]] = {}

    def of(self, ev: ItemEvidence) -> tuple[tuple[str, ...], int, int]:
        """The linked tests (:meth:`ItemEvidence.test_ids`), their cases and their files."""
        known = self._items.get(id(ev))
        if known is None or known[0] is not ev:
            known = self._items[id(ev)] = (ev, self._of(ev))
        return known[1]

    def _of(self, ev: ItemEvidence) -> tuple[tuple[str, ...], int, int]:
        test_ids = ev.test_ids()
        parts = [self._part(link.tests) for link in ev.links]
        if ev.marked:
            parts.append(self._part(ev.marked))
        if sum([len(link.tests) for link in ev.links]) + len(ev.marked) != len(test_ids):
            part = self._part(test_ids)  # links overlap: each test counts once
            return test_ids, part[0], len(part[1])
        if len(parts) == 1:
            return test_ids, parts[0][0], len(parts[0][1])
        return (test_ids, sum([cases for cases, _ in parts]),
                len(frozenset().union(*[files for _, files in parts])))

    def _part(self, tests: tuple[str, ...]) -> tuple[int, frozenset[str]]:
        known = self._known.get(tests)
        if known is None:
            static = self.static
            known = self._known[tests] = (sum([source_cases(static, t) for t in tests]),
                                          frozenset([t.partition("::")[0] for t in tests]))
        return known


def judge_item(phase: Phase, item: Item, evidence: Evidence, view: RunView | None,
               today: dt.date, phase_due: dt.date | None,
               sources: SourceTests | None = None,
               flaky: Mapping[str, Flaky] | None = None) -> ItemAssessment:
    """One item judged; its warnings follow from the result (:func:`claim_warnings`,
    :func:`unmatched_links`), so judging an item again replaces them too. ``sources``:
    shared by the items of one judgement (made here when not given); ``flaky``: the
    known-flaky tests by node id."""
    ev = evidence.workspace.items.get(item.id, _NO_EVIDENCE)
    sources = sources or SourceTests(evidence.workspace.tests)
    test_ids, source_count, source_files = sources.of(ev)
    link_cases = _link_cases(ev, view)
    tally = coverage = counts = unmeasured = own = None
    stale: tuple[str, ...] = ()
    if view is not None:
        tally = view.tally(item.id, ev)
        stale = view.stale(ev, tally)
        coverage, counts = view.target_coverage(ev)
        unmeasured = view.coverage_unknown(ev)
        if unmeasured:
            coverage = counts = None
        else:
            figure = view.own_coverage(ev, tally)
            own = figure.percent if figure is not None else None
        count = len(tally.outcomes) + tally.not_run_cases
        files = len(tally.files)
    else:
        count, files = source_count, source_files
    found = findings(item, ev, evidence.workspace.quality, evidence.workspace.tests)
    status, reason = _judge(item, ev, count, files, tally, stale, coverage, link_cases,
                            unmeasured, found, own)
    known_flaky: tuple[Flaky, ...] = ()
    if flaky and tally is not None:
        known_flaky = flaky_of(tuple(o.nodeid for o in tally.outcomes), flaky)
        if status is Status.FAILING:
            reason = flaky_failure(tuple(o.nodeid for o in tally.failed),
                                   tally.collection_errors, flaky) or reason
    if evidence.live is not None and tally is not None:
        status, reason = _while_running(status, reason, tally, evidence.live)
    due = item.due or phase_due
    days_left = (due - today).days if due else None
    days_late = -days_left if days_left is not None and days_left < 0 and status not in CLOSED \
        else 0
    return ItemAssessment(item=item, phase_id=phase.id, status=status, reason=reason,
                          evidence=ev, test_ids=test_ids, test_count=count, test_files=files,
                          due=due, days_late=days_late, tally=tally, target_coverage=coverage,
                          target_counts=counts, stale_files=stale,
                          own_coverage=own,
                          link_cases=link_cases, days_left=days_left, quality=found,
                          delta=item_change(item.id, ev, evidence.changes), flaky=known_flaky)


def claim_warnings(ia: ItemAssessment) -> list[Problem]:
    """What a document warns of an item: a claim of done the evidence does not back."""
    item, status = ia.item, ia.status
    if item.claim is Claim.DONE and status is not Status.DONE and status is not Status.CLAIMED:
        return [Problem(item.location, f"item {item.id!r} is claimed done but the evidence "
                                       f"says {status.value}: {ia.reason}", Severity.WARNING)]
    if status is Status.CLAIMED:
        return [Problem(item.location, f"item {item.id!r} is claimed done with no evidence: "
                                       "link tests or files to prove it", Severity.WARNING)]
    return []


def unmatched_links(ia: ItemAssessment) -> list[Problem]:
    """The item's test links that match nothing in the source nor in the run."""
    if not ia.evidence.links or all(ia.link_cases):
        return []
    return [Problem(link.link.location, f"test link {str(link.link)!r} matches nothing: "
                                        f"{link.problem or 'no test'}", Severity.WARNING)
            for link, cases in zip(ia.evidence.links, ia.link_cases, strict=True) if not cases]


_NO_EVIDENCE = ItemEvidence()


def _while_running(status: Status, reason: str, tally: Tally,
                   live: LiveProgress) -> tuple[Status, str]:
    """An item's status while a run is going: running until every linked test the run was
    asked to run has reported (a failure reported already is shown as failing)."""
    reported = live.reported.__contains__
    if live.scope:
        linked = [*map(_NODEID, tally.outcomes), *tally.not_run]
        in_scope = [t for t in linked if live.covers(t)]
        total, finished = len(in_scope), sum(map(reported, in_scope))
    else:  # the whole suite: every linked test, counted at C speed (items link hundreds)
        total = len(tally.outcomes) + len(tally.not_run)
        finished = (sum(map(reported, map(_NODEID, tally.outcomes)))
                    + sum(map(reported, tally.not_run)))
    if finished == total or status is Status.FAILING and any(
            reported(o.nodeid) for o in tally.failed):
        return status, reason
    return Status.RUNNING, f"running: {finished} of {total} finished"


_NODEID = attrgetter("nodeid")


def _link_cases(ev: ItemEvidence, view: RunView | None) -> tuple[int, ...]:
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



def _judge(item: Item, ev: ItemEvidence, count: int, files: int, tally: Tally | None,
           stale: tuple[str, ...], coverage: float | None,
           link_cases: tuple[int, ...], unmeasured: str | None = None,
           found: tuple[Finding, ...] = (), own: float | None = None) -> tuple[Status, str]:
    """Status and the reason in words, from workspace evidence and the latest run;
    ``unmeasured`` says why the targets' coverage is unknown when a run cannot tell;
    ``found``: the quality and complexity thresholds, measured; ``own`` is what the item's
    own tests cover of its targets, when the run knows."""
    if item.claim is Claim.SKIPPED:  # the status says it: the reason is the note's
        return Status.SKIPPED, item.note or "no reason given"
    if item.claim is Claim.BLOCKED:
        return Status.BLOCKED, item.note or "no reason given"
    ran = tally.outcomes if tally else ()
    has_links = bool(item.tests or ev.marked or ran)
    if not has_links and not item.files and not found:
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
    if unresolved:  # "1 of 1 test links match nothing" said a count that is none
        missing.append("the test link matches nothing" if len(ev.links) == 1
                       else f"{unresolved} of {len(ev.links)} test links match nothing")
    failed_checks = [c for c in ev.checks if not c.ok]
    if failed_checks:
        first = failed_checks[0]
        failed = ("the file check fails" if len(ev.checks) == 1
                  else f"{len(failed_checks)} of {len(ev.checks)} file checks fail")
        missing.append(f"{failed} ({first.check}: {first.detail})")
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
            missing.append(_skipped_reason(tally))
        if tally.count("xpassed"):
            missing.append(f"{tally.count('xpassed')} marked xfail but passed")
    target = item.expect.target_coverage
    if target is not None:
        if coverage is None:
            missing.append(unmeasured or ("coverage of targets not measured" if tally else
                                          "coverage of targets not yet measured"))
        elif coverage + 1e-9 < target:
            missing.append(f"targets covered {measures.percent(coverage)} of {target:g}%")
    missing.extend(f.reason() for f in found if not f.met)
    wanted = item.expect.own_coverage
    if wanted is not None:
        if own is None:
            if not (unmeasured and target is not None):  # else said once, just above
                missing.append(unmeasured or (
                    "coverage of targets by its own tests not measured: needs a `tracker run` "
                    "of its tests" if tally else
                    "coverage of targets by its own tests not yet measured"))
        elif own + 1e-9 < wanted:
            missing.append(f"its own tests cover {measures.percent(own)} of the targets, "
                           f"{wanted:g}% expected")
    found_any = (bool(ran) or bool(count) or any(c.ok for c in ev.checks)
                 or any(f.value is not None for f in found))
    if not found_any:
        return Status.TODO, "; ".join(missing) or "no evidence yet"
    if missing:
        return Status.IN_PROGRESS, "; ".join(missing)
    done = _done_reason(ev, tally, coverage, unmeasured, own)
    if found:
        done = "; ".join([*([done] if done != "evidence complete" else []),
                          *(f.words() for f in found)])
    return Status.DONE, done


def _not_run_reason(tally: Tally) -> str:
    """"3 linked tests did not run (2 deselected): test_a[2], test_b, test_c"."""
    text = f"{_plural(tally.not_run_cases, 'linked test')} did not run"
    if tally.deselected:
        text += (" (deselected)" if len(tally.deselected) == len(tally.not_run)
                 else f" ({len(tally.deselected)} deselected)")
    names = [nodeid.split("::")[-1] for nodeid in sorted(tally.not_run)[:3]]
    more = f" and {len(tally.not_run) - 3} more" if len(tally.not_run) > 3 else ""
    return f"{text}: {', '.join(names)}{more}"


def _skipped_reason(tally: Tally) -> str:
    """"2 skipped: test_a, test_b (needs cryptography)": which tests, and the first one's
    reason, so that a reader knows whether the skip is the machine's or the test's."""
    skipped = sorted((o for o in tally.outcomes if o.outcome in ("skipped", "xfailed")),
                     key=attrgetter("nodeid"))
    kinds = [f"{tally.count(kind)} {kind}" for kind in ("skipped", "xfailed")
             if tally.count(kind)]
    names = ", ".join(o.nodeid.split("::")[-1] for o in skipped[:3])
    more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    why = f" ({skipped[0].message})" if skipped[0].message else ""
    return f"{' and '.join(kinds)}: {names}{more}{why}"


def _failing_reason(tally: Tally) -> str:
    # sorted: the same words however the tests were run
    failed = sorted(tally.failed, key=attrgetter("nodeid"))
    parts = []
    if failed:
        names = ", ".join(o.nodeid.split("::")[-1] for o in failed[:3])
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        parts.append(f"{len(failed)} of {len(tally.outcomes)} failing: {names}{more}")
    if tally.collection_errors:
        parts.append(f"cannot be collected: {tally.collection_errors[0]}")
    return "; ".join(parts)


def _done_reason(ev: ItemEvidence, tally: Tally | None, coverage: float | None,
                 unmeasured: str | None, own: float | None = None) -> str:
    parts = []
    if tally is not None and tally.outcomes:
        n = len(tally.outcomes)
        parts.append("1 test, passing" if n == 1 else f"{n} tests, all passing")
    if ev.checks:
        parts.append("the file check holds" if len(ev.checks) == 1
                     else f"all {len(ev.checks)} file checks hold")
    if coverage is not None:
        text = f"targets covered {measures.percent(coverage)}"
        if own is not None:
            text += f", by its own tests {measures.percent(own)}"
        parts.append(text)
    elif unmeasured:
        parts.append(unmeasured)
    return "; ".join(parts) or "evidence complete"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"

