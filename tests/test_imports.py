"""Start-up hygiene: commands that need neither Textual nor GitPython do not import them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "fixtures" / "sample"
HEAVY = ("textual", "textual_plotext", "plotext", "git", "coverage", "sqlite3", "rich")

PROBE = """
import json, sys
from tracker.cli import main
code = main(sys.argv[1:])
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy})), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [
    ["check"], ["render", "--today", "2026-03-20"], ["schema"], ["--version"],
    ["remind", "--today", "2026-03-20"], ["status", "--today", "2026-03-20"],
])
def test_light_commands_do_not_import_heavy_modules(argv):
    code = PROBE.replace("{heavy}", repr(set(HEAVY)))
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=SAMPLE, capture_output=True,
                          text=True, check=False)
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert loaded == [], f"{argv} imported {loaded}"


def test_pytest_plugin_import_is_light():
    code = ("import sys, tracker.evidence.pytest_plugin; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {set(HEAVY)!r}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_check_of_links_that_resolve_imports_neither_the_judge_nor_git(tmp_path: Path):
    """A plan whose every link the source shows needs no recorded run: ``check`` then
    reads neither the store nor git, and does not import the judge, the store or the git
    helpers (start-up time is most of what check costs)."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("def test_one():\n    pass\n")
    (tmp_path / "plan.yaml").write_text(
        "title: T\nphases:\n  - id: '1'\n    title: One\n    items:\n"
        "      - {id: a, text: A, tests: [tests/test_a.py::test_one]}\n")
    code = PROBE.replace("{heavy}", repr({"tracker", "subprocess", "sqlite3"}))
    done = subprocess.run([sys.executable, "-c", code, "check"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert not loaded & {"tracker.assess", "tracker.pipeline", "tracker.store",
                         "tracker.history.gitcli", "subprocess", "sqlite3"}, loaded
