"""Progress of a live run: a bar and the counts so far."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from tracker.tui.format import OUTCOME_STYLE


class RunBar(Horizontal):
    """Hidden until a run starts; shows collected/finished tests and their outcomes."""

    DEFAULT_CSS = """
    RunBar { height: 1; display: none; padding: 0 1; }
    RunBar.-running { display: block; }
    RunBar ProgressBar { width: 40; }
    RunBar #run-counts { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=None, show_eta=False, id="run-progress")
        yield Static(id="run-counts")

    def start(self, label: str) -> None:
        self.add_class("-running")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.query_one("#run-counts", Static).update(Text(f"starting: {label}", style="dim"))

    def progress(self, collected: int | None, counts: dict[str, int]) -> None:
        done = sum(counts.values())
        self.query_one(ProgressBar).update(total=collected or None, progress=done)
        text = Text(f"{done}/{collected or '?'} ")
        for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
            if counts.get(outcome):
                text.append(f" {counts[outcome]} {outcome}", style=OUTCOME_STYLE[outcome])
        text.append("   esc cancels", style="dim")
        self.query_one("#run-counts", Static).update(text)

    def stop(self) -> None:
        self.remove_class("-running")
