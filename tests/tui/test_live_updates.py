"""How a live run's results reach the tree: each report event wakes the UI (no timer to wait
for), the item shows running until its last linked test reported, and an update redraws only
the rows whose label changed.

The suite itself is not run here (``run_worker_thread`` does nothing): the events are put in
from another thread through ``take_event``, as the runner's report follower does.
"""

from __future__ import annotations

import threading
from pathlib import Path

from tracker.assess import Status
from tracker.tui.launch import make_app
from tracker.tui.widgets.plan_tree import PlanTree

from .conftest import TODAY, wait_until

BASE = "tests/test_payments.py::"


def event(name: str, outcome: str = "passed") -> dict[str, object]:
    """A test's result as the plugin reports it (its markers as in the recorded runs)."""
    markers = ["payments", "errors"] if name.startswith("test_card_errors") else ["payments"]
    return {"event": "test", "nodeid": BASE + name, "outcome": outcome, "duration": 0.1,
            "markers": markers, "fixtures": [], "plan_items": []}


def from_the_runner(app, *events: dict[str, object]) -> None:
    """Hand events to the app from a thread of its own, as the runner's follower does."""
    thread = threading.Thread(target=lambda: [app.take_event(e) for e in events])
    thread.start()
    thread.join()


def item_label(app, item_id: str):
    return app.query_one(PlanTree)._items[item_id].label


async def started(pilot, app) -> None:
    """Start a live run whose pytest never starts, and wait for its first judgement."""
    app.run_worker_thread = lambda args: None
    await pilot.press("r")
    await wait_until(pilot, lambda: app._live_assessment is not None)


async def test_each_result_wakes_the_ui_and_done_waits_for_the_last_test(project: Path):
    """payment-errors links three cases: running after two of them passed, done after the
    third, failing as soon as a failure is reported; nothing but the events' arrival makes
    the app look at the queue."""
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        assert str(item_label(app, "payment-errors")).startswith(Status.RUNNING.icon)
        from_the_runner(app, {"event": "collected", "count": 4},
                        event("test_card_errors[expired]"), event("test_card_errors[stolen]"))
        await wait_until(pilot, lambda: len(app.live.outcomes) == 2)
        label = str(item_label(app, "payment-errors"))
        assert label.startswith(Status.RUNNING.icon), label  # one linked test still to come
        from_the_runner(app, event("test_declined_card"))
        await wait_until(pilot, lambda: len(app.live.outcomes) == 3)
        assert str(item_label(app, "payment-errors")).startswith(Status.DONE.icon)
        from_the_runner(app, event("test_declined_card", "failed"))
        await wait_until(pilot, lambda: app.live.outcomes[BASE + "test_declined_card"]
                         .outcome == "failed")
        assert str(item_label(app, "payment-errors")).startswith(Status.FAILING.icon)


async def test_an_update_redraws_only_the_rows_whose_label_changed(project: Path):
    """A result judges payment-errors again; while it stays running its row keeps its label
    (and so do the other items and the phases); the result that makes it done redraws it."""
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        tree = app.query_one(PlanTree)
        rows = [*tree._items.values(), *tree._phases.values()]
        before = {id(node): node.label for node in rows}
        from_the_runner(app, event("test_card_errors[expired]"))
        await wait_until(pilot, lambda: len(app.live.outcomes) == 1)
        item = app._live_assessment.item("payment-errors")
        assert item.reason == "running: 1 of 3 finished"  # judged again: one more reported
        assert all(node.label is before[id(node)] for node in rows), "a label was redrawn"
        from_the_runner(app, event("test_card_errors[stolen]"), event("test_declined_card"))
        await wait_until(pilot, lambda: len(app.live.outcomes) == 3)
        redrawn = {node.data.id for node in rows if node.label is not before[id(node)]}
        assert redrawn == {"payment-errors", "1"}  # the item, and its phase's progress


async def test_one_wake_up_for_many_events_and_none_after_the_app_closed(project: Path):
    """Events queued while a wake-up is on its way ride on it; a wake-up that finds them
    taken already, or no run, does nothing (nor does the details pane's turn coming after
    the run); an event after the app closed wakes nothing.
    Driven on purpose: with events from the runner's thread, which of these paths a test
    reaches depends on the machine's timing (and our own coverage figures then moved)."""
    from tracker.tui.live_runs import LiveNews

    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await started(pilot, app)
        posted: list[object] = []
        real_post = app.post_message
        app.post_message = lambda message: posted.append(message) or real_post(message)
        app.take_event(event("test_card_errors[expired]"))
        app.take_event(event("test_card_errors[stolen]"))  # a wake-up is on its way
        assert len(posted) == 1
        await wait_until(pilot, lambda: len(app.live.outcomes) == 2)
        judged = app._live_assessment
        app.on_live_news(LiveNews())  # a late wake-up: nothing new to judge
        assert app._live_assessment is judged
        app.post_message = real_post
        app._show_details_due()  # the details pane's turn during the run: shown
        live, app.live = app.live, None
        app.drain_events()  # no run: nothing to fold in
        app._show_details_due()  # its turn after the run: left to the reload that follows
        app.live = live
    app._woken.clear()
    app.take_event(event("test_declined_card"))  # the app is gone: no wake-up is pending
    assert not app._woken.is_set()
    assert app.live is not None
    app._show_details_due()  # its turn coming while the app closes (quit mid-run): nothing
    app._assess_after = 0.0
    app._rested()  # nor the end of a rest, with a result waiting


async def test_the_details_pane_waits_only_for_results_it_shows(project: Path):
    """Which results make the details pane's turn come: an item's when it is shown, a phase's
    items' when the phase is, a whole re-judgement always, a section's never (driven here:
    in a live run the pane's pending turn decides whether the question is even asked)."""
    from tracker.tui.live_runs import _shows_any
    from tracker.tui.widgets.plan_tree import NodeRef

    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)):
        assessment = app.current_assessment()
    item = assessment.items[0]
    phase = item.phase_id
    judged = frozenset({item.item.id})
    assert _shows_any(NodeRef("item", item.item.id, phase), assessment, judged)
    assert not _shows_any(NodeRef("item", item.item.id, phase), assessment, frozenset())
    assert _shows_any(NodeRef("phase", phase, phase), assessment, judged)
    assert not _shows_any(NodeRef("phase", "elsewhere", "elsewhere"), assessment, judged)
    assert not _shows_any(NodeRef("section", "s", phase, 1), assessment, judged)
    assert _shows_any(NodeRef("section", "s", phase, 1), assessment, None)
    assert _shows_any(None, assessment, judged)
