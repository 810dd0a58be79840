"""Metric values measured from a run, and targets evaluated against them. Pure functions."""

from __future__ import annotations

import fnmatch
import posixpath

from tracker.evidence.results import FileCoverage, RunRecord
from tracker.plan.measures import Measure
from tracker.plan.model import Target

#: measures whose values are percentages (targets like ">= 90" mean percent)
PERCENT = {"coverage.total", "coverage.file", "coverage.files", "tests.pass_rate",
           "tests.ratio"}
SECONDS = {"tests.duration"}


def coverage_of(files: list[FileCoverage]) -> float | None:
    """Statement+branch coverage of some files together; None when none was measured."""
    total = sum(f.statements + f.branches for f in files)
    if not files:
        return None
    if not total:
        return 100.0
    covered = sum(f.covered_statements + f.branches - f.missing_branches for f in files)
    return 100.0 * covered / total


def measure_value(measure: Measure, run: RunRecord) -> float | None:
    """The value of a measure in a run; None when the run does not tell."""
    counts = run.counts()
    count = len(run.outcomes)
    match measure.name:
        case "coverage.total":
            return run.coverage_total()
        case "coverage.file":  # "./src/a.py" is src/a.py; ".github/a.py" keeps its dot
            path = posixpath.normpath(measure.arg or "")
            return coverage_of([f for f in run.coverage if f.path == path])
        case "coverage.files":
            pattern = posixpath.normpath(measure.arg or "*")
            return coverage_of([f for f in run.coverage if fnmatch.fnmatchcase(f.path, pattern)])
        case "tests.count":
            return float(count)
        case "tests.passed":
            return float(counts["passed"])
        case "tests.failed":
            return float(counts["failed"] + counts["error"])
        case "tests.pass_rate":
            ran = count - counts["skipped"] - counts["xfailed"]  # neither proves nor fails
            return 100.0 * counts["passed"] / ran if ran else None
        case "tests.ratio":
            if not count:
                return None
            marked = sum(1 for o in run.outcomes if measure.arg in o.markers)
            return 100.0 * marked / count
        case "tests.duration":
            return (run.finished - run.started).total_seconds()
    return None


def meets(value: float, target: Target) -> bool:
    """Whether ``value`` satisfies ``target`` (both in the measure's base unit)."""
    match target.op:
        case ">=":
            return value >= target.value - 1e-9
        case ">":
            return value > target.value
        case "<=":
            return value <= target.value + 1e-9
        case "<":
            return value < target.value
        case _:
            return abs(value - target.value) < 1e-9


def display(measure: Measure, value: float | None) -> str:
    """A value in words: "87.5%", "1,234", "4 min 12 s"."""
    if value is None:
        return "not measured in the latest run"
    if measure.name in PERCENT:
        return percent(value)
    if measure.name in SECONDS:
        return duration_text(value)
    return f"{value:,.0f}"


def percent(value: float, precision: int = 1) -> str:
    """A percentage as coverage.py shows one: rounded, except that it never reads 100 unless
    it is 100, nor 0 unless it is 0 (99.968% is "99.9%", not "100.0%", when a project's
    ``fail_under = 100`` fails). Judging always compares the unrounded value."""
    smallest = 10.0 ** -precision
    if 0 < value < smallest:
        value = smallest
    elif 100 - smallest < value < 100:
        value = 100 - smallest
    return f"{value:.{precision}f}%"


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
