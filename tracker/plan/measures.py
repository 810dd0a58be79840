"""The small languages inside plan.yaml values: metric measures, targets, durations, weeks.

Parsed at load time so a typo is reported at its line, not when a metric is first computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.pickling import pickled_by_fields
from tracker.plan.dates import MAX_INTERVAL_DAYS, MAX_WEEK
from tracker.plan.model import Target

#: measure name -> name of its single argument (None when it takes none)
MEASURES: dict[str, str | None] = {
    "coverage.total": None,
    "coverage.file": "path",
    "coverage.files": "glob",
    "tests.count": None,
    "tests.passed": None,
    "tests.failed": None,
    "tests.pass_rate": None,
    "tests.ratio": "marker",
    "tests.duration": None,
    "quality.assertions_per_test": None,
    "quality.no_assertion": None,
    "quality.weak_assertions": None,
    "quality.mocks_per_test": None,
    "quality.async_unmarked": None,
    "complexity.max": "glob",
}

#: measures read from the source (test quality, complexity), not from a run
SOURCE_MEASURES = frozenset(name for name in MEASURES
                            if name.startswith(("quality.", "complexity.")))

_MEASURE = re.compile(r"^\s*([a-z_]+\.[a-z_]+)\s*(?:\(\s*(?:([a-z_]+)\s*=\s*)?([^)]*?)\s*\))?\s*$")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Measure:
    """A parsed measure: ``tests.ratio(marker=integration)`` → name and argument."""

    name: str
    arg: str | None = None


def parse_measure(text: str) -> Measure:
    """Parse a measure or raise ValueError saying what is accepted."""
    match = _MEASURE.match(text)
    known = ", ".join(f"{n}({a}=...)" if a else n for n, a in MEASURES.items())
    if not match or match.group(1) not in MEASURES:
        raise ValueError(f"unknown measure {text!r}: use one of {known}")
    name, keyword, arg = match.group(1), match.group(2), match.group(3)
    wanted = MEASURES[name]
    if wanted is None and arg:
        raise ValueError(f"measure {name} takes no argument: write just {name}")
    if wanted is not None and not arg:
        raise ValueError(f"measure {name} needs an argument: write {name}({wanted}=...)")
    if keyword and keyword != wanted:
        raise ValueError(f"measure {name} takes {wanted}=..., not {keyword}=...")
    return Measure(name, arg.strip("'\"") if arg else None)


_UNITS = {"": 1.0, "%": 1.0, "s": 1.0, "sec": 1.0, "ms": 0.001, "min": 60.0, "m": 60.0,
          "h": 3600.0}
_TARGET = re.compile(r"^\s*(>=|<=|>|<|==|=)?\s*(-?[0-9]+(?:\.[0-9]+)?)\s*(%|ms|sec|s|min|m|h)?\s*$")


def parse_target(text: str) -> Target:
    """Parse ``>= 90``, ``< 5 min``, ``>= 20%``; a bare number means ``>=``."""
    match = _TARGET.match(text)
    if not match:
        raise ValueError(
            f"cannot read target {text!r}: write a comparison such as '>= 90', '<= 5 min' "
            "or '>= 20%' (or mark the metric qualitative: true)")
    op = match.group(1) or ">="
    op = "==" if op == "=" else op
    unit = match.group(3) or ""
    value = float(match.group(2)) * _UNITS[unit]
    return Target(op=op, value=value, unit=unit, text=text.strip())


_DURATION = re.compile(r"^\s*([0-9]+)\s*(d|day|days|w|wk|week|weeks)\s*$")


def parse_days(text: str) -> int:
    """Parse a review interval such as ``14d`` or ``2w`` into days (at most ten years)."""
    match = _DURATION.match(text)
    digits = match.group(1).lstrip("0") if match else ""
    if not match or not digits:
        raise ValueError(f"cannot read interval {_shown(text)}: write days or weeks, such as 14d "
                         "or 2w")
    weeks = match.group(2).startswith("w")
    count = int(digits) if len(digits) <= 9 else None  # no int() of a thousand digits
    if count is None or count * (7 if weeks else 1) > MAX_INTERVAL_DAYS:
        raise ValueError(f"interval {_shown(text)} is longer than ten years "
                         f"({MAX_INTERVAL_DAYS} days): write a review interval such as 14d or 2w")
    return count * 7 if weeks else count


_WEEKS = re.compile(r"^\s*([0-9]+)\s*(?:(?:-|–|to)\s*([0-9]+))?\s*$")


def parse_weeks(text: str) -> tuple[int, int]:
    """Parse ``3`` or ``1-2`` into a first and last week, both 1-based (at most week 520)."""
    match = _WEEKS.match(text)
    if not match:
        raise ValueError(f"cannot read weeks {_shown(text)}: write a week number or a range like "
                         "1-2")
    numbers = [match.group(1), match.group(2) or match.group(1)]
    if any(len(n.lstrip("0")) > 9 for n in numbers) or int(numbers[1]) > MAX_WEEK:
        raise ValueError(f"weeks {_shown(text)} run past week {MAX_WEEK} (ten years): write the "
                         "phase's weeks, such as 1-2, or its start: and due: dates")
    first, last = int(numbers[0]), int(numbers[1])
    if first < 1 or last < first:
        raise ValueError(f"weeks {_shown(text)} end before they start or start before week 1: "
                         "write a range like 1-2")
    return first, last


def _shown(text: str) -> str:
    """A value quoted for a message, cut short: a message is one readable line."""
    return repr(text if len(text) <= 60 else text[:57] + "...")
