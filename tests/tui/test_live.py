"""A live run never shows an item done before all of its linked tests reported in that run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tracker.assess import Status
from tracker.pipeline import judge
from tracker.tui.live import LiveRun, provisional

from .conftest import TODAY

BASE = "tests/test_payments.py::"


def event(name: str, outcome: str = "passed") -> dict[str, object]:
    """A test's result as the plugin reports it (its markers as in the recorded runs)."""
    markers = ["payments", "errors"] if name.startswith("test_card_errors") else ["payments"]
    return {"event": "test", "nodeid": BASE + name, "outcome": outcome, "duration": 0.1,
            "markers": markers, "fixtures": [], "plan_items": []}


def live_status(project: Path, live: LiveRun, item: str = "payment-errors") -> tuple[str, str]:
    judged = judge(project / "plan.yaml", TODAY, git=False)
    assert judged.plan is not None and judged.evidence is not None
    ia = provisional(judged.plan, judged.evidence, live, TODAY).item(item)
    return ia.status.value, ia.reason


def test_an_item_is_running_until_its_last_linked_test_reports(project):
    """payment-errors links 3 cases; the recorded run had them passing but one."""
    live = LiveRun(started=dt.datetime.now(dt.UTC))
    live.feed({"event": "collected", "count": 4})
    assert live_status(project, live) == ("running", "running: 0 of 3 finished")
    live.feed(event("test_card_errors[expired]"))
    assert live_status(project, live) == ("running", "running: 1 of 3 finished")
    live.feed(event("test_card_errors[stolen]"))
    live.feed(event("test_declined_card"))
    status, reason = live_status(project, live)
    assert status == Status.DONE.value, reason
    live.feed({"event": "finish"})
    assert live_status(project, live)[0] == Status.DONE.value


def test_a_failure_reported_in_the_run_shows_at_once(project):
    live = LiveRun(started=dt.datetime.now(dt.UTC))
    live.feed(event("test_declined_card", "failed"))
    assert live_status(project, live)[0] == Status.FAILING.value


def test_a_run_of_other_tests_leaves_the_item_as_it_was(project):
    live = LiveRun(started=dt.datetime.now(dt.UTC), scope=("tests/test_other.py",))
    live.feed({"event": "collected", "count": 1})
    before = judge(project / "plan.yaml", TODAY, git=False).assessment
    assert before is not None
    assert live_status(project, live)[0] == before.item("payment-errors").status.value
