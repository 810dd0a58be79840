"""Live runs in the terminal UI: starting and cancelling a suite, folding its streamed
results into the tree as they come, recording the run at the end.

The base class of :class:`~tracker.tui.app.TrackerApp`, kept in its own module so that the
app stays about layout and navigation. The suite runs in a worker thread that reads its
report every :data:`FOLLOW_SECONDS`; the events reach the UI through a queue, and the first
event put in an empty queue wakes the UI (a :class:`LiveNews` message) to drain it, so a
finished test waits for no timer. Provisional statuses come from ``assess`` (see
:mod:`tracker.tui.live`), never from here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import queue
import threading
import time
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Input

from tracker.assess import Assessment
from tracker.tui.format import user
from tracker.tui.snapshot import Snapshot
from tracker.tui.widgets.plan_header import PlanHeader
from tracker.tui.widgets.plan_tree import NodeRef, PlanTree
from tracker.tui.widgets.run_bar import RunBar

if TYPE_CHECKING:  # imported when a run starts: most sessions never run tests
    from tracker.tui.live import LiveJudge, LiveRun

#: how often a live run's report file is looked at (a stat call when nothing was added): a
#: finished test reaches the UI within this, and shows once the UI has judged it
FOLLOW_SECONDS = 0.01


#: during a live run the details pane follows the results at most this often: a pane of
#: many tests takes longer to lay out than judging their items, and the tree's labels,
#: which show each result, should not wait for it
DETAILS_SECONDS = 0.25


class LiveNews(Message):
    """Report events are waiting in the queue (posted from the run's worker thread)."""


class LiveRuns(App[int]):
    """Runs of the suite with their results shown live; the app supplies the rest."""

    good: Snapshot | None  #: the last snapshot that could be judged (set by the app)
    today: dt.date

    def __init__(self) -> None:
        super().__init__()
        self.live: LiveRun | None = None
        self.events: queue.SimpleQueue[dict[str, Any]] = queue.SimpleQueue()
        self.cancel = threading.Event()
        self.run_label = ""
        self._live_assessment: Assessment | None = None
        self._live_judge: LiveJudge | None = None  #: judges the run going on, if any
        self._live_dirty = False  #: results came in that the tree does not show yet
        self._assess_after = 0.0  #: monotonic time before which a live re-judgement waits
        self._woken = threading.Event()  #: a LiveNews is on its way: no need for another
        self._counts_shown: tuple[int | None, dict[str, int]] | None = None  #: in the bar
        self._resting = False  #: a timer drains the queue when the rest is over
        self._details_due = False  #: a timer shows the details of the latest judgement

    def current_assessment(self) -> Assessment | None:
        """The provisional assessment during a run, else the last good one."""
        return self._live_assessment or (self.good.assessment if self.good else None)

    # what the app itself shows and reloads (tracker.tui.app.TrackerApp)

    def show_details(self) -> None:
        raise NotImplementedError

    def filter_box(self) -> Input | None:
        raise NotImplementedError

    def action_reload(self) -> None:
        raise NotImplementedError

    # -- live runs ---------------------------------------------------------------------------

    def action_run_all(self) -> None:
        self.start_run([], "all tests")

    def action_run_selected(self) -> None:
        node = self.query_one(PlanTree).cursor_node
        assessment = self.current_assessment()
        if node is None or node.data is None or assessment is None:
            return
        ref: NodeRef = node.data
        items = ([assessment.item(ref.id)] if ref.kind == "item"
                 else assessment.phase_items(ref.phase_id))
        ids = sorted({t for ia in items if ia for t in ia.test_ids})
        if not ids:
            self.notify("nothing linked to run here", severity="warning")
            return
        self.start_run(ids, f"{len(ids)} tests of {ref.kind} {ref.id}")

    def start_run(self, args: list[str], label: str) -> None:
        if self.live is not None:
            self.notify("a run is already going; esc cancels it", severity="warning")
            return
        if self.good is None or self.good.assessment is None:
            return
        self.cancel.clear()
        from tracker.tui.live import LiveJudge, LiveRun

        assert self.good.plan is not None and self.good.evidence is not None
        self.live = LiveRun(started=dt.datetime.now(dt.UTC), scope=tuple(args))
        self.run_label = label
        self._counts_shown = None
        self.query_one(RunBar).start(label)
        self.run_worker_thread(args)  # pytest starts up meanwhile (its news waits for us)
        self._live_judge = LiveJudge(self.good.plan, self.good.evidence, self.today)
        # the whole plan judged once while pytest starts up, not when its first test
        # finishes: every linked item shows running, and the first results find the UI
        # ready to judge only what they change
        self._live_dirty, self._assess_after = True, 0.0
        self.call_later(self.drain_events)

    def action_cancel_run(self) -> None:
        box = self.filter_box()
        if box is not None and (box.has_focus or box.has_class("-visible") and not self.live):
            box.value = ""
            box.remove_class("-visible")
            self.query_one(PlanTree).focus()
            return
        if self.live is not None:
            self.cancel.set()
            self.notify("cancelling the run…")

    @work(thread=True, exclusive=True, group="run")
    def run_worker_thread(self, args: list[str]) -> None:
        from tracker.errors import StoreError
        from tracker.paths import default_store_path
        from tracker.runner import RunCancelled, RunError, run_suite, wants_contexts
        from tracker.store import Store

        snapshot = self.good
        assert snapshot is not None and snapshot.plan is not None
        root = snapshot.plan_path.resolve().parent
        message, severity = "", "information"
        try:
            with open(os.devnull, "w") as sink:
                outcome = run_suite(root, args, plan_coverage=snapshot.plan.coverage,
                                    output=sink, listener=self.take_event, cancel=self.cancel,
                                    contexts=wants_contexts(snapshot.plan),
                                    poll_seconds=FOLLOW_SECONDS)
            from tracker.pending import record_run

            def say(line: str) -> None:  # waiting for a locked store, from the worker thread
                self.call_from_thread(self.notify, line, severity="warning")

            noted: tuple[bool, str] | None = None
            with Store.open(default_store_path(root)) as store:  # kept aside first: never lost
                run_id = record_run(store, root, outcome.record, say)
                if snapshot.plan.runs.note:  # plan.yaml's runs: {note: true}, as `tracker run`
                    from tracker.history.run_notes import note_recorded

                    noted = note_recorded(root, store, run_id, outcome.record)
            counts = ", ".join(f"{n} {k}" for k, n in outcome.record.counts().items() if n)
            message = f"run {run_id} recorded: {counts or 'no tests'}"
            if noted is not None:
                message += "; " + ("noted on its commit" if noted[0] else
                                   noted[1].partition(" but ")[2] or noted[1])
        except RunCancelled:
            message, severity = "run cancelled: nothing recorded", "warning"
        except (RunError, StoreError) as exc:
            message, severity = str(exc), "error"
        self.call_from_thread(self.finish_run, message, severity)

    def take_event(self, event: dict[str, Any]) -> None:
        """A report event from the run (called in the run's worker thread): queued, and
        the UI woken unless a wake-up is on its way already."""
        self.events.put(event)
        if not self._woken.is_set():
            self._woken.set()
            if not self.post_message(LiveNews()):  # thread-safe, unlike most of Textual
                self._woken.clear()  # (the app is closing)

    def on_live_news(self, message: LiveNews) -> None:
        self._woken.clear()  # first: an event queued from now on wakes the UI again
        self.drain_events()

    def drain_events(self) -> None:
        """Fold streamed report events into the view (when woken by the run's news)."""
        live = self.live
        if live is None:
            return
        touched = False
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                break
            touched = live.feed(event) or touched
        counts = (live.collected, live.counts())
        if counts != self._counts_shown:
            self._counts_shown = counts
            self.query_one(RunBar).progress(*counts)
        now = time.monotonic()
        if touched:
            self._live_dirty = True
        if not self._live_dirty:
            return
        if now < self._assess_after:  # news while the UI rests: shown when it is over
            if not self._resting:
                self._resting = True
                self.set_timer(self._assess_after - now, self._rested)
            return
        self._live_dirty = False
        first = self._live_assessment is None  # judged while pytest starts: no need to rest
        if self.show_live(live) is None and not first:  # the whole plan judged again (a
            # file that cannot be collected): a while on a big plan, so the UI stays free
            # at least half of the time; the items a few results change take little, and
            # waiting would only delay the next results
            self._assess_after = time.monotonic() + (time.monotonic() - now)

    def _rested(self) -> None:
        self._resting = False
        with contextlib.suppress(NoMatches):  # the app is closing (quit mid-run)
            self.drain_events()

    def show_live(self, live: LiveRun) -> frozenset[str] | None:
        """Judge the results received so far (after the first time, only the items they can
        change) and relabel what was judged again; the ids of those items (None: all)."""
        assert self._live_judge is not None, "a live run has its judge"
        previous = self._live_assessment
        self._live_assessment, judged = self._live_judge.judge(live)
        assessment = self._live_assessment
        tree = self.query_one(PlanTree)
        tree.relabel(assessment, judged)
        if previous is None or (previous.done, previous.headline) != (
                assessment.done, assessment.headline):
            self.query_one(PlanHeader).show(assessment)
        node = tree.cursor_node
        if not self._details_due and _shows_any(node.data if node is not None else None,
                                                assessment, judged):
            self._details_due = True
            self.set_timer(DETAILS_SECONDS, self._show_details_due)
        return judged

    def _show_details_due(self) -> None:
        self._details_due = False
        if self.live is None:  # after the run, the reload that follows shows them
            return
        with contextlib.suppress(NoMatches):  # the app is closing (quit mid-run)
            self.show_details()

    def finish_run(self, message: str, severity: str) -> None:
        self.drain_events()
        self.live = None
        self._live_assessment = None
        self._live_judge = None
        self.query_one(RunBar).stop()
        # the message may quote a test id or a path: shown literally (markup off, cleaned)
        self.notify(user(message).plain, severity=severity,  # type: ignore[arg-type]
                    markup=False)
        self.action_reload()


def _shows_any(ref: NodeRef | None, assessment: Assessment,
               judged: frozenset[str] | None) -> bool:
    """Whether the details of ``ref`` show any of the items judged again (None: all): an
    item's own, or a phase's (its progress and open items); a section's never change."""
    if judged is None or ref is None:
        return True
    if ref.kind == "item":
        return ref.id in judged
    if ref.kind == "phase":
        return any(ia.phase_id == ref.phase_id for ia in assessment.items
                   if ia.item.id in judged)
    return False
