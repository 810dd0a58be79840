"""Small builders shared by the tests: plans written to disk, the CLI run for real."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import datetime as dt

    from tracker.evidence.bundle import Evidence
    from tracker.evidence.results import TestOutcome
    from tracker.plan.model import Plan

T = TypeVar("T")


def write(root: Path, relpath: str, text: str) -> Path:
    """Write dedented ``text`` to ``root/relpath``, creating folders."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def plan_with_run(root: Path, files: dict[str, str], started: dt.datetime,
                  outcomes: tuple[TestOutcome, ...]) -> tuple[Plan, Evidence]:
    """``files`` written under ``root`` (plan.yaml among them), the plan loaded (it must
    load cleanly) and its evidence: the workspace gathered and a run of ``outcomes``."""
    import datetime as dt

    from tracker.evidence.bundle import Evidence
    from tracker.evidence.results import RunRecord
    from tracker.evidence.workspace import gather_workspace
    from tracker.plan.load import load_plan

    for name, text in files.items():
        write(root, name, text)
    loaded = load_plan(root / "plan.yaml")
    assert loaded.plan is not None and not loaded.errors, loaded.problems
    run = RunRecord(started=started, finished=started + dt.timedelta(seconds=5),
                    outcomes=outcomes)
    return loaded.plan, Evidence(workspace=gather_workspace(loaded.plan, root), run=run)


def clean_copy(source: Path, dest: Path) -> Path:
    """A copy of the fixture project ``source`` at ``dest``, without tracker's data folder.

    Tests that gather evidence write their caches into the project's ``.tracker/``; in a
    fixture folder those caches outlive the test (and the run), so whether a later test's
    scan hits a cache depended on which tests ran before it, and on whether the checkout is
    fresh: our own coverage figures moved between runs. Tests work on clean copies instead.
    """
    import shutil

    return Path(shutil.copytree(source, dest, ignore=shutil.ignore_patterns(
        "__pycache__", ".tracker", ".pytest_cache")))


def measured(code: str, test_file: str) -> str:
    """The ``python -c`` program ``code``, measured when this suite runs under ``tracker run``.

    Lines only a fresh interpreter reaches (a forked child's parent side, a process's exit)
    are otherwise never counted, or counted only when an in-process test happens to reach
    them, and our own coverage figures would move between runs. ``tracker run`` puts its
    coverage settings in the environment for xdist workers (tracker.evidence.worker_coverage);
    the program measures itself with the same settings, as a worker does, under the context
    of ``test_file`` (its lines count for that file's tests), and saves its data at exit.
    Without those settings (plain pytest) it runs unmeasured.
    """
    prologue = f"""
import atexit as _atexit
from tracker.evidence import worker_coverage as _worker_coverage
_cov = _worker_coverage.start()
if _cov is not None:
    _cov.switch_context({test_file!r})
    _atexit.register(_worker_coverage.stop, _cov)
del _atexit, _worker_coverage, _cov
"""
    return prologue + textwrap.dedent(code)


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            preexec_fn: Callable[[], None] | None = None
            ) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tracker`` in a subprocess, as a user would (``preexec_fn``: see
    :func:`modes_bind_child`)."""
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120, env=env, check=False,
                          preexec_fn=preexec_fn)


@dataclass(frozen=True)
class Done:
    """What a command run in this process printed, and its exit code (as run_cli's)."""

    returncode: int
    stdout: str
    stderr: str


def call_cli(*args: str, cwd: Path) -> Done:
    """``tracker ARGS`` run in this process, in ``cwd``: the real CLI (``tracker.cli.main``,
    the function ``python -m tracker`` exits with), its output captured.

    For reading what real runs left behind (status, check, render) without starting an
    interpreter per read. Where the process itself is the subject (exit codes of a real
    process, signals, start-up, import hygiene, ``tracker run`` starting pytest), use
    :func:`run_cli`.
    """
    from click.testing import CliRunner

    from tracker.cli import main

    before = Path.cwd()
    with CliRunner().isolation() as (out, err, _):
        os.chdir(cwd)
        try:
            code = main(list(args))
        except SystemExit as exc:  # as the interpreter would turn it into an exit code
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        finally:
            os.chdir(before)
            sys.stdout.flush()
            sys.stderr.flush()
        return Done(code, out.getvalue().decode(), err.getvalue().decode("utf-8", "replace"))


def clean_env(*, autoload: bool = False) -> dict[str, str]:
    """This process's environment without what the outer pytest (and xdist) put in it.

    Unless ``autoload``, the sample's pytest loads no plugins from entry points (tracker then
    loads its own with ``-p``; xdist needs ``-p xdist``): the hypothesis and snapshot plugins
    installed here would cost a second per run.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "COV_CORE"))}
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity and dates (deterministic commits)."""
    env = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_AUTHOR_DATE": "2026-03-05T12:00:00+00:00",
           "GIT_COMMITTER_DATE": "2026-03-05T12:00:00+00:00",
           "PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(root)}
    done = subprocess.run(["git", *args], cwd=root, env=env, text=True, capture_output=True,
                          check=True)
    return done.stdout


# -- processes that obey file modes, even as root -----------------------------------------------

#: CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: what lets root read and write past file modes.
_DAC_CAPS = (1, 2)
_PR_CAPBSET_DROP = 24
_CAP_VERSION_3 = 0x20080522


def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _drop_dac_for_this_thread() -> None:
    """Clear the file-mode overrides from this thread's effective and permitted capabilities
    (Linux capabilities are per thread: the rest of the process keeps them)."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc = _libc()
    header, data = Header(_CAP_VERSION_3, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    mask = ~sum(1 << cap for cap in _DAC_CAPS) & 0xFFFFFFFF
    data[0].effective &= mask
    data[0].permitted &= mask
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def obeying_modes(call: Callable[[], T]) -> T:
    """``call()`` run in a thread that file modes bind: as root, without the capabilities that
    override them. So a test of a read-only file (``chmod``) runs the same way for every user,
    root in a container included, and reaches the same lines (the same coverage) everywhere.
    Skips only a root that cannot give up capabilities (not Linux)."""
    if os.geteuid() != 0:
        return call()
    got: list[T] = []
    failed: list[BaseException] = []

    def work() -> None:
        try:
            _drop_dac_for_this_thread()
            got.append(call())
        except BaseException as exc:  # re-raised in the caller's thread
            failed.append(exc)

    if not sys.platform.startswith("linux"):
        import pytest

        pytest.skip("running as root where capabilities cannot be dropped")
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return got[0]


def modes_bind_child() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes a child process obey file modes even as root (its execve
    gives root back only the capabilities left in the bounding set); None for other users."""
    if os.geteuid() != 0:
        return None
    if not sys.platform.startswith("linux"):
        import pytest

        pytest.skip("running as root where capabilities cannot be dropped")

    def drop() -> None:
        libc = _libc()
        for cap in _DAC_CAPS:
            if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                raise OSError("cannot drop a capability: run the tests as another user")

    return drop


# -- how work grows with its input, without a clock budget -------------------------------------

def growth(small: Callable[[], object], big: Callable[[], object], *, repeat: int = 3) -> float:
    """How many times longer ``big()`` takes than ``small()``, each the best of ``repeat``
    runs in this process. A ratio, not seconds: it means the same on a fast machine, a slow
    one, a busy one and under coverage, so a test that holds a bound on how work grows (linear,
    not quadratic) passes or fails the same way everywhere. Timed goals go to benchmarks/."""
    import time

    def best(call: Callable[[], object]) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        return min(times)

    return best(big) / max(best(small), 1e-6)
