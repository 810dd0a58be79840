"""The document's view of change over time: what an item changed, the trend chart, the flaky tests.

Only displays what :mod:`tracker.assess.changes` decided. The chart is a Mermaid
``xychart-beta`` block (GitHub renders it; elsewhere it reads as its numbers): one chart of
coverage and one of the test count, since they share no scale, with the commits' short ids
as the x axis, oldest first. Every value comes from git and the recorded runs, never from the
clock or the machine, so the bytes are the same wherever the document is rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.assess import ItemAssessment, TrendPoint
from tracker.text import md_code, md_inline

if TYPE_CHECKING:  # read with the history of runs only
    from tracker.evidence.flaky import Flaky

#: A trend needs two points; one commit's figures are already in the metrics.
MIN_POINTS = 2


def delta_part(ia: ItemAssessment) -> str:
    """The item line's part saying what the item changed; "" when there is nothing to say
    (no gathered history, or none of its tests is committed yet)."""
    d = ia.delta
    if d is None or d.arrival is None:
        return ""
    return f"changed: {md_inline(d.describe())}"


def trend_section(points: tuple[TrendPoint, ...]) -> list[str]:
    """"## Trend" with the two charts, or nothing when fewer than two commits have runs."""
    if len(points) < MIN_POINTS:
        return []
    labels = ", ".join(f'"{p.short}"' for p in points)
    coverage = [p.coverage for p in points]
    tests = [p.tests for p in points]
    out = ["## Trend", "",
           f"Coverage and test count at the last {len(points)} commits with a run "
           "(first-parent history, oldest first; runs of the same selection of the suite).",
           ""]
    if any(c is not None for c in coverage):
        out += ["```mermaid", "xychart-beta", '    title "Coverage (%)"',
                f"    x-axis [{labels}]", '    y-axis "Coverage (%)" 0 --> 100',
                f"    line [{', '.join(_number(c) for c in coverage)}]", "```", ""]
    top = max(max(tests), 1)
    out += ["```mermaid", "xychart-beta", '    title "Tests"', f"    x-axis [{labels}]",
            f'    y-axis "Tests" 0 --> {top}', f"    bar [{', '.join(map(str, tests))}]",
            "```", ""]
    return out


def _number(value: float | None) -> str:
    """A chart value: one decimal; a commit whose run measured nothing is drawn at 0."""
    return "0" if value is None else f"{value:.1f}"


def flaky_section(flaky: tuple[Flaky, ...]) -> list[str]:
    """"## Flaky tests": each test known to be flaky, with its record."""
    if not flaky:
        return []
    out = ["## Flaky tests", "",
           "Tests whose outcome changed between runs of unchanged code (the same test file, "
           "conftest.py files and targets):", ""]
    out += [f"- {md_code(f.nodeid)}: {md_inline(f.describe())}" for f in flaky]
    return [*out, ""]
