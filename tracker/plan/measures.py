"""The small languages inside plan.yaml values: metric measures, targets, durations, weeks.

Parsed at load time so a typo is reported at its line, not when a metric is first computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.pickling import pickled_by_fields
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
}

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
    """Parse a review interval such as ``14d`` or ``2w`` into days."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"cannot read interval {text!r}: write days or weeks, such as 14d or 2w")
    count = int(match.group(1))
    return count * 7 if match.group(2).startswith("w") else count


_WEEKS = re.compile(r"^\s*([0-9]+)\s*(?:(?:-|–|to)\s*([0-9]+))?\s*$")


def parse_weeks(text: str) -> tuple[int, int]:
    """Parse ``3`` or ``1-2`` into a first and last week, both 1-based."""
    match = _WEEKS.match(text)
    if not match:
        raise ValueError(f"cannot read weeks {text!r}: write a week number or a range like 1-2")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if first < 1 or last < first:
        raise ValueError(f"weeks {text!r} end before they start or start before week 1: "
                         "write a range like 1-2")
    return first, last
