"""``tracker history`` and ``tracker backfill`` as commands, on runs stored without pytest (quick),
and the pieces of backfill that need no run: keys by trees, why a run judges nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.evidence.results import CollectionError, FileCoverage, RunRecord, TestOutcome
from tracker.history.backfill_job import unjudged_reason
from tracker.history.treekey import DEFAULT_PATTERNS, KeySpec, tree_key
from tracker.store import Store, default_store_path

from .helpers import write
from .history_repo import commit, run
from .test_run import clean_env

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
PLAN = """
    title: P
    created: 2026-03-02
    phases:
      - id: "1"
        title: One
        items:
          - id: api
            text: API tests
            tests: [tests/test_api.py]
            targets: [src/api.py]
"""


def tracker(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, text=True,
                          capture_output=True, env=clean_env(), timeout=120, check=False)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """Three commits, runs stored for the first and the last, a dirty run, and reruns of the
    last commit where one test's outcome changes on unchanged code."""
    root = tmp_path_factory.mktemp("history") / "proj"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "plan.yaml", PLAN)
    write(root, "src/api.py", "def get():\n    return 1\n")
    write(root, "tests/test_other.py", "def test_other():\n    pass\n")
    shas = [commit(root, "2026-03-02", "api")]
    write(root, "tests/test_api.py", "def test_get():\n    pass\n\n\ndef test_retry():\n"
                                     "    pass\n")
    shas.append(commit(root, "2026-03-03", "api tests", "Bob"))
    write(root, "README.md", "# p\n")
    shas.append(commit(root, "2026-03-04", "readme"))
    hashes = {"tests/test_api.py": "1" * 40, "src/api.py": "2" * 40}
    base = RunRecord(started=T0, finished=T0, commit=shas[0],
                     outcomes=(TestOutcome("tests/test_other.py::test_other", "passed"),),
                     coverage=(FileCoverage("src/api.py", 10, (1, 2, 3, 4)),))
    later = dataclasses.replace(
        base, commit=shas[2], file_hashes=hashes,
        outcomes=(TestOutcome("tests/test_other.py::test_other", "passed"),
                  TestOutcome("tests/test_api.py::test_get", "passed"),
                  TestOutcome("tests/test_api.py::test_retry", "passed")),
        coverage=(FileCoverage("src/api.py", 10, (1,)),))
    flaked = dataclasses.replace(later, outcomes=(*later.outcomes[:2], TestOutcome(
        "tests/test_api.py::test_retry", "failed")), exit_code=1)
    with Store.open(default_store_path(root)) as store:
        store.add_run(base)
        store.add_run(later)
        store.add_run(flaked)
        store.add_run(dataclasses.replace(later, dirty=True))
        store.add_run(later)
    return root, shas


def test_history_lists_the_line_keeps_dirty_runs_apart_and_finds_the_flaky(project):
    root, shas = project
    done = tracker(root, "history", "--json", "--flaky")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["format"] == "tracker-history" and data["head"] == shas[2]
    assert [(c["commit"], c["run"], c["runs"]) for c in data["commits"]] == [
        (shas[2], 5, [5, 3, 2]), (shas[0], 1, [1])]
    assert data["commits"][0]["coverage_change"] == 30.0
    assert data["commits"][0]["tests_change"] == 2
    assert data["loose_runs"] == [{"run": 4, "commit": shas[2], "why": "dirty",
                                   "started": T0.isoformat(), "coverage": 90.0, "tests": 3}]
    (item,) = data["items"]
    assert item["arrived"]["commit"] == shas[1] and item["baseline"] == {"commit": shas[0],
                                                                         "run": 1}
    assert item["coverage"] == {"then": 60.0, "now": 90.0, "change": 30.0}
    assert item["tests"] == {"then": 0, "now": 2, "change": 2}
    assert data["flaky"] == [{"test": "tests/test_api.py::test_retry", "runs": 4, "failed": 1,
                              "outcomes": {"failed": 1, "passed": 3}, "failing_runs": [3],
                              "text": "failed 1 of 4 runs of unchanged code"}]
    text = tracker(root, "history", "--flaky").stdout
    assert "2 commits with runs on the first-parent line" in text
    assert "run 4: dirty on" in text and "arrived: api" not in text  # no run of its commit
    assert f"api: tests arrived in {shas[1][:10]} on 2026-03-03 (Bob); src/api.py 60.0% → " \
           "90.0%; tests 0 → 2" in text
    assert "tests/test_api.py::test_retry: failed 1 of 4 runs of unchanged code" in text


def test_history_without_runs_or_history_says_what_is_missing(tmp_path):
    root = tmp_path / "bare"
    root.mkdir()
    write(root, "plan.yaml", PLAN)
    write(root, "tests/test_api.py", "def test_get():\n    pass\n")
    outside = tracker(root, "history", "--json")
    assert outside.returncode == 0, outside.stderr
    data = json.loads(outside.stdout)
    assert data["commits"] == [] and "not in a git repository" in data["problem"]
    assert "not in a git repository" in data["items"][0]["reason"]
    run(root, "init", "-q")
    fresh = tracker(root, "history")
    assert fresh.returncode == 0 and "no commits yet" in fresh.stdout
    commit(root, "2026-03-02", "first")
    text = tracker(root, "history").stdout
    assert "0 commits with runs" in text
    assert "api: tests arrived in" in text and "tests 0 →" not in text


