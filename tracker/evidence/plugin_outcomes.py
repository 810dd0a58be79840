"""What one test's reports say: its outcome and the message why, as the report records them.

Part of tracker's pytest plugin (:mod:`tracker.evidence.pytest_plugin`), kept apart because
the rules (which phase wins, which line of a failure names it) change on their own, and are
tested on their own, while the recorder's plumbing stays. Loaded into users' test runs:
imports pytest and our plain values only.
"""

from __future__ import annotations

from typing import Any

import pytest

from tracker.evidence.results import OUTCOMES

#: Longest message kept, in characters; longer first lines are cut with an ellipsis.
MAX_MESSAGE = 1000

_RANK = {outcome: rank for rank, outcome in enumerate(OUTCOMES)}


def worker_of(report: pytest.TestReport) -> Any:
    """Which xdist worker ran the report (None when serial), so `--dist each` keeps apart."""
    worker = getattr(report, "worker_id", None)
    if worker is None:
        gateway = getattr(getattr(report, "node", None), "gateway", None)
        worker = getattr(gateway, "id", None)
    return worker


def _phase_outcome(report: pytest.TestReport) -> tuple[str | None, str | None]:
    """What one phase says about the test, and why; (None, None) for a passing setup or
    teardown, which says nothing."""
    wasxfail = getattr(report, "wasxfail", None)
    if report.failed:
        kind = "failed" if report.when in ("call", "???") else "error"
        return kind, failure_message(report.longrepr)
    if report.skipped:
        if wasxfail is not None:
            return "xfailed", _xfail_reason(wasxfail)
        return "skipped", skip_reason(report.longrepr)
    if report.when == "call":
        if wasxfail is not None:
            return "xpassed", _xfail_reason(wasxfail)
        return "passed", None
    return None, None


def verdict(reports: list[pytest.TestReport]) -> tuple[str | None, str | None]:
    """The worst phase outcome, per OUTCOMES, with its message (the first phase wins ties)."""
    best: tuple[str | None, str | None] = (None, None)
    for report in reports:
        outcome, message = _phase_outcome(report)
        if outcome is not None and (best[0] is None or _RANK[outcome] < _RANK[best[0]]):
            best = (outcome, message)
    return best


def _first_line(text: object) -> str | None:
    for line in str(text).splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"
    return None


def failure_message(longrepr: object) -> str | None:
    """First line of a failure: the crash message when pytest has one, else the least indented
    ``E`` line of the text (syntax/import errors, missing fixtures), else its first line."""
    if longrepr is None:
        return None
    crash = getattr(longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    if message:
        return _first_line(message)
    if isinstance(longrepr, (tuple, list)) and len(longrepr) == 3:
        return _first_line(longrepr[2])
    text = str(longrepr)
    # pytest marks the exception's lines with "E"; the least indented one names it
    # ("E   SyntaxError: ..." below "E     File ..., line 1").
    flagged = [line[1:] for line in text.splitlines() if line.startswith("E ") and line[1:].strip()]
    if flagged:
        return _first_line(min(flagged, key=lambda line: len(line) - len(line.lstrip())))
    return _first_line(text)


def skip_reason(longrepr: object) -> str | None:
    if isinstance(longrepr, (tuple, list)) and len(longrepr) == 3:
        reason = _first_line(longrepr[2])
    else:
        reason = failure_message(longrepr)
    if reason and reason.startswith("Skipped: "):
        reason = reason[len("Skipped: "):]
    return reason or None


def _xfail_reason(wasxfail: object) -> str | None:
    reason = _first_line(wasxfail)
    if reason and reason.startswith("reason: "):  # pytest < 8 prefixed imperative xfails
        reason = reason[len("reason: "):]
    return reason or None
