"""``tracker backfill`` for real: past commits of small projects run with pytest and coverage in
temporary worktrees, stored, keyed by their trees; then ``tracker history`` reads them.

The projects: "shop" (five commits: a docs-only change, the item's tests arriving with a test
that needs the network, a commit whose tests cannot be collected, the fix, a docs change),
a repository whose top holds an ``__init__.py``, a src layout importable only through the
environment (as an editable install makes it), a partial clone missing old objects, and a
backfill stopped by SIGINT and resumed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from tracker.history.notes import NOTES_REF
from tracker.history.worktrees import import_paths
from tracker.store import Store, default_store_path

from .helpers import write
from .history_repo import commit, run
from .test_run import clean_env

pytestmark = pytest.mark.slow

PYPROJECT = """
    [tool.pytest.ini_options]
    testpaths = ["tests"]
    pythonpath = ["src"]
    markers = ["network: needs the network"]

    [tool.coverage.run]
    source = ["src"]
"""

CALC = """
    def add(a, b):
        return a + b


    def sub(a, b):
        if a < b:
            return -(b - a)
        return a - b
"""

PLAN = """
    title: Calc
    created: 2026-03-02
    phases:
      - id: "1"
        title: One
        items:
          - id: sub-tests
            text: Test sub
            tests: [tests/test_sub.py]
            targets: [src/calc.py]
"""

TEST_SUB = """
    import pytest

    from calc import sub


    def test_sub():
        assert sub(3, 1) == 2


    def test_sub_negative():
        assert sub(1, 3) == -2


    @pytest.mark.network
    def test_against_the_server():
        raise OSError("no network here")
"""


def tracker(cwd: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``tracker ARGS`` in a subprocess, as a user would run it."""
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, text=True,
                          capture_output=True, env=env or clean_env(), timeout=timeout,
                          check=False)


def in_terminal(cwd: Path, *args: str) -> tuple[int, str]:
    """``tracker ARGS`` with its stderr on a pseudo-terminal: its exit code and what it drew."""
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], cwd=cwd, env=clean_env(),
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=600), b"".join(chunks).decode("utf-8", "replace")


def git_state(root: Path) -> tuple[str, ...]:
    """Everything backfill must leave alone: HEAD, branches, index, working tree, worktrees."""
    return (run(root, "rev-parse", "HEAD"), run(root, "symbolic-ref", "-q", "HEAD"),
            run(root, "for-each-ref"), run(root, "status", "--porcelain=v2"),
            run(root, "diff"), run(root, "diff", "--cached"), run(root, "worktree", "list"),
            run(root, "stash", "list"))


@dataclass
class Shop:
    root: Path
    shas: dict[str, str]
    before: tuple[str, ...]  #: git_state before the first backfill
    first: subprocess.CompletedProcess[str]  #: tracker backfill -j 2 c1..c6
    tmp: Path  #: the temporary folder (TMPDIR) of that backfill


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    root = tmp_path_factory.mktemp("backfill") / "shop"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "pyproject.toml", PYPROJECT)
    write(root, "src/calc.py", CALC)
    write(root, "tests/test_add.py", "from calc import add\n\n\ndef test_add():\n"
                                     "    assert add(1, 2) == 3\n")
    write(root, "plan.yaml", PLAN)
    write(root, ".gitignore", ".tracker/\n")
    shas = {"c1": commit(root, "2026-03-02", "calc")}
    write(root, "README.md", "# calc\n")
    shas["c2"] = commit(root, "2026-03-03", "readme")
    write(root, "tests/test_sub.py", TEST_SUB)
    shas["c3"] = commit(root, "2026-03-04", "sub tests", "Bob")
    write(root, "tests/test_broken.py", "import left_pad_of_2016\n")
    shas["c4"] = commit(root, "2026-03-05", "a test needing a module we lack")
    (root / "tests/test_broken.py").unlink()
    shas["c5"] = commit(root, "2026-03-06", "drop it")
    write(root, "docs/guide.md", "How to calc.\n")
    shas["c6"] = commit(root, "2026-03-07", "docs")
    # the user's own work in progress: a change staged, another not, an untracked file
    write(root, "src/calc.py", CALC + "\n\ndef mul(a, b):\n    return a * b\n")
    run(root, "add", "src/calc.py")
    write(root, "README.md", "# calc, edited\n")
    write(root, "notes.txt", "untracked\n")
    before = git_state(root)
    tmp = tmp_path_factory.mktemp("tmpdir")
    first = tracker(root, "backfill", f"{shas['c1']}..HEAD", "-j", "2", "--",
                    "-k", "not network", env={**clean_env(), "TMPDIR": str(tmp)})
    return Shop(root, shas, before, first, tmp)


