"""Fixtures for the terminal UI tests: a sample project with a stored run, fixed dates."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tracker.evidence.results import FileCoverage, RunRecord, TestOutcome
from tracker.paths import default_store_path
from tracker.store import Store

from ..helpers import git

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample"
TODAY = dt.date(2026, 3, 20)
T0 = dt.datetime(2026, 3, 18, 9, 30, tzinfo=dt.UTC)


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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The sample plan in a git repository, with two recorded runs (the last one failing)."""
    root = tmp_path / "shop"
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
