"""SIGKILL of `tracker run` at twenty moments spread over a whole run, recording included:
the store always passes SQLite's integrity check, earlier runs are intact, and a run is in
the store whole or not at all (or kept aside whole, for the next run to record)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracker.paths import default_store_path
from tracker.store import Store

from .helpers import git, write

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.name != "posix", reason="POSIX signals")]

CASES = 3000  # enough outcomes that writing the run takes a while: kills land inside it
MOMENTS = 20


def env() -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE"))}
    out["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return out


def tracker_run(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tracker", "run", "--show-output", "--",
                             "-q", "-p", "no:cacheprovider"], cwd=root, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def runs(root: Path) -> list[int]:
    """Each stored run's number of outcomes, oldest first, after an integrity check."""
    path = default_store_path(root)
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    with Store.open(path) as store:
        return [len(store.run(s.id).outcomes) for s in reversed(store.runs())]


def project(tmp_path: Path, cases: int) -> Path:
    """A committed project of one test parametrized ``cases`` times, and its plan."""
    root = tmp_path / "p"
    write(root, "tests/test_many.py", f"""
        import pytest

        @pytest.mark.parametrize("n", range({cases}))
        def test_case(n):
            assert n >= 0
    """)
    write(root, "plan.yaml", "title: Kill\nphases:\n  - id: '1'\n    title: One\n    items:\n"
          "      - {id: all, text: All, tests: [tests/test_many.py]}\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "project")
    return root


def test_a_kill_at_any_moment_leaves_the_store_whole(tmp_path):
    root = project(tmp_path, CASES)
    start = time.monotonic()
    first = tracker_run(root)
    assert first.wait(timeout=300) == 0, first.stderr.read() if first.stderr else ""
    whole = time.monotonic() - start
    assert runs(root) == [CASES]
    for moment in range(1, MOMENTS + 1):
        before = runs(root)
        proc = tracker_run(root)
        time.sleep(whole * moment / (MOMENTS + 1) * 1.1)  # up to just past the usual end
        os.killpg(proc.pid, signal.SIGKILL)  # tracker and pytest at once, as `kill -9 -PGID`
        proc.wait()
        after = runs(root)
        assert after[:len(before)] == before, f"moment {moment}: an earlier run changed"
        # a run killed after pytest ended but before storing keeps its run aside; the next
        # run stores it before its own: a moment may add two runs, each whole, never part
        assert all(n == CASES for n in after[len(before):]), f"moment {moment}: a partial run"
    done = tracker_run(root)  # records what a killed run kept aside, then its own
    assert done.wait(timeout=300) == 0
    final = runs(root)
    assert final[-1] == CASES and all(n == CASES for n in final)


def test_two_runs_and_a_reader_at_once_lose_nothing(tmp_path):
    """Two `tracker run` at the same moment (two terminals, a hook and a person) while
    `tracker status --json` reads in a loop: both runs are stored whole, the reader always
    gets an answer, and the store stays sound."""
    root = project(tmp_path, 300)
    first, second = tracker_run(root), tracker_run(root)
    answers = []
    while first.poll() is None or second.poll() is None:
        done = subprocess.run([sys.executable, "-m", "tracker", "status", "--json"], cwd=root,
                              env=env(), capture_output=True, text=True, timeout=120,
                              check=False)
        answers.append((done.returncode, done.stderr))
    assert first.returncode == 0 and second.returncode == 0
    assert answers and all(code in (0, 1) for code, _ in answers), answers
    assert runs(root) == [300, 300]