def test_each_distinct_tree_runs_once_and_what_cannot_be_judged_says_why(shop):
    assert shop.first.returncode == 0, shop.first.stderr
    err = shop.first.stderr
    # c2..c6: c2, c3 and c4 differ; c5 is c3 again, c6 only adds docs
    assert "backfilled 5 commits (3 distinct trees): ran pytest 3 times, stored 4 runs " \
           "(2 from identical trees), 1 not judged" in err
    assert "\r" not in err  # no progress line outside a terminal
    assert f"{shop.shas['c4'][:10]} not judged: a module the environment lacks" in err
    assert "No module named 'left_pad_of_2016'" in err
    with Store.open(default_store_path(shop.root)) as store:
        runs = {r.commit: r for r in store.runs()}
        assert set(runs) == {shop.shas[c] for c in ("c2", "c3", "c5", "c6")}
        assert {r.source for r in runs.values()} == {"pytest"}  # pytest's arguments, markers
        assert not any(r.dirty for r in runs.values())
        c3 = store.run(runs[shop.shas["c3"]].id)
    assert sorted(o.nodeid for o in c3.outcomes) == [
        "tests/test_add.py::test_add", "tests/test_sub.py::test_sub",
        "tests/test_sub.py::test_sub_negative"]  # the network test was deselected by -k
    assert c3.args == ("-k", "not network") and c3.deselected
    assert {f.path for f in c3.coverage} == {"src/calc.py"}
    assert runs[shop.shas["c2"]].coverage_total < runs[shop.shas["c3"]].coverage_total == 100.0


def test_the_users_checkout_is_left_exactly_as_it_was(shop):
    assert shop.first.returncode == 0
    assert git_state(shop.root) == shop.before
    assert (shop.root / "notes.txt").exists()
    assert not any(shop.tmp.iterdir())  # every temporary worktree was removed


def test_a_second_backfill_of_the_range_runs_nothing(shop):
    again = tracker(shop.root, "backfill", f"{shop.shas['c1']}..HEAD", "--", "-k", "not network")
    assert again.returncode == 0, again.stderr
    assert "ran pytest 0 times, stored 0 runs, 4 backfilled before, 1 not judged" in again.stderr
    assert "(found before; --retry tries again)" in again.stderr  # said again, not run again


