"""The one pass over git (tracker.history.log) on real repositories with a scripted history:
renames, a deletion and a new file of the same name, a merged branch, a file born in a merge,
a detached HEAD, a shallow clone, a plan in a subfolder, no commits, no repository."""

from __future__ import annotations

import subprocess

import pytest

from tracker.history.log import TOP, parse_log, read_log

from .helpers import write
from .history_repo import Repo, commit, make_history, run

FILES = ["src/core.py", "tests/unit/test_app.py", "tests/test_gone.py", "tests/test_feature.py",
         "tests/test_merge.py", "tests/test_never.py"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    return make_history(tmp_path_factory.mktemp("log") / "repo")


def test_every_commit_is_read_children_before_parents(repo):
    log = read_log(repo.root, FILES)
    assert log.problem is None and log.head == repo.shas["g"]
    assert set(log.order) == set(repo.shas.values())
    for sha in log.order:
        for parent in log.commits[sha].parents:
            assert log.position[parent] > log.position[sha]
    merge = log.commits[repo.shas["m"]]
    assert merge.parents == (repo.shas["e"], repo.shas["f2"])
    assert merge.author == "Dee" and merge.subject == "m: merge feature"
    assert merge.day.isoformat() == "2026-02-01"


def test_the_first_parent_line_and_where_branch_commits_arrived(repo):
    log = read_log(repo.root, [])
    s = repo.shas
    assert log.first_parent == tuple(s[k] for k in ("g", "m", "e", "d", "c", "b", "a"))
    assert log.arrivals[s["f1"]] == s["m"] and log.arrivals[s["f2"]] == s["m"]
    assert log.arrivals[s["e"]] == s["e"]
    assert list(log.first_parents(s["f2"])) == [s["f2"], s["f1"], s["c"], s["b"], s["a"]]


def test_files_are_followed_through_renames_to_where_they_first_appeared(repo):
    files = read_log(repo.root, FILES).files
    s = repo.shas
    moved = files["tests/unit/test_app.py"]
    assert moved.added == s["a"] and moved.names == ("tests/test_app.py",)
    assert moved.touched == (s["b"], s["a"])
    # renamed on the branch while main changed it: the merge (RM) is a change, not a birth
    core = files["src/core.py"]
    assert core.added == s["a"] and core.names == ("src/app.py",)
    assert s["m"] in core.touched and s["f2"] in core.touched


def test_a_branch_commit_keeps_its_author_and_a_merge_born_file_is_found(repo):
    log = read_log(repo.root, FILES)
    feature = log.files["tests/test_feature.py"]
    assert feature.added == repo.shas["f1"]  # not the merge that brought it
    assert log.commits[feature.added].author == "Cid"
    born = log.files["tests/test_merge.py"]
    assert born.added == repo.shas["m"] and born.touched == (repo.shas["m"],)


def test_a_file_deleted_and_added_again_starts_a_new_life(repo):
    files = read_log(repo.root, FILES).files
    assert files["tests/test_gone.py"].added == repo.shas["g"]
    assert files["tests/test_never.py"].added is None  # never committed
    assert files["tests/test_never.py"].touched == ()


def test_detached_head_reads_the_history_behind_it(repo, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(clone)], check=True)
    run(clone, "checkout", "-q", "--detach", repo.shas["e"])
    log = read_log(clone, FILES)
    assert log.head == repo.shas["e"] and log.problem is None
    assert log.files["tests/unit/test_app.py"].added == repo.shas["a"]
    assert log.files["tests/test_feature.py"].added is None  # not behind this HEAD
    assert repo.shas["m"] not in log.commits


def test_a_shallow_clone_says_what_it_cannot_know(repo, tmp_path):
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo.root}", str(clone)],
                   check=True, capture_output=True)
    log = read_log(clone, FILES)
    assert log.head == repo.shas["g"]
    assert log.problem is not None and "shallow" in log.problem and "--unshallow" in log.problem
    assert log.shallow == {repo.shas["m"]}
    app = log.files["tests/unit/test_app.py"]
    assert app.added == repo.shas["m"] and app.cut_off  # at the edge: really older
    gone = log.files["tests/test_gone.py"]
    assert gone.added == repo.shas["g"] and not gone.cut_off  # inside what was fetched


def test_a_plan_in_a_subfolder_names_files_as_the_plan_does(tmp_path):
    root = tmp_path / "mono"
    root.mkdir()
    run(root, "init", "-q", "-b", "main")
    write(root, "legacy/test_old.py", "def test_old():\n    pass\n")
    write(root, "svc/tests/test_ünï.py", "def test_u():\n    pass\n")
    first = commit(root, "2026-01-01", "first")
    (root / "svc/tests/moved").mkdir()
    run(root, "mv", "legacy/test_old.py", "svc/tests/moved/test old.py")
    commit(root, "2026-01-02", "move into svc")
    log = read_log(root / "svc", ["tests/moved/test old.py", "tests/test_ünï.py"])
    moved = log.files["tests/moved/test old.py"]
    assert moved.added == first and moved.names == (f"{TOP}legacy/test_old.py",)
    assert log.files["tests/test_ünï.py"].added == first


def test_no_commits_and_no_repository_say_so(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    run(empty, "init", "-q")
    log = read_log(empty, ["tests/test_a.py"])
    assert log.head is None and "no commits" in (log.problem or "")
    assert log.first_parent == () and log.history_of("tests/test_a.py").added is None
    outside = tmp_path / "outside"
    outside.mkdir()
    log = read_log(outside, ["tests/test_a.py"])
    assert log.head is None and "not in a git repository" in (log.problem or "")


def test_parse_log_reads_odd_names_and_empty_commits():
    sha = "1" * 40
    text = (f"\x1e{sha}\x1f\x1f1767225600\x1f1767225600\x1fZoë\x1fsubject with \x1f inside\0"
            "\nA\0tests/a\tb.py\0")
    commits, order, files = parse_log(text, ["tests/a\tb.py", "x.py"])
    assert order == (sha,) and commits[sha].subject == "subject with \x1f inside"
    assert commits[sha].author == "Zoë" and commits[sha].parents == ()
    assert files["tests/a\tb.py"].added == sha and files["x.py"].added is None
