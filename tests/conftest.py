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


@pytest.fixture(scope="session")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    """The sample project of test_run.py after one real ``tracker run -- -q`` (pytest under
    coverage.py, git, SQLite), made once per test process (each xdist worker) for the tests
    that only read it: test_run.py and test_ingest.py. Tests that change anything work on a
    copy (test_run.py's ``project``)."""
    from .test_run import run_sample

    return run_sample(tmp_path_factory.mktemp("run") / "shop")
