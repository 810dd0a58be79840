"""Metric values measured from a run, and targets evaluated against them. Pure functions."""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.plan.measures import Measure
from tracker.plan.model import Target

if TYPE_CHECKING:  # runs are only named here: judging without one never imports them
    from tracker.evidence.results import FileCoverage, RunRecord

#: measures whose values are percentages (targets like ">= 90" mean percent)
PERCENT = {"coverage.total", "coverage.file", "coverage.files", "tests.pass_rate",
           "tests.ratio"}
#: measures whose values are averages, shown with decimals ("1.75")
AVERAGES = {"quality.assertions_per_test", "quality.mocks_per_test"}
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


@dataclass(frozen=True, slots=True)
class CoverageCounts:
    """The counts behind a coverage percentage, so a reviewer can check it against
    ``coverage report`` (which shows statements alone unless branches are measured)."""

    statements: int  #: executable statements measured
    covered_statements: int  #: of them, executed
    branches: int = 0  #: branch destinations measured (0 without ``--cov-branch``)
    covered_branches: int = 0  #: of them, taken

    @property
    def percent(self) -> float:
        """Statement+branch coverage, as coverage.py's report computes it."""
        total = self.statements + self.branches
        return 100.0 * (self.covered_statements + self.covered_branches) / total if total \
            else 100.0

    def words(self) -> str:
        """"statements 410/430, branches 52/76" (branches only when measured)."""
        text = f"statements {self.covered_statements:,}/{self.statements:,}"
        if self.branches:
            text += f", branches {self.covered_branches:,}/{self.branches:,}"
        return text


def coverage_counts(files: list[FileCoverage]) -> CoverageCounts | None:
    """The counts of some files together; None when none was measured."""
    if not files:
        return None
    return CoverageCounts(sum(f.statements for f in files),
                          sum(f.covered_statements for f in files),
                          sum(f.branches for f in files),
                          sum(f.branches - f.missing_branches for f in files))


def unmeasurable(measure: Measure, run: RunRecord) -> str | None:
    """Why ``run`` cannot tell the measure's value at all (not: why it was not measured),
    or None. A JUnit report records no markers: a marker ratio from it would read 0%."""
    if (measure.name == "tests.ratio" and run.source == "junit"
            and not any(o.markers for o in run.outcomes)):
        return "cannot be measured from a JUnit report (it records no markers)"
    return None


#: the measures read from the number of results per outcome
_FROM_COUNTS = frozenset({"tests.passed", "tests.failed", "tests.pass_rate"})


def measure_value(measure: Measure, run: RunRecord) -> float | None:
    """The value of a measure in a run; None when the run does not tell."""
    count = len(run.outcomes)
    counts = run.counts() if measure.name in _FROM_COUNTS else {}  # a pass over every result
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
            if not count or unmeasurable(measure, run):
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
    if measure.name in AVERAGES:
        return f"{value:,.2f}"
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
