"""What `tracker run` prints: nothing naming a file it then deletes, and, in progress mode,
where pytest's own account of a failure is."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import git, run_cli, write
from .test_run import clean_env

pytestmark = pytest.mark.slow


@pytest.fixture
def failing(tmp_path: Path) -> Path:
    root = tmp_path / "p"
    write(root, "tests/test_a.py", "def test_ok():\n    pass\n\n\ndef test_bad():\n"
                                   "    assert 1 == 2\n")
    write(root, "plan.yaml", "title: Out\nphases:\n  - id: '1'\n    title: One\n    items:\n"
          "      - {id: a, text: A, tests: [tests/test_a.py]}\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "out")
    return root


def test_no_line_names_the_scratch_report(failing):
    done = run_cli("run", "--show-output", "--", "-p", "no:cacheprovider", cwd=failing,
                   env=clean_env())
    assert done.returncode == 1, done.stderr
    output = done.stdout + done.stderr
    assert "report.jsonl" not in output and "tests to " not in output, output
    assert "tracker: run 1 recorded: 1 failed, 1 passed" in done.stderr


def test_the_progress_summary_points_to_pytests_output_after_a_failure(failing):
    done = run_cli("run", "--progress", "--", "-p", "no:cacheprovider", cwd=failing,
                   env=clean_env())
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.endswith("; pytest's output: .tracker/last-run.log"), last
    assert "assert 1 == 2" in (failing / ".tracker" / "last-run.log").read_text()
