"""``load_plan_text`` never raises: any text, and any mutation of a valid plan, gives problems.

The loader is the first thing every command runs on a file people edit by hand, so whatever
the file holds must come back as ``file:line:col: message`` problems, never as an exception.
Two generators: arbitrary text (and YAML-ish fragments), and a valid plan with lines,
values and characters changed, which reaches far deeper into the loader than random text.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.plan.load import LoadResult, load_plan_text
from tracker.problems import Severity

from .test_load import FULL

EXAMPLES = int(os.environ.get("LOAD_FUZZ_EXAMPLES", "300"))
fuzz = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces of YAML and of plan.yaml's small languages, so mutations land on what is parsed.
FRAGMENTS = [
    "~", "null", "[]", "{}", "- ", ": ", "&a ", "*a", "<<: *a", "!!python/object:x", "!!str",
    "!!int", "!!binary", "? ", "|", ">-", "'", '"', "#", "\t", "\\", "\x00", "\x1b[31m",
    "\u202e", "\ufeff", "0", "-1", "1e309", ".inf", ".nan", "0x1F", "0o17", "99999999999999",
    "9999-12-31", "0001-01-01", "2026-02-30", "2026-03-02T10:00:00", "1-2", "1-99999999999",
    "99999999999d", "2w", "0d", "**", "tests/**.py", "***", "../x", "/etc/passwd", "C:\\x",
    "x{99999999999}", "(" * 50, "[", "::", "a and", "not", "coverage.total",
    "tests.ratio(marker=slow)", ">= 90", "<= 5 min", "done", "skipped", "true", "yes",
    "id", "text", "tests", "files", "targets", "expect", "weeks", "review", "every", "next",
    "created", "phases", "items", "metrics", "measure", "regex", "contains", "glob",
    "min_files", "min_tests", "target_coverage", "keyword", "marker", "fixture", "node",
]


def assert_only_problems(result: LoadResult) -> None:
    """A result is a plan and problems, or no plan and at least one error, each one line."""
    assert isinstance(result, LoadResult)
    if result.plan is None:
        assert any(p.severity is Severity.ERROR for p in result.problems)
    for problem in result.problems:
        text = str(problem)
        assert "\n" not in text and "\x1b" not in text, text
        assert problem.location.line >= 1 and problem.location.column >= 1


@fuzz
@given(st.text(max_size=400))
def test_any_text_gives_problems_not_exceptions(text: str) -> None:
    assert_only_problems(load_plan_text(text, "plan.yaml"))


@fuzz
@given(st.binary(max_size=200))
def test_any_bytes_give_problems_not_exceptions(data: bytes) -> None:
    assert_only_problems(load_plan_text(data, "plan.yaml"))


@fuzz
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join))
def test_yaml_fragments_give_problems_not_exceptions(text: str) -> None:
    assert_only_problems(load_plan_text(text, "plan.yaml"))


LINES = FULL.splitlines()


@st.composite
def mutated_plan(draw: st.DrawFn) -> str:
    """FULL with a few lines replaced, dropped, duplicated or edited in place."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        action = draw(st.sampled_from(["value", "insert", "drop", "dup", "indent", "char"]))
        if action == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[index] = f"{key}: {draw(st.sampled_from(FRAGMENTS))}"
        elif action == "insert":
            lines[index] = line + draw(st.sampled_from(FRAGMENTS))
        elif action == "drop":
            del lines[index]
        elif action == "dup":
            lines.insert(index, line)
        elif action == "indent":
            lines[index] = " " * draw(st.integers(0, 12)) + line.lstrip()
        elif line:
            at = draw(st.integers(0, len(line) - 1))
            lines[index] = line[:at] + draw(st.characters()) + line[at + 1:]
        if not lines:
            break
    return "\n".join(lines) + "\n"


@fuzz
@given(mutated_plan())
def test_mutations_of_a_valid_plan_give_problems_not_exceptions(text: str) -> None:
    assert_only_problems(load_plan_text(text, "plan.yaml"))


def test_the_plan_mutated_is_valid() -> None:
    """The mutations start from a plan without problems, so they are what breaks it."""
    assert load_plan_text(FULL, "plan.yaml").problems == []
