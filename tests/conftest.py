"""Fixtures shared by test modules: real sample projects and runs, made once per process."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from .test_run import Ran

# Property tests draw the same examples on every run and every machine: our own plan document
# shows the coverage of a run of this suite (docs/testing/plan.md), and with random examples
# the lines they happen to reach would change it from one run to the next. No example database
# either (it replays the failures this machine saw), and no deadline or slowness check (a busy
# machine is slow, not wrong). HYPOTHESIS_PROFILE=explore draws new examples, to look for bugs.
settings.register_profile("same-everywhere", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "same-everywhere"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Import every module of tracker before any test runs, in each process that runs tests.

    A module runs its top level (imports, ``def`` and ``class`` lines) once per process, under
    the coverage context of whatever is running then. Modules imported lazily, inside a test,
    had those lines counted for the first test file that imported them in that xdist worker,
    which depends on how xdist handed out the tests: the items' "by its own tests" figures
    of our own document (checked byte for byte) moved between runs of the same code. Imported
    here, while no test runs, those lines are in no test file's context, in every run
    (tracker.evidence.own_coverage leaves them out of every item's figure). The xdist
    controller runs no tests and is left alone.
    """
    config = session.config
    if config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        return
    import importlib
    import pkgutil

    import tracker

    for module in pkgutil.walk_packages(tracker.__path__, "tracker."):
        if module.name != "tracker.__main__":  # runs the CLI when imported
            importlib.import_module(module.name)


@pytest.fixture(autouse=True)
def _first_snapshot_taken_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's first snapshot is taken in the test's own process, never in a forked child.

    Whether ``make_app`` forks depends on the machine's load (tracker.tui.prefetch.can_fork),
    so in-process it would reach prefetch's fork path on a quiet machine only, and our own
    coverage figures (docs/testing/plan.md, checked byte for byte) would depend on the load.
    Forking a test runner's process is also what can_fork exists to avoid. The child's path
    is tested, and measured, in fresh interpreters (tui/test_prefetch.py). Here, not in
    tests/tui/conftest.py: tests outside tests/tui drive the app too (test_changes_shown.py's
    flaky-test pane judged flaky tests in a forked child on a quiet machine only).
    """
    from tracker.tui import prefetch

    monkeypatch.setattr(prefetch, "can_fork", lambda: False)


@pytest.fixture(scope="session")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    """The sample project of test_run.py after one real ``tracker run -- -q`` (pytest under
    coverage.py, git, SQLite), made once per test process (each xdist worker) for the tests
    that only read it: test_run.py and test_ingest.py. Tests that change anything work on a
    copy (test_run.py's ``project``)."""
    from .test_run import run_sample

    return run_sample(tmp_path_factory.mktemp("run") / "shop")