def test_history_shows_the_runs_and_what_the_item_changed(shop):
    assert shop.first.returncode == 0
    done = tracker(shop.root, "history", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    s = shop.shas
    assert [row["commit"] for row in data["commits"]] == [s["c6"], s["c5"], s["c3"], s["c2"]]
    assert {row["source"] for row in data["commits"]} == {"backfill"}  # the index knows
    c3 = data["commits"][2]
    assert c3["items_arrived"] == ["sub-tests"] and c3["tests_change"] == 2
    assert c3["coverage"] == 100.0 and c3["coverage_change"] > 0 and c3["partial"]
    assert data["unjudged"][0]["commit"] == s["c4"]
    (item,) = data["items"]
    assert item["arrived"]["commit"] == s["c3"] and item["arrived"]["author"] == "Bob"
    assert item["baseline"]["commit"] == s["c2"]
    assert item["tests"] == {"then": 0, "now": 2, "change": 2}
    assert item["coverage"]["now"] == 100.0 and item["coverage"]["change"] > 0
    assert item["text"].startswith(f"tests arrived in {s['c3'][:10]} on 2026-03-04 (Bob)")
    text = tracker(shop.root, "history", "--item", "sub-tests").stdout
    assert "4 commits with runs" in text and "sub-tests: tests arrived in" in text
    bad = tracker(shop.root, "history", "--item", "nope")
    assert bad.returncode == 2 and "--item nope: no item has this id" in bad.stderr


def test_notes_are_written_for_stored_runs_with_note(shop, tmp_path):
    clone = tmp_path / "shop"
    subprocess.run(["git", "clone", "-q", str(shop.root), str(clone)], check=True)
    shutil.copytree(shop.root / ".tracker", clone / ".tracker")  # the index and the store
    done = tracker(clone, "backfill", f"{shop.shas['c4']}..HEAD", "--note", "--",
                   "-k", "not network")
    assert done.returncode == 0, done.stderr
    assert "ran pytest 0 times" in done.stderr and "noted 2" in done.stderr
    noted = run(clone, "notes", "--ref", NOTES_REF, "list").split()
    assert shop.shas["c5"] in noted and shop.shas["c6"] in noted


def test_a_partial_clone_missing_old_objects_records_why_and_goes_on(shop, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(shop.root, source, ignore=shutil.ignore_patterns(".tracker"))
    run(source, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "shop"
    subprocess.run(["git", "clone", "-q", "--filter=blob:none", f"file://{source}", str(clone)],
                   check=True, capture_output=True)
    shutil.rmtree(source)  # the promisor remote is gone: old blobs cannot be fetched
    done = tracker(clone, "backfill", f"{shop.shas['c3']}..{shop.shas['c5']}", "--",
                   "-k", "not network")
    assert done.returncode == 0, done.stderr
    assert f"{shop.shas['c4'][:10]} not judged: objects missing from this clone" in done.stderr
    assert "ran pytest 1 time, stored 1 run" in done.stderr  # c5's blobs are all here
    assert "worktree" not in run(clone, "worktree", "list").split("\n", 1)[-1]


def test_a_repository_whose_top_is_a_package_runs_under_its_folder_name(tmp_path):
    root = tmp_path / "pkgroot"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "__init__.py", "")
    write(root, "mod.py", "def f():\n    return 1\n")
    write(root, "tests/__init__.py", "")
    write(root, "tests/test_mod.py", "from pkgroot.mod import f\n\n\ndef test_f():\n"
                                     "    assert f() == 1\n")
    write(root, "pytest.ini", "[pytest]\ntestpaths = tests\n")
    write(root, "plan.yaml", "title: P\ncreated: 2026-03-02\nphases: []\n")
    commit(root, "2026-03-02", "first")
    write(root, "mod.py", "def f():\n    return 1\n\n\ndef g():\n    return 2\n")
    commit(root, "2026-03-03", "second")
    code, drawn = in_terminal(root, "backfill", "HEAD^!")
    assert code == 0, drawn
    assert "ran pytest 1 time, stored 1 run" in drawn
    assert "\r  backfill: 0/1 commits · running " in drawn  # the progress line, in a terminal
    with Store.open(default_store_path(root)) as store:
        (summary,) = store.runs()
        assert summary.counts["passed"] == 1


def test_code_installed_from_the_checkout_is_imported_from_the_worktree(tmp_path):
    """A src layout importable only through the environment (an editable install, here
    PYTHONPATH), in a subfolder of the repository: at the old commit, the old code must be
    the one imported and measured, and pytest must run in the worktree's subfolder."""
    repo = tmp_path / "mono"
    root = repo / "svc"
    root.mkdir(parents=True)
    run(repo, "init", "-q", "-b", "main")
    write(root, "pyproject.toml", "[tool.coverage.run]\nsource = [\"src\"]\n")
    write(root, "src/inst_pkg/__init__.py", "def old():\n    return 'old'\n")
    write(root, "tests/test_it.py", "from inst_pkg import old\n\n\ndef test_old():\n"
                                    "    assert old() == 'old'\n")
    write(root, "plan.yaml", "title: P\ncreated: 2026-03-02\nphases: []\n")
    write(repo, "other/test_elsewhere.py", "def test_not_ours():\n    raise AssertionError\n")
    first = commit(repo, "2026-03-02", "old api")
    write(root, "src/inst_pkg/__init__.py", "def new():\n    return 'new'\n")
    write(root, "tests/test_it.py", "from inst_pkg import new\n\n\ndef test_new():\n"
                                    "    assert new() == 'new'\n")
    commit(repo, "2026-03-03", "new api")
    env = clean_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "src"),
                                                      env.get("PYTHONPATH")]))
    done = tracker(root, "backfill", f"{first}^!", env=env)
    assert done.returncode == 0, done.stderr
    with Store.open(default_store_path(root)) as store:
        run_ = store.latest_run()
    assert run_ is not None and run_.commit == first
    assert [(o.nodeid, o.outcome) for o in run_.outcomes] == [("tests/test_it.py::test_old",
                                                               "passed")]
    assert [f.path for f in run_.coverage] == ["src/inst_pkg/__init__.py"]


