"""The judgement, with explicit evidence and an explicit today: no clock, no files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tracker.assess import Status, assess, phase_window
from tracker.evidence.bundle import Evidence
from tracker.evidence.values import CheckResult, ItemEvidence, LinkResult, Workspace
from tracker.plan.load import load_plan_text

PLAN = """\
title: T
created: 2026-03-02
review: {next: 2026-03-16, every: 14d, reviewers: [Lead]}
phases:
  - id: "1"
    title: One
    weeks: 1-2
    items:
      - {id: files-ok, text: A, files: [{path: a}]}
      - {id: files-bad, text: B, files: [{path: a}, {absent: b}]}
      - {id: tests, text: C, tests: [tests/test_c.py]}
      - {id: none-resolve, text: D, tests: [tests/test_d.py]}
      - {id: manual, text: E, status: done, note: PR 1}
      - {id: skipped, text: F, status: skipped, note: later}
      - {id: untouched, text: G}
      - {id: few, text: H, tests: [tests/test_c.py], expect: {min_tests: 5}}
      - {id: claimed-wrong, text: I, status: done, files: [{absent: b}]}
  - id: "2"
    title: Two
    start: 2026-04-01
    due: 2026-04-10
    items:
      - {id: two, text: J, files: [{path: a}]}
"""


def _evidence(plan) -> Evidence:
    def check(item_id: str, i: int, ok: bool) -> CheckResult:
        item = plan.item(item_id)
        return CheckResult(item.files[i], ok, "ok" if ok else "missing")

    def link(item_id: str, tests: tuple[str, ...]) -> LinkResult:
        item = plan.item(item_id)
        return LinkResult(item.tests[0], tests, (), None if tests else "no such file")

    items = {
        "files-ok": ItemEvidence(checks=(check("files-ok", 0, True),)),
        "files-bad": ItemEvidence(checks=(check("files-bad", 0, True),
                                          check("files-bad", 1, False))),
        "tests": ItemEvidence(links=(link("tests", ("tests/test_c.py::test_a",
                                                    "tests/test_c.py::test_b")),)),
        "none-resolve": ItemEvidence(links=(link("none-resolve", ()),)),
        "few": ItemEvidence(links=(link("few", ("tests/test_c.py::test_a",)),)),
        "claimed-wrong": ItemEvidence(checks=(check("claimed-wrong", 0, False),)),
        "two": ItemEvidence(checks=(check("two", 0, True),)),
    }
    return Evidence(workspace=Workspace(root=Path("."), items=items),
                    plan_updated=dt.date(2026, 3, 5))


def judge(today: dt.date):
    plan = load_plan_text(PLAN, "plan.yaml").plan
    assert plan is not None
    return assess(plan, _evidence(plan), today)


def test_statuses_are_earned_by_evidence():
    a = judge(dt.date(2026, 3, 10))
    status = {i.item.id: i.status for i in a.items}
    assert status == {
        "files-ok": Status.DONE,
        "files-bad": Status.IN_PROGRESS,
        "tests": Status.IN_PROGRESS,  # tests exist but have not run yet
        "none-resolve": Status.TODO,
        "manual": Status.CLAIMED,
        "skipped": Status.SKIPPED,
        "untouched": Status.TODO,
        "few": Status.IN_PROGRESS,
        "claimed-wrong": Status.TODO,
        "two": Status.DONE,
    }
    reasons = {i.item.id: i.reason for i in a.items}
    assert reasons["tests"] == "2 tests found, not yet run"
    assert reasons["few"] == "1 of 5 tests; 1 test found, not yet run"
    assert "1 of 2 file checks fail" in reasons["files-bad"]


def test_claims_never_count_as_done_and_are_warned_about():
    a = judge(dt.date(2026, 3, 10))
    assert a.phases[0].done == 1
    warned = {w.message.split("'")[1] for w in a.warnings}
    assert warned == {"manual", "claimed-wrong"}


def test_phase_windows_and_lateness():
    plan = load_plan_text(PLAN, "plan.yaml").plan
    assert phase_window(plan, plan.phases[0]) == (dt.date(2026, 3, 2), dt.date(2026, 3, 15))
    before = judge(dt.date(2026, 3, 15))
    assert before.phases[0].days_late == 0 and before.phases[0].days_left == 0
    after = judge(dt.date(2026, 3, 20))
    assert after.phases[0].days_late == 5 and after.phases[0].state == "late"
    assert after.phases[1].complete and not after.phases[1].late
    late_items = {i.item.id: i.days_late for i in after.items if i.days_late}
    assert "files-ok" not in late_items and "skipped" not in late_items
    assert late_items["untouched"] == 5


def test_review_due_and_overdue():
    assert judge(dt.date(2026, 3, 10)).review.describe() == "in 6 days"
    assert judge(dt.date(2026, 3, 10)).review.due_soon
    assert judge(dt.date(2026, 3, 16)).review.describe() == "due today"
    overdue = judge(dt.date(2026, 3, 28)).review
    assert overdue.overdue and overdue.describe() == "OVERDUE by 12 days"


def test_headline():
    assert judge(dt.date(2026, 3, 10)).headline == "Phase 1 of 2 in progress"
    empty = load_plan_text("title: T\nphases:\n  - {id: a, title: A, items: [{id: x, text: X}]}\n",
                           "p.yaml").plan
    ev = Evidence(workspace=Workspace(root=Path(".")))
    assert assess(empty, ev, dt.date(2026, 1, 1)).headline == "Not started"
