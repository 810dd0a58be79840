"""A live run's results are judged as they arrive, only for the items they can change; after
a whole-plan judgement again (a file that cannot be collected) the UI rests before judging.

The tests that run a real suite in the UI (test_app.py) reach these paths only by chance:
how many results arrive between two drains, and whether one falls while the UI waits,
depends on the machine's load. Then our own coverage figures differed between two runs of
the same code (docs/testing/plan.md is checked byte for byte). Here each path is driven on
purpose: the results are put in the UI's queue by hand, the app's clock is a fake one, and
no suite runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tracker.assess import Status
from tracker.tui import live_runs
from tracker.tui.launch import make_app
from tracker.tui.widgets.plan_tree import PlanTree

from .conftest import TODAY
from .test_live import event


class FakeClock:
    """``time`` for live_runs: ``monotonic()`` answers the times it is given, in order, then
    the last one again."""

    def __init__(self) -> None:
        self.times = [0.0]

    def monotonic(self) -> float:
        return self.times.pop(0) if len(self.times) > 1 else self.times[0]

    @contextmanager
    def at(self, *times: float) -> Iterator[None]:
        self.times = list(times)
        yield


def label(app, item_id: str) -> str:
    tree = app.query_one(PlanTree)
    return next(str(child.label) for node in tree.root.children for child in node.children
                if child.data is not None and child.data.id == item_id)


def mark(app, labels: dict[str, str]) -> None:
    """Relabel these items ``<label> (old)``: a relabelling by the app shows."""
    tree = app.query_one(PlanTree)
    for node in (child for phase in tree.root.children for child in phase.children):
        if node.data is not None and node.data.id in labels:
            node.set_label(labels[node.data.id] + " (old)")


async def test_results_rejudge_only_what_they_touch_and_wait_after_a_whole_judgement(
        project, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(live_runs, "time", clock)
    app = make_app(project / "plan.yaml", TODAY, watch=False)
    async with app.run_test(size=(120, 40)):
        monkeypatch.setattr(app, "run_worker_thread", lambda args: None)  # no real suite
        monkeypatch.setattr(app, "set_timer", lambda delay, callback: None)  # driven by hand
        before = {item: label(app, item) for item in ("payment-errors", "e2e", "asyncio")}
        assert before["payment-errors"].startswith(Status.FAILING.icon)  # the recorded run
        app.start_run([], "all tests")
        assert app.live is not None

        # the first results: the whole plan is judged, and the UI does not rest after it
        app.events.put({"event": "collected", "count": 4})
        app.events.put(event("test_declined_card"))
        with clock.at(100.0):
            app.drain_events()
        assert label(app, "payment-errors").startswith(Status.RUNNING.icon)  # 1 of 3 in

        # two more: judged at once, and only the item they can change is relabelled
        mark(app, before)
        app.events.put(event("test_card_errors[expired]"))
        app.events.put(event("test_card_errors[stolen]"))
        with clock.at(100.5):
            app.drain_events()
        assert label(app, "payment-errors").startswith(Status.DONE.icon)
        assert label(app, "e2e") == before["e2e"] + " (old)", "left as it was"
        assert label(app, "asyncio") == before["asyncio"] + " (old)", "left as it was"

        # nothing new: nothing judged again
        mark(app, {"payment-errors": label(app, "payment-errors")})
        with clock.at(101.0):
            app.drain_events()
        assert label(app, "payment-errors").endswith(" (old)")

        # a file that cannot be collected: the whole plan is judged again, which takes one
        # second, so the UI rests as long before judging the next results
        app.events.put({"event": "collect_error", "nodeid": "tests/test_broken.py",
                        "message": "SyntaxError"})
        with clock.at(102.0, 103.0, 103.0):
            app.drain_events()
        app.events.put(event("test_card_errors[expired]", "failed"))
        with clock.at(103.5):
            app.drain_events()  # received, waiting for the rest to end
        assert app.live.counts()["failed"] == 1
        assert not label(app, "payment-errors").startswith(Status.FAILING.icon)
        with clock.at(104.5):
            app._rested()  # the timer the UI set for the end of its rest
        assert label(app, "payment-errors").startswith(Status.FAILING.icon)