def test_import_paths_map_the_checkout_into_the_worktree(tmp_path):
    checkout, worktree = tmp_path / "proj", tmp_path / "wt" / "proj"
    (checkout / "src" / "pkg").mkdir(parents=True)
    (checkout / ".venv" / "site-packages").mkdir(parents=True)  # untracked: not in worktrees
    (worktree / "src" / "pkg").mkdir(parents=True)
    finder = ModuleType("__editable___proj_0_1_finder")
    finder.MAPPING = {"pkg": str(checkout / "src" / "pkg"), "other": "/elsewhere/other"}  # type: ignore[attr-defined]
    paths = import_paths(checkout, worktree, path=[str(checkout), "/usr/lib/python3", "",
                                                   str(checkout / ".venv" / "site-packages")],
                         modules={finder.__name__: finder, "json": json})
    assert paths == [str(worktree / "."), str(worktree / "src")]


SLOW_TEST = """
    import os
    import time


    def test_slow():
        time.sleep(float(os.environ.get("BACKFILL_SLEEP", "0")))
"""


def test_ctrl_c_removes_the_worktrees_and_the_next_backfill_resumes(tmp_path):
    root = tmp_path / "slow"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "src/m.py", "X = 1\n")
    write(root, "tests/test_fast.py", "def test_fast():\n    pass\n")
    write(root, "plan.yaml", "title: P\ncreated: 2026-03-02\nphases: []\n")
    base = commit(root, "2026-03-02", "base")
    write(root, "src/m.py", "X = 2\n")
    commit(root, "2026-03-03", "fast")
    write(root, "tests/test_slow.py", SLOW_TEST)
    commit(root, "2026-03-04", "slow")
    env = {**clean_env(), "BACKFILL_SLEEP": "300"}
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "backfill", f"{base}..HEAD"],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    index = root / ".tracker" / "backfill" / "index.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # until the fast commit is judged and the slow one runs
        judged = index.exists() and '"ran"' in index.read_text(encoding="utf-8")
        if judged and len(run(root, "worktree", "list").splitlines()) == 2:
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted: the commits judged so far are kept" in err
    assert len(run(root, "worktree", "list").splitlines()) == 1
    assert run(root, "status", "--porcelain") == ""
    again = tracker(root, "backfill", f"{base}..HEAD")
    assert again.returncode == 0, again.stderr
    assert "backfilled 2 commits (1 distinct tree): ran pytest 1 time, stored 1 run, " \
           "1 backfilled before" in again.stderr


def test_status_still_works_after_a_backfill_longer_than_the_whole_runs_kept(tmp_path):
    root = tmp_path / "long"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "src/m.py", "X = 1\n")
    write(root, "tests/test_m.py", "def test_m():\n    pass\n")
    write(root, "plan.yaml", PLAN.replace("tests/test_sub.py", "tests/test_m.py")
          .replace("src/calc.py", "src/m.py"))
    base = commit(root, "2026-03-01", "base")
    for n in range(32):
        write(root, f"docs/n{n}.md", f"{n}\n")
        commit(root, "2026-03-02", f"docs {n}")
    assert tracker(root, "run", "--show-output").returncode == 0
    done = tracker(root, "backfill", f"{base}..HEAD~1")
    assert "ran pytest 1 time, stored 31 runs" in done.stderr, done.stderr
    status = tracker(root, "status")
    assert status.returncode == 0, status.stderr


