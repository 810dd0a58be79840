"""Judging one item: its status and the reason in words, from its workspace evidence and
the run (when there is one).

The order of the rules is the order a reader needs them in: skipped and blocked claims,
nothing linked, stale, failing, what is missing, done.
"""
from __future__ import annotations

import datetime as dt
from operator import attrgetter

from tracker import metrics as measures
from tracker.assess.run_view import RunView, source_cases
from tracker.assess.verdicts import CLOSED, ItemAssessment, Status, Tally
from tracker.evidence.bundle import Evidence, LiveProgress
from tracker.evidence.results import (
    FAILING,
)
from tracker.evidence.values import ItemEvidence
from tracker.plan.model import Claim, Item, Phase
from tracker.problems import Problem, Severity


def judge_item(phase: Phase, item: Item, evidence: Evidence, view: RunView | None,
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
        count = sum(source_cases(static, t) for t in test_ids)
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

