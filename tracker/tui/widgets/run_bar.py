"""Progress of a live run: a bar and the counts so far."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from tracker.tui.format import OUTCOME_STYLE


class RunBar(Horizontal):
    """Hidden until a run starts; shows collected/finished tests and their outcomes.

    Its bar and counts are mounted when the first run starts: most sessions never run
    tests, and every widget on the first screen is styled and laid out before it shows.
    """

    DEFAULT_CSS = """
    RunBar { height: 1; display: none; padding: 0 1; }
    RunBar.-running { display: block; }
    RunBar ProgressBar { width: 40; }
    RunBar #run-counts { width: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._bar: ProgressBar | None = None
        self._counts: Static | None = None

    def start(self, label: str) -> None:
        starting = Text(f"starting: {label}", style="dim")
        if self._bar is None or self._counts is None:
            self._bar = ProgressBar(total=None, show_eta=False, id="run-progress")
            self._counts = Static(starting, id="run-counts")
            self.mount(self._bar, self._counts)
        else:
            self._bar.update(total=None, progress=0)
            self._counts.update(starting)
        self.add_class("-running")

    def progress(self, collected: int | None, counts: dict[str, int]) -> None:
        bar, shown = self._bar, self._counts
        if bar is None or shown is None or not (bar.is_mounted and shown.is_mounted):
            return  # mounting: the next tick shows the counts
        done = sum(counts.values())
        bar.update(total=collected or None, progress=done)
        text = Text(f"{done}/{collected or '?'} ")
        for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
            if counts.get(outcome):
                text.append(f" {counts[outcome]} {outcome}", style=OUTCOME_STYLE[outcome])
        text.append("   esc cancels", style="dim")
        shown.update(text, layout=False)  # one line of a set width: nothing moves

    def stop(self) -> None:
        self.remove_class("-running")
