"""Fixtures for the terminal UI tests: a sample project with a stored run, fixed dates, and
waiting for the app's work instead of fixed pauses."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.paths import default_store_path
from tracker.store import Store

from ..helpers import git

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample"
TODAY = dt.date(2026, 3, 20)
T0 = dt.datetime(2026, 3, 18, 9, 30, tzinfo=dt.UTC)
#: how long a test waits for the app's work before it fails (a loaded machine is slow)
PATIENCE = 120.0


def recorded_run(minutes: int = 0, failing: bool = False, commit: str = "0" * 40) -> RunRecord:
    base = "tests/test_payments.py::"
    start = T0 + dt.timedelta(minutes=minutes)
    return RunRecord(
        started=start, finished=start + dt.timedelta(seconds=12), commit=commit,
        outcomes=(
            TestOutcome(base + "test_declined_card", "failed" if failing else "passed", 0.01,
                        ("payments",), message="assert False" if failing else None),
            TestOutcome(base + "test_card_errors[expired]", "passed", 0.02,
                        ("payments", "errors")),
            TestOutcome(base + "test_card_errors[stolen]", "passed", 0.02,
                        ("payments", "errors")),
            TestOutcome(base + "test_cart_total_never_negative", "passed", 0.01,
                        ("payments", "plan"), plan_items=("props",)),
        ),
        coverage=(FileCoverage("src/shop/payments.py", statements=2, missing=()),),
    )


@pytest.fixture(scope="session")
def sample_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample plan in a git repository, with two recorded runs (the last one failing):
    made once per test process, copied for each test by ``project``."""
    root = tmp_path_factory.mktemp("tui") / "shop"
    # only the files git tracks: caches left by other runs would change the commit's hash
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", ".tracker",
                                                                ".pytest_cache"))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "sample")
    head = git(root, "rev-parse", "HEAD").strip()  # runs of the code checked out
    with Store.open(default_store_path(root)) as store:
        store.add_run(recorded_run(0, commit=head))
        store.add_run(recorded_run(60, failing=True, commit=head))
    return root


@pytest.fixture
def project(sample_repository: Path, tmp_path: Path) -> Path:
    """The sample plan in a git repository, with two recorded runs (the last one failing):
    a copy of its own (repository and store included) for each test."""
    return Path(shutil.copytree(sample_repository, tmp_path / "shop", symlinks=True))


@pytest.fixture
def wait_for_workers() -> Callable[[App], Awaitable[None]]:
    """Wait until the app's workers are done, and those they started in turn (a run's worker
    starts a reload): harlequin's fixture, instead of pauses of a fixed length. The app's
    workers hand their results over with ``call_from_thread``, so once they are done the
    screen shows what they found."""

    async def wait(app: App) -> None:
        async def all_done() -> None:
            while busy := [w for w in app.workers if not w.is_finished]:
                await app.workers.wait_for_complete(busy)

        await asyncio.wait_for(all_done(), PATIENCE)

    return wait


async def wait_until(pilot: Pilot, condition: Callable[[], object]) -> None:
    """Let the app work until ``condition()`` holds; fail after PATIENCE seconds. For what no
    worker does (a screen pushed by a palette command, a file watcher's next look)."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {condition.__doc__ or condition}"
        await pilot.pause(0.02)
