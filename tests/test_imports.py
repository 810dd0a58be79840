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
