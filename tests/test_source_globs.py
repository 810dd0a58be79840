"""Targets and file checks find sources in folders pytest does not collect tests from."""

from __future__ import annotations

from pathlib import Path

from tracker.evidence.workspace import gather_workspace
from tracker.plan.load import load_plan

from .helpers import write

PLAN = """
title: T
phases:
  - id: p
    title: P
    items:
      - id: a
        text: Preview
        targets: ["**/preview_handlers.py", src]
        tests: ["**/test_*.py"]
        files:
          - {glob: "**/preview_*.py", min_files: 1}
"""


def test_norecursedirs_governs_test_collection_only(tmp_path: Path) -> None:
    write(tmp_path, "pytest.ini", "[pytest]\nnorecursedirs = py .*\n")
    write(tmp_path, "src/py/preview_handlers.py", "X = 1\n")
    write(tmp_path, "src/py/test_in_sources.py", "def test_hidden():\n    pass\n")
    write(tmp_path, "tests/test_preview.py", "def test_a():\n    pass\n")
    # environments stay out of source globs too
    write(tmp_path, ".venv/lib/preview_handlers.py", "X = 2\n")
    write(tmp_path, "node_modules/x/preview_other.py", "X = 3\n")
    loaded = load_plan(write(tmp_path, "plan.yaml", PLAN))
    assert loaded.plan is not None, loaded.errors
    ws = gather_workspace(loaded.plan, tmp_path)
    item = ws.items["a"]
    assert [t.files for t in item.targets] == [
        ("src/py/preview_handlers.py",),
        ("src/py/preview_handlers.py", "src/py/test_in_sources.py")]
    assert [(c.ok, c.detail) for c in item.checks] == [(True, "1 of 1 files match")]
    # the test glob still follows pytest: nothing from src/py
    assert item.links[0].files == ("tests/test_preview.py",)
    assert not [p for p in ws.problems if "matches no file" in p.message]
