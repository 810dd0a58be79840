"""A one-line live progress display for ``tracker run`` in a terminal."""

from __future__ import annotations

import time
from typing import IO, Any

from tracker.text import one_line


class ProgressLine:
    """Counts report events and redraws one status line, at most ten times a second."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.total: int | None = None
        self.counts: dict[str, int] = {}
        self.errors = 0
        self.last = ""
        self._drawn = 0.0
        self._width = 0

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "collected":
            self.total = int(event.get("count") or 0)
        elif kind == "test":
            outcome = str(event.get("outcome"))
            self.counts[outcome] = self.counts.get(outcome, 0) + 1
            self.last = one_line(str(event.get("nodeid", "")))
        elif kind == "collect_error":
            self.errors += 1
        now = time.monotonic()
        if now - self._drawn >= 0.1 or kind == "finish":
            self._drawn = now
            self.draw()

    def draw(self) -> None:
        done = sum(self.counts.values())
        total = f"/{self.total}" if self.total else ""
        parts = [f"{done}{total} tests"]
        for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
            if self.counts.get(outcome):
                parts.append(f"{self.counts[outcome]} {outcome}")
        if self.errors:
            parts.append(f"{self.errors} collection errors")
        line = "  " + " · ".join(parts)
        if self.last:
            line += f"  {self.last}"
        line = line[:119]
        self.stream.write("\r" + line.ljust(self._width))
        self._width = len(line)
        self.stream.flush()

    def close(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
