"""The documented CI workflow, step by step, on real clones of a bare "remote".

Two shard jobs each run half of the suite and note it; a final job syncs, renders the
document and gates on a phase; a teammate's fresh clone that fetched the notes renders the
same bytes, with the shards' outcomes and coverage combined. Every step is a real `tracker`
process, every exchange a real `git push`/`git fetch`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import git, run_cli, write
from .test_run import clean_env

pytestmark = pytest.mark.slow

TODAY = "2026-03-20"

PLAN = """\
title: Shards
created: 2026-03-02
phases:
  - id: "1"
    title: Core
    weeks: 1-2
    items:
      - id: prices
        text: Price rules
        tests: [tests/unit/test_prices.py]
        targets: [src/shop/prices.py]
        expect: {target_coverage: 100}
      - id: orders
        text: Orders end to end
        tests: [tests/integration/test_orders.py]
metrics:
  - {id: coverage, title: Coverage, measure: coverage.total, target: ">= 90"}
"""

PRICES = """\
def price(amount, code=None):
    if code == "HALF":
        return amount / 2
    return amount


def order_total(amounts):
    return sum(price(a) for a in amounts)
"""

UNIT = """\
from shop.prices import price


def test_plain():
    assert price(10) == 10


def test_half():
    assert price(10, "HALF") == 5
"""

INTEGRATION = """\
from shop.prices import order_total


def test_total():
    assert order_total([1, 2]) == 3
"""


def tracker(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = run_cli(*args, cwd=cwd, env=clean_env())
    assert "Traceback" not in done.stderr, done.stderr
    return done


def clone(remote: Path, where: Path) -> Path:
    """A CI checkout: the whole history (fetch-depth: 0), then the notes fetched."""
    git(where.parent, "clone", "-q", str(remote), where.name)
    git(where, "config", "user.name", "CI")
    git(where, "config", "user.email", "ci@example.com")
    return where


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("ci")
    dev = base / "dev"
    write(dev, "plan.yaml", PLAN)
    write(dev, "pyproject.toml", '[tool.pytest.ini_options]\npythonpath = ["src"]\n'
          '[tool.coverage.run]\nsource = ["src"]\n')
    write(dev, "src/shop/__init__.py", "")
    write(dev, "src/shop/prices.py", PRICES)
    write(dev, "tests/unit/test_prices.py", UNIT)
    write(dev, "tests/integration/test_orders.py", INTEGRATION)
    write(dev, ".gitignore", ".tracker/\n__pycache__/\n.coverage*\n")
    git(dev, "init", "-q", "-b", "main")
    git(dev, "add", "-A")
    git(dev, "commit", "-qm", "shop")
    bare = base / "origin.git"
    git(base, "clone", "-q", "--bare", str(dev), bare.name)
    for shard, path in (("unit", "tests/unit"), ("integration", "tests/integration")):
        job = clone(bare, base / f"job-{shard}")
        done = tracker(job, "run", "--note", "--", "-p", "no:cacheprovider", path)
        assert done.returncode == 0, done.stderr
        done = tracker(job, "sync")
        assert done.returncode == 0, done.stderr
    return bare


def test_the_final_job_judges_the_shards_together_and_a_fresh_clone_agrees(remote, tmp_path):
    final = clone(remote, tmp_path / "final")
    assert tracker(final, "sync").returncode == 0
    status = tracker(final, "status", "--today", TODAY, "--require", "1")
    assert status.returncode == 0, status.stdout + status.stderr
    (final / "docs").mkdir()
    rendered = tracker(final, "render", "--today", TODAY, "-o", "docs/plan.md")
    assert rendered.returncode == 0, rendered.stderr
    document = (final / "docs" / "plan.md").read_text(encoding="utf-8")
    prices = document.split("`prices`", 1)[1].split("\n- [", 1)[0]
    assert "- [x] `prices`" in document and "- [x] `orders`" in document
    assert "targets covered 100.0%" in prices, \
        "line 3 by the unit shard, line 8 by the other: combined, every line of prices.py"
    assert "not yet run" not in document
    # a teammate's fresh clone, with plain git: fetch the notes, import, render the same bytes
    mate = clone(remote, tmp_path / "mate")
    (mate / "docs").mkdir()
    (mate / "docs" / "plan.md").write_text(document, encoding="utf-8")
    early = tracker(mate, "render", "--check", "docs/plan.md")
    assert early.returncode == 1
    assert "no test run is recorded in this clone; fetch the runs noted on the remote with " \
        "`tracker sync`" in early.stderr, "not 'stale': the runs are on the remote"
    git(mate, "fetch", "-q", "origin", "refs/notes/tracker:refs/notes/tracker")
    assert tracker(mate, "store", "rebuild").returncode == 0
    check = tracker(mate, "render", "--check", "docs/plan.md")
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_clone_without_the_notes_sees_no_run_and_says_so(remote, tmp_path):
    lone = clone(remote, tmp_path / "lone")
    status = tracker(lone, "status", "--today", TODAY, "--require", "1")
    assert status.returncode == 1
    assert "required but not done: phase 1: 0 of 2 done" in status.stderr


def test_ci_compares_the_documents_statuses_not_their_figures(tmp_path):
    """.ci/same-statuses passes a document whose figures moved and fails one whose status
    moved: CI's fallback when our own run's coverage differs by a line from the refresh's."""
    script = Path(__file__).resolve().parent.parent / ".ci" / "same-statuses"
    committed = Path(__file__).resolve().parent.parent / "docs" / "testing" / "plan.md"
    text = committed.read_text(encoding="utf-8")
    figures = tmp_path / "figures.md"
    figures.write_text(re.sub(r"\d+\.\d%", "12.3%", text), encoding="utf-8")
    status = tmp_path / "status.md"
    status.write_text(text.replace("- [x]", "- [ ]", 1).replace("✔ done:", "◐ in progress:", 1),
                      encoding="utf-8")

    def compare(other: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), str(committed), str(other)],
                              capture_output=True, text=True, check=False)

    assert compare(figures).returncode == 0
    moved = compare(status)
    assert moved.returncode == 1
    assert "in progress" in moved.stderr


