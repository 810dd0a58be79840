"""``tracker run`` stopped by real signals at real moments: pytest never outlives it.

A sample project whose conftest or test sleeps (and says so with a file) is run by tracker
in a subprocess; tracker is then sent SIGKILL, SIGTERM or SIGHUP while pytest collects or
while a test runs. Every process of the run (pytest, its xdist workers) must be gone within
seconds, the store must pass SQLite's integrity check with the earlier run intact, and the
scratch folder a killed run leaves is swept by the next run.
"""

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
from tracker.scratch import LOCK, runs_dir, sweep
from tracker.store import Store

from .helpers import write

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")

CONFTEST = """
    import os
    import pathlib
    import time

    ROOT = pathlib.Path(__file__).parent.parent
    with open(ROOT / "pids", "a") as pids:
        pids.write(f"{os.getpid()}\\n")
    if (ROOT / "slow-collect").exists():
        (ROOT / "collecting").write_text("")
        time.sleep(120)
"""

TESTS = """
    import os
    import pathlib
    import time

    ROOT = pathlib.Path(__file__).parent.parent


    def test_fast():
        assert True


    def test_slow():
        if (ROOT / "slow-test").exists():
            with open(ROOT / "pids", "a") as pids:
                pids.write(f"{os.getpid()}\\n")
            (ROOT / "in-test").write_text("")
            time.sleep(120)


    def test_slow_too():
        test_slow()
"""

PLAN = """
    title: Signals
    phases:
      - id: "1"
        title: One
        items:
          - {id: all, text: Every test, tests: [tests/]}
"""


def env() -> dict[str, str]:
    """This environment without the outer pytest's (and xdist's) variables."""
    out = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE"))}
    out["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The sample project with one earlier run recorded (the fast test only)."""
    write(tmp_path, "plan.yaml", PLAN)
    write(tmp_path, "pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    write(tmp_path, "tests/conftest.py", CONFTEST)
    write(tmp_path, "tests/test_slow.py", TESTS)
    done = run(tmp_path, "-k", "fast")
    assert done.returncode == 0, done.stderr
    return tmp_path


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker", "run", "--", *args], cwd=root,
                          env=env(), capture_output=True, text=True, timeout=120, check=False)


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tracker", "run", "--", *args], cwd=root,
                            env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for(path: Path, proc: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a parent that does not reap is dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def run_pids(root: Path) -> list[int]:
    """The pids the run's processes wrote (pytest, its workers); the earlier run's are gone."""
    return [int(line) for line in (root / "pids").read_text().split()]


def gone_within(pids: list[int], seconds: float) -> list[int]:
    """The pids still alive after ``seconds`` (empty: all gone in time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def store_state(root: Path) -> tuple[str, list[tuple[int, tuple[str, ...]]]]:
    """SQLite's integrity verdict, and each run's id with its outcomes' node ids."""
    path = default_store_path(root)
    connection = sqlite3.connect(path)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
    with Store.open(path) as store:
        runs = [(s.id, tuple(sorted(o.nodeid for o in store.run(s.id).outcomes)))
                for s in store.runs()]
    return verdict, runs


MOMENTS = {  # what to create before the run, the file that says the moment has come
    "collection": ("slow-collect", "collecting"),
    "mid-suite": ("slow-test", "in-test"),
}


@pytest.mark.slow
@pytest.mark.parametrize("moment", sorted(MOMENTS))
@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "xdist"])
def test_sigkill_takes_the_run_with_it(project: Path, moment: str, workers: int) -> None:
    before = store_state(project)
    (project / "pids").unlink()
    trigger, reached = MOMENTS[moment]
    (project / trigger).write_text("")
    proc = start(project, *(["-p", "xdist", "-n", str(workers)] if workers else []))
    wait_for(project / reached, proc)
    if workers and moment == "mid-suite":  # the controller and both workers are in
        deadline = time.monotonic() + 30
        while len(set(run_pids(project))) < 1 + workers:
            assert time.monotonic() < deadline, run_pids(project)
            time.sleep(0.05)
    pids = sorted(set(run_pids(project)))
    assert pids and all(map(alive, pids))
    proc.kill()
    proc.wait()
    assert gone_within(pids, 10) == []
    assert store_state(project) == before  # nothing written, nothing damaged
    leftovers = list(runs_dir(project).glob("run-*"))
    assert leftovers, "a killed run cannot remove its scratch folder"
    (project / trigger).unlink()
    done = run(project, "-k", "fast")
    assert done.returncode == 0, done.stderr
    assert not any(p.exists() for p in leftovers), "swept by the next run"
    verdict, runs = store_state(project)
    assert verdict == "ok" and runs[1:] == before[1] and len(runs) == len(before[1]) + 1


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_sigterm_and_sighup_stop_the_run_like_ctrl_c(project: Path, sig: int,
                                                     moment: str) -> None:
    before = store_state(project)
    (project / "pids").unlink()
    trigger, reached = MOMENTS[moment]
    (project / trigger).write_text("")
    proc = start(project)
    wait_for(project / reached, proc)
    pids = sorted(set(run_pids(project)))
    started = time.monotonic()
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, stderr
    assert time.monotonic() - started < 15
    # pytest's own output comes first (interrupted while importing a conftest, pytest prints
    # a traceback, as it does for Ctrl-C); tracker's is the last line, with no traceback
    assert stderr.splitlines()[-1] == "interrupted: nothing recorded, earlier runs are intact"
    assert "tracker/runner.py" not in stderr and "tracker/cli.py" not in stderr
    assert [pid for pid in pids if alive(pid)] == []  # stopped before tracker exited
    assert store_state(project) == before
    assert list(runs_dir(project).iterdir()) == []  # its scratch folder went with it