def test_history_without_a_baseline_names_the_backfill(project):
    root, shas = project
    with Store.open(default_store_path(root)) as store:
        assert store.runs()[-1].commit == shas[0]
    done = tracker(root, "history", "--item", "api", "--json")
    assert json.loads(done.stdout)["items"][0]["missing"] is None
    # in a clone without the first run, the parent of the arrival is what to backfill
    clone = root.parent / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    with Store.open(default_store_path(clone)) as store:
        store.add_run(RunRecord(started=T0, finished=T0, commit=shas[2]))
    item = json.loads(tracker(clone, "history", "--json").stdout)["items"][0]
    assert item["missing"] == shas[0]
    assert item["backfill"] == f"tracker backfill {shas[0][:12]}^!"


def test_backfill_refuses_what_is_not_a_range(project):
    root, shas = project
    whole = tracker(root, "backfill", "HEAD")
    assert whole.returncode == 2 and "give a range (A..B, or C^! for one commit)" in whole.stderr
    bad = tracker(root, "backfill", "nope..HEAD")
    assert bad.returncode == 2 and "is not a revision range of this repository" in bad.stderr
    option = tracker(root, "backfill", "--", "-k")
    assert option.returncode == 2
    recorded = tracker(root, "backfill", f"{shas[2]}^!")  # it has whole-suite runs
    assert recorded.returncode == 0, recorded.stderr
    assert "ran pytest 0 times, stored 0 runs, 1 already recorded" in recorded.stderr


def test_keys_count_the_files_that_can_change_a_run(tmp_path):
    spec = KeySpec(ignored=("plan.yaml",))
    for path in ("src/app.py", "tests/data/input.txt", "pyproject.toml", "setup.cfg",
                 "tests/conftest.py", "docs.py"):
        assert spec.matches(path), path
    for path in ("README.md", "docs/guide.py", "sub/docs/x.txt", ".github/workflows/ci.yml",
                 "LICENSE", "img/logo.png", "plan.yaml"):
        assert not spec.matches(path), path
    own = KeySpec(patterns=("src/", "tests/", "!tests/fixtures/big/", "*.toml"))
    assert own.matches("src/a/b.py") and own.matches("pyproject.toml")
    assert own.matches("tests/fixtures/small.json")
    assert not own.matches("tests/fixtures/big/blob.bin") and not own.matches("setup.py")
    assert KeySpec().digest() != KeySpec(pytest_args=("-k", "x")).digest()
    assert DEFAULT_PATTERNS[0] == "*"
    # the same relevant files give the same key, whatever else differs
    root = tmp_path / "keys"
    root.mkdir()
    run(root, "init", "-q")
    write(root, "src/a.py", "A = 1\n")
    commit(root, "2026-03-02", "one")
    first = run(root, "rev-parse", "HEAD^{tree}").strip()
    write(root, "README.md", "# docs\n")
    commit(root, "2026-03-03", "docs")
    docs = run(root, "rev-parse", "HEAD^{tree}").strip()
    write(root, "src/a.py", "A = 2\n")
    commit(root, "2026-03-04", "code")
    code = run(root, "rev-parse", "HEAD^{tree}").strip()
    keys = [tree_key(root, tree, spec) for tree in (first, docs, code)]
    assert keys[0] == keys[1] != keys[2]


def test_a_run_whose_every_file_failed_to_collect_judges_nothing():
    crash = RunRecord(started=T0, finished=T0, exit_code=2, collection_errors=(
        CollectionError("tests/test_a.py", "ModuleNotFoundError: No module named 'yarl'"),
        CollectionError("tests/test_b.py", "SyntaxError: invalid syntax")))
    assert unjudged_reason(crash) == (
        "a module the environment lacks (or renamed since): tests/test_a.py: "
        "ModuleNotFoundError: No module named 'yarl' (and 1 more)")
    broken = dataclasses.replace(crash, collection_errors=crash.collection_errors[1:])
    assert unjudged_reason(broken) == ("tests cannot be collected: tests/test_b.py: "
                                       "SyntaxError: invalid syntax")
    ran = dataclasses.replace(crash, outcomes=(TestOutcome("tests/test_c.py::test_c",
                                                           "passed"),))
    assert unjudged_reason(ran) is None  # failing files beside tests that ran: evidence


@pytest.mark.parametrize("command", ["history", "backfill"])
def test_history_commands_load_neither_textual_nor_gitpython(project, command):
    root, shas = project
    probe = ("import sys\nfrom tracker.cli import main\ncode = main(sys.argv[1:])\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "{'textual', 'rich', 'git'}), file=sys.stderr)")
    args = ["history"] if command == "history" else ["backfill", f"{shas[2]}^!"]
    done = subprocess.run([sys.executable, "-c", probe, *args], cwd=root, capture_output=True,
                          text=True, env=clean_env(), check=False)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
