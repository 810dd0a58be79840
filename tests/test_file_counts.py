"""File checks that count: a pattern across a glob's files, at most or at least N times."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan

from .helpers import call_cli, write

SINGLETON = "    Registry._instance = None\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Nine resets in tests/a.py, two in tests/b.py, one in tests/sub/c.py, none in d.py."""
    write(tmp_path, "tests/a.py", "def test_a():\n" + SINGLETON * 9)
    write(tmp_path, "tests/b.py", "def test_b():\n" + SINGLETON * 2)
    write(tmp_path, "tests/sub/c.py", "def test_c():\n" + SINGLETON)
    write(tmp_path, "tests/d.py", "def test_d():\n    pass\n")
    return tmp_path


def plan(root: Path, files: str) -> Path:
    return write(root, "plan.yaml", f"""
title: T
phases:
  - id: "1"
    title: P
    items:
      - id: a
        text: A
        files:
{files}
""")


def checks(root: Path, files: str) -> list[tuple[bool, str]]:
    result = load_plan(plan(root, files))
    assert result.errors == [], result.errors
    assert result.plan is not None
    ws = gather_workspace(result.plan, root)
    return [(c.ok, c.detail) for c in ws.items["a"].checks]


def test_a_count_across_files_names_the_files_most_first(repo):
    assert checks(repo, """
          - {glob: "tests/**/*.py", contains: "_instance = None", max: 1}
          - {glob: "tests/**/*.py", contains: "_instance = None", max: 12}
          - {glob: "tests/**/*.py", contains: "_instance = None", min: 13}
          - {glob: "tests/**/*.py", contains: "_instance = None"}
""") == [
        (False, "12 occurrences in 3 files: tests/a.py (9), tests/b.py (2), tests/sub/c.py (1)"),
        (True, "12 occurrences in 3 files: tests/a.py (9), tests/b.py (2), tests/sub/c.py (1)"),
        (False, "12 occurrences in 3 files: tests/a.py (9), tests/b.py (2), tests/sub/c.py (1)"),
        (True, "12 occurrences in 3 files: tests/a.py (9), tests/b.py (2), tests/sub/c.py (1)"),
    ]


def test_lacks_over_a_glob_holds_only_when_no_file_contains_it(repo):
    assert checks(repo, """
          - {glob: "tests/*.py", lacks: "_instance = None"}
          - {glob: "tests/d.py", lacks: "_instance = None"}
          - {glob: "tests/nothing*.py", lacks: "_instance = None"}
""") == [
        (False, "11 occurrences in 2 files: tests/a.py (9), tests/b.py (2)"),
        (True, "no occurrence in 1 file"),
        (False, "0 of 1 files match"),  # a mistyped glob proves nothing
    ]


def test_many_files_are_cut_short_and_regexes_count_matches(repo):
    for n in range(7):
        write(repo, f"more/m{n}.py", "x = 1  # TODO\n" * (n + 1))
    assert checks(repo, """
          - {glob: "more/*.py", contains: "TODO", max: 0}
          - {glob: "more/*.py", contains: "x = [0-9]", regex: true, min: 28, max: 28}
          - {file: tests/a.py, contains: "_instance", max: 3}
""") == [
        (False, "28 occurrences in 7 files: more/m6.py (7), more/m5.py (6), more/m4.py (5), "
                "more/m3.py (4), more/m2.py (3) and 2 more"),
        (True, "28 occurrences in 7 files: more/m6.py (7), more/m5.py (6), more/m4.py (5), "
               "more/m3.py (4), more/m2.py (3) and 2 more"),
        (False, "found 9 times"),
    ]


@pytest.mark.parametrize(("entry", "message"), [
    ('{glob: "t/*.py", lacks: x, max: 1}', "'max' counts what contains: finds"),
    ('{glob: "t/*.py", contains: x, min: 3, max: 1}', "'min' (3) is more than 'max' (1)"),
    ('{path: t.py, max: 1}', "'max' only goes with contains: or lacks:"),
    ('{glob: "t/*.py", contains: x, max: -1}', "'max' of file check of item 'a' must be at"),
    ('{file: t.py, contains: ""}', "'contains' of file check of item 'a' is empty"),
])
def test_counts_that_cannot_hold_are_refused_at_their_line(tmp_path, entry, message):
    result = load_plan(plan(tmp_path, f"          - {entry}\n"))
    assert [message in str(p) for p in result.errors] == [True], result.errors
    assert ":9:" in str(result.errors[0])


def test_the_failing_count_is_the_reason_status_gives(repo):
    plan(repo, '          - {glob: "tests/**/*.py", contains: "_instance = None", max: 1}\n')
    done = call_cli("status", "--all", cwd=repo)
    assert "the file check fails (files matching tests/**/*.py contain '_instance = None' " \
           "at most 1 time: 12 occurrences in 3 files: tests/a.py (9)" in done.stdout, done