def test_a_sweep_takes_only_folders_whose_run_is_dead(tmp_path: Path) -> None:
    """A live run holds its folder's lock; a dead one's lock is free, whatever its pid."""
    base = tmp_path / "runs"
    (base / "run-1-1").mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, time\n"
        f"fd = os.open({str(base / 'run-1-1' / LOCK)!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        (base / f"run-{os.getpid()}-2").mkdir()  # our pid, but its lock is free: dead
        (base / f"run-{os.getpid()}-2" / LOCK).write_text("")
        (base / "run-999999999-3").mkdir()  # no lock file, no such process: dead
        (base / "notes").mkdir()  # not a run's folder
        assert sorted(sweep(base)) == [f"run-{os.getpid()}-2", "run-999999999-3"]
        assert sorted(p.name for p in base.iterdir()) == ["notes", "run-1-1"]
    finally:
        holder.kill()
        holder.wait()
    assert sweep(base) == ["run-1-1"]  # its holder died


def test_the_watchdog_is_light_and_ignores_a_descriptor_that_is_not_its_pipe() -> None:
    """It is loaded into every run of the user's tests: the standard library only. A process
    that inherits the variable but not the pipe (an xdist worker) must not watch another
    descriptor, which could end it for nothing."""
    script = (
        "import os, sys\n"
        "before = set(sys.modules)\n"
        "import tracker.evidence.watchdog as w\n"
        "new = sorted(m for m in set(sys.modules) - before\n"
        "             if m.split('.')[0] not in sys.stdlib_module_names)\n"
        "print(new)\n"
        "os.environ[w.ENV] = f'0:{os.fstat(0).st_ino + 1}'\n"
        "print(w.start(), w.ENV in os.environ)\n"
        "r, _ = os.pipe()\n"
        "os.environ[w.ENV] = f'{r}:{os.fstat(r).st_ino}'\n"
        "print(w.start())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert done.stdout.splitlines() == [
        "['tracker', 'tracker.evidence', 'tracker.evidence.watchdog']", "False False", "True"]