def test_shards_split_by_keyword_are_judged_as_the_whole_suite(remote, tmp_path):
    """Two jobs split by ``-k plain`` and ``-k "not plain"``: together the whole suite, so the
    document says "whole suite" and the targets' coverage is theirs, not "part of the
    suite, laid over earlier runs"."""
    remote = Path(shutil.copytree(remote, tmp_path / "origin.git"))  # the others' stays
    dev = clone(remote, tmp_path / "dev")
    write(dev, "NOTES.md", "keyword shards\n")
    git(dev, "add", "-A")
    git(dev, "commit", "-qm", "a commit of its own for the keyword shards")
    git(dev, "push", "-q", "origin", "HEAD")
    for n, keyword in enumerate(("plain", "not plain")):
        job = clone(remote, tmp_path / f"k{n}")
        done = tracker(job, "run", "--note", "--", "-p", "no:cacheprovider", "-k", keyword)
        assert done.returncode == 0, done.stderr
        assert tracker(job, "sync").returncode == 0
    final = clone(remote, tmp_path / "final")
    assert tracker(final, "sync").returncode == 0
    document = tracker(final, "render", "--today", TODAY).stdout
    assert "a test run of this code (3 tests, whole suite)" in document, document[:800]
    assert "- [x] `prices`" in document and "targets covered 100.0%" in document


def test_files_rerun_after_a_whole_run_do_not_pass_for_the_suite(remote, tmp_path):
    """A whole run noted, then two teammates each rerun one file and note it: the reruns lie
    over the whole run. Combined as shards, they passed for the whole suite, and the test
    neither reran read "did not run"."""
    remote = Path(shutil.copytree(remote, tmp_path / "origin.git"))
    dev = clone(remote, tmp_path / "dev")
    write(dev, "NOTES.md", "reruns\n")
    git(dev, "add", "-A")
    git(dev, "commit", "-qm", "a commit of its own for the reruns")
    git(dev, "push", "-q", "origin", "HEAD")
    assert tracker(dev, "run", "--note", "--", "-p", "no:cacheprovider").returncode == 0
    assert tracker(dev, "sync").returncode == 0
    for n, node in enumerate(("tests/unit/test_prices.py::test_plain",
                              "tests/integration/test_orders.py")):
        mate = clone(remote, tmp_path / f"mate{n}")
        assert tracker(mate, "run", "--note", "--", "-p", "no:cacheprovider", node).returncode == 0
        assert tracker(mate, "sync").returncode == 0
    final = clone(remote, tmp_path / "final")
    assert tracker(final, "sync").returncode == 0
    status = tracker(final, "status", "--today", TODAY, "--require", "1")
    assert status.returncode == 0, status.stdout + status.stderr
    document = tracker(final, "render", "--today", TODAY).stdout
    assert "did not run" not in document
    assert "(3 tests, part of the suite, laid over earlier runs)" in document


def test_two_files_run_on_a_new_commit_lie_over_the_shards_before_it(remote, tmp_path):
    """CI's shards judged the parent; on a docs-only commit a developer runs one file, then
    another. Those two are not the suite: they lie over the shards' runs of the parent,
    which still speak for the test neither ran."""
    remote = Path(shutil.copytree(remote, tmp_path / "origin.git"))
    dev = clone(remote, tmp_path / "dev")
    assert tracker(dev, "sync").returncode == 0
    write(dev, "NOTES.md", "a docs-only commit\n")
    git(dev, "add", "-A")
    git(dev, "commit", "-qm", "docs")
    for node in ("tests/unit/test_prices.py::test_plain", "tests/integration/test_orders.py"):
        done = tracker(dev, "run", "--", "-p", "no:cacheprovider", node)
        assert done.returncode == 0, done.stderr
    status = tracker(dev, "status", "--today", TODAY, "--require", "1")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "did not run" not in status.stdout
