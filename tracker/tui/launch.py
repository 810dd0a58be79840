"""The one factory of the terminal UI, shared by ``tracker`` and the tests.

It lives apart from tracker.tui.app so that importing it does not import Textual: the plan's
snapshot is started first (in a child process, see tracker.tui.prefetch) and Textual is
imported while it is taken.
"""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.tui.prefetch import PendingSnapshot

if TYPE_CHECKING:
    from tracker.tui.app import TrackerApp


def make_app(plan_path: Path, today: dt.date | None = None, *, watch: bool = True) -> TrackerApp:
    """The app on ``plan_path`` as of ``today``: used by ``tracker`` and by the tests."""
    day = today or dt.date.today()
    pending = PendingSnapshot(plan_path, day)
    try:
        from tracker.tui.app import TrackerApp
    except BaseException:
        pending.abandon()
        raise
    return TrackerApp(pending.result(), day, watch=watch)


def run_until_quit(app: TrackerApp, **options: Any) -> int:
    """Run ``app`` (``options`` go to ``App.run``) and return its exit code; the process ends next.

    Everything still alive is frozen out of the cyclic collector first: the interpreter's
    last collections at exit would walk the whole plan, its evidence and the widgets again
    only to free them, which made quitting a big plan take a quarter of a second.
    """
    app.run(**options)
    gc.freeze()
    return app.return_code or 0
