"""A finished run is never thrown away because another process holds the store's lock.

A real second process takes SQLite's write lock (``BEGIN IMMEDIATE`` on the same file) and
keeps it as long as the test says; ``tracker run`` runs a real sample project meanwhile.
"""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.paths import default_store_path
from tracker.pending import load, pending_dir, record_kept
from tracker.store import Store

from .helpers import write

PLAN = """
    title: Locks
    phases:
      - id: "1"
        title: One
        items:
          - {id: all, text: Every test, tests: [tests/]}
"""

TESTS = """
    def test_fast():
        assert True


    def test_other():
        assert True
"""

HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()  # until the test closes our stdin
connection.execute("COMMIT")
"""


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE"))}
    return {**out, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **extra}


def run(root: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker", "run", "--", *args], cwd=root,
                          env=env(**extra), capture_output=True, text=True, timeout=180,
                          check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A sample project with one run recorded."""
    write(tmp_path, "plan.yaml", PLAN)
    write(tmp_path, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    write(tmp_path, "tests/test_a.py", TESTS)
    assert run(tmp_path, "-k", "fast").returncode == 0
    return tmp_path


@pytest.fixture
def lock(project: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the store's write lock until its stdin is closed."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(default_store_path(project))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    yield holder
    release(holder)


def release(holder: subprocess.Popen[str]) -> None:
    if holder.poll() is None:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


class Tracker:
    """``tracker run`` in the background, its stderr read line by line as it comes."""

    def __init__(self, root: Path, *args: str, **extra: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tracker", "run", "--", *args],
                                     cwd=root, env=env(**extra), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None or self._reader.is_alive(), self.lines
            assert time.monotonic() < deadline, self.lines
            time.sleep(0.05)

    def finish(self) -> int:
        code = self.proc.wait(timeout=120)
        self._reader.join(timeout=10)
        return code


def runs(root: Path) -> list[tuple[int, tuple[str, ...]]]:
    """Each stored run's id and the node ids it ran; and SQLite must call the file sound."""
    connection = sqlite3.connect(default_store_path(root))
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        connection.close()
    with Store.open(default_store_path(root)) as store:
        return [(s.id, tuple(sorted(o.nodeid for o in store.run(s.id).outcomes)))
                for s in reversed(store.runs())]


FAST = ("tests/test_a.py::test_fast",)
BOTH = ("tests/test_a.py::test_fast", "tests/test_a.py::test_other")


@pytest.mark.slow
def test_a_run_waits_past_the_store_timeout_and_says_so(project: Path,
                                                        lock: subprocess.Popen[str]) -> None:
    """Locked for longer than the store's 5 s: the run waits, saying so, then is recorded."""
    tracker = Tracker(project)
    tracker.wait_for("is locked by another process; waiting up to 60 s")
    time.sleep(6)  # past the store's own timeout: the old tracker had given up here
    assert tracker.proc.poll() is None
    release(lock)
    assert tracker.finish() == 0, tracker.lines
    assert "tracker: run 2 recorded" in tracker.lines[-1]
    assert runs(project) == [(1, FAST), (2, BOTH)]
    assert list(pending_dir(project).iterdir()) == []


@pytest.mark.slow
def test_a_lock_that_outlasts_the_wait_keeps_the_run_for_the_next(
        project: Path, lock: subprocess.Popen[str]) -> None:
    done = run(project, TRACKER_LOCK_WAIT="1")
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "is locked by another process" in last and "Traceback" not in done.stderr
    kept = list(pending_dir(project).glob("run-*.pickle"))
    assert len(kept) == 1 and f"the run is kept in {kept[0]}" in last
    assert runs(project) == [(1, FAST)]
    release(lock)
    done = run(project, "-k", "fast")
    assert done.returncode == 0, done.stderr
    assert "recorded run 2 (started" in done.stderr and "kept by an earlier" in done.stderr
    assert runs(project) == [(1, FAST), (2, BOTH), (3, FAST)]  # in the order they ran
    assert list(pending_dir(project).iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_while_waiting_the_finished_run_is_kept(project: Path,
                                                      lock: subprocess.Popen[str],
                                                      sig: int) -> None:
    tracker = Tracker(project)
    tracker.wait_for("is locked by another process; waiting")
    tracker.proc.send_signal(sig)
    tracker.finish()
    if sig == signal.SIGTERM:
        assert tracker.lines[-1].startswith("interrupted: the finished run is kept in")
    assert len(list(pending_dir(project).glob("run-*.pickle"))) == 1
    release(lock)
    assert runs(project) == [(1, FAST)]
    done = run(project, "-k", "fast")
    assert done.returncode == 0, done.stderr
    assert runs(project) == [(1, FAST), (2, BOTH), (3, FAST)]


class Planted:
    """Unpickling this would run ``os.system``."""

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch planted-ran",))


def test_a_planted_pickle_names_no_callable(tmp_path: Path) -> None:
    folder = pending_dir(tmp_path)
    folder.mkdir(parents=True)
    planted = folder / "run-20260101T000000000000-1.pickle"
    planted.write_bytes(pickle.dumps(Planted()))
    with pytest.raises(ValueError, match="not part of a run"):
        load(planted)
    said: list[str] = []
    with Store.open(default_store_path(tmp_path)) as store:
        assert record_kept(store, tmp_path, said.append) is None
        assert store.runs_count() == 0
    assert "is not a run tracker can read" in said[0] and planted.exists()
    assert not (Path.cwd() / "planted-ran").exists() and not (tmp_path / "planted-ran").exists()


@pytest.mark.slow
def test_a_kept_run_older_than_the_newest_is_left_and_said(project: Path) -> None:
    """Recorded after a newer run, a kept run would shadow newer results: it stays kept."""
    import datetime as dt

    from tracker.pending import keep

    with Store.open(default_store_path(project)) as store:
        newest = store.run(store.runs()[0].id)
    older = newest.__class__(started=newest.started - dt.timedelta(hours=1),
                             finished=newest.finished - dt.timedelta(hours=1),
                             outcomes=newest.outcomes)
    kept = keep(project, older)
    done = run(project, "-k", "fast")
    assert done.returncode == 0 and "not recorded, as it would hide newer results" in done.stderr
    assert kept.exists() and [r[0] for r in runs(project)] == [1, 2]