def test_done_means_history_document_and_status_tell_the_same_delta_and_trend(shop):
    """Issue 15's "done means": a project whose history nobody recorded, backfilled; then
    ``history --item`` names the commit where the item's tests arrived and the coverage
    change of its targets, ``status --json`` and the rendered document say the same, and the
    document draws the trend over the backfilled commits."""
    assert shop.first.returncode == 0, shop.first.stderr
    s = shop.shas
    history = tracker(shop.root, "history", "--item", "sub-tests", "--json")
    assert history.returncode == 0, history.stderr
    (item,) = json.loads(history.stdout)["items"]
    said = item["text"]
    assert said.startswith(f"tests arrived in {s['c3'][:10]} on 2026-03-04 (Bob); "
                           "src/calc.py ") and "→ 100.0%" in said and "tests 0 → 2" in said
    status = tracker(shop.root, "status", "--json")
    assert status.returncode == 0, status.stderr
    (judged,) = json.loads(status.stdout)["items"]
    assert judged["delta"]["text"] == said
    assert judged["delta"]["coverage"] == item["coverage"]
    # c5 and c6 ran the code of c3 again: the same figures add no point
    assert [p["commit"] for p in json.loads(status.stdout)["trend"]] == [s["c2"], s["c3"]]
    document = tracker(shop.root, "render", "--today", "2026-03-20")
    assert document.returncode == 0, document.stderr
    assert f"changed: {said}" in document.stdout
    trend = document.stdout.split("## Trend", 1)[1]
    labels = ", ".join(f'"{s[c][:7]}"' for c in ("c2", "c3"))
    assert f"```mermaid\nxychart-beta\n    title \"Coverage (%)\"\n    x-axis [{labels}]" in trend
    assert "    bar [1, 3]" in trend  # test count per commit, oldest first
    again = tracker(shop.root, "render", "--today", "2026-03-20")  # from the cached git log
    assert again.stdout == document.stdout
    assert (shop.root / ".tracker" / "cache" / "gitlog.pickle").is_file()


def test_a_job_asked_to_stop_before_it_starts_runs_nothing(tmp_path):
    """Ctrl-C can land while a job's worktree is being made, before its process exists and
    before ``interrupt()`` can see it: the job must then start nothing (it used to start
    the suite and wait for it to end, however long that took)."""
    import threading

    from tracker.history.backfill import Options, _Job, _JobRunner
    from tracker.history.worktrees import Worktrees

    root = tmp_path / "repo"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "tests/test_a.py", "def test_a():\n    pass\n")
    sha = commit(root, "2026-03-02", "base")
    cancel = threading.Event()
    cancel.set()
    logs = tmp_path / "logs"
    logs.mkdir()
    with Worktrees(root) as worktrees:
        runner = _JobRunner(worktrees, "", logs, Options((f"{sha}^!",)), cancel)
        done = runner.run(_Job("key", (sha,)))
    assert done.cancelled
    assert list(logs.iterdir()) == []  # no suite was started (each writes its log there)
    assert len(run(root, "worktree", "list").splitlines()) == 1


def test_a_commit_pytest_refuses_to_start_on_says_what_pytest_said(tmp_path):
    """An old commit configures pytest in a way today's pytest refuses (``[pytest]`` in
    setup.cfg): the reason quotes pytest, not "see its message above" about a terminal that
    showed nothing, and names the log."""
    root = tmp_path / "old"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "src/calc.py", CALC)
    write(root, "tests/test_add.py", "from calc import add\n\n\ndef test_add():\n"
                                     "    assert add(1, 2) == 3\n")
    write(root, "setup.cfg", "[pytest]\npythonpath = src\n")  # pytest's only config here
    write(root, "plan.yaml", PLAN)
    write(root, ".gitignore", ".tracker/\n")
    old = commit(root, "2026-03-02", "configured the old way")
    done = tracker(root, "backfill", f"{old}^!")
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "not judged:" in line]
    assert len(said) == 1, done.stderr
    assert f"{old[:10]} not judged: pytest did not start (exit" in said[0]
    assert "[pytest] section in setup.cfg files is no longer supported" in said[0]
    assert f".tracker/backfill/logs/{old}.log)" in said[0]
    assert "above" not in said[0] and "arguments after --" not in said[0]
