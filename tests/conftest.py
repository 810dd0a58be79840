"""Fixtures shared by test modules: real sample projects and runs, made once per process."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .test_run import Ran


@pytest.fixture(scope="session")
def ran(tmp_path_factory: pytest.TempPathFactory) -> Ran:
    """The sample project of test_run.py after one real ``tracker run -- -q`` (pytest under
    coverage.py, git, SQLite), made once per test process (each xdist worker) for the tests
    that only read it: test_run.py and test_ingest.py. Tests that change anything work on a
    copy (test_run.py's ``project``)."""
    from .test_run import run_sample

    return run_sample(tmp_path_factory.mktemp("run") / "shop")
