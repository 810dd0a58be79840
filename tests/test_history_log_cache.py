"""The git log kept in .tracker/cache by HEAD (tracker.history.log_cache): a warm read asks git
for HEAD only and gives what a walk gives; a new commit, other files followed or a damaged
entry mean walking again; no repository still works."""

from __future__ import annotations

import os
import shutil

import pytest

from tracker.history.log import read_log
from tracker.history.log_cache import cache_file, cached_log

from .helpers import write
from .history_repo import Repo, commit, make_history

FILES = ["src/core.py", "tests/unit/test_app.py", "tests/test_gone.py"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """The scripted history, made once; each test gets a copy (they add commits)."""
    return make_history(tmp_path_factory.mktemp("cache") / "repo")


@pytest.fixture
def repo(made: Repo, tmp_path) -> Repo:
    root = tmp_path / "repo"
    shutil.copytree(made.root, root, symlinks=True)
    return Repo(root, made.shas)


def test_a_warm_read_is_the_walk_and_does_not_run_git_log(repo, monkeypatch):
    walked = read_log(repo.root, FILES)
    first = cached_log(repo.root, FILES)
    assert first == walked and cache_file(repo.root).is_file()
    stamp = os.stat(cache_file(repo.root)).st_mtime_ns
    # git log cannot run now: only rev-parse through a wrapper that refuses "log"
    bin_dir = repo.root.parent / "bin"
    bin_dir.mkdir()
    real = shutil.which("git")
    assert real is not None
    (bin_dir / "git").write_text(f'#!/bin/sh\nfor a in "$@"; do [ "$a" = log ] && exit 99; '
                                 f'done\nexec {real} "$@"\n')
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert read_log(repo.root, FILES).problem is not None  # the wrapper does refuse
    warm = cached_log(repo.root, FILES)
    assert warm == walked and warm.problem is None
    assert os.stat(cache_file(repo.root)).st_mtime_ns == stamp  # read, not written


def test_a_new_commit_or_other_files_walk_again(repo):
    cached_log(repo.root, FILES)
    other = cached_log(repo.root, [*FILES, "tests/test_merge.py"])
    assert other.files["tests/test_merge.py"].added == repo.shas["m"]
    write(repo.root, "tests/test_new.py", "def test_new():\n    pass\n")
    new = commit(repo.root, "2026-02-10", "h: a new test")
    after = cached_log(repo.root, [*FILES, "tests/test_new.py"])
    assert after.head == new and after.files["tests/test_new.py"].added == new
    assert cached_log(repo.root, FILES).head == new


def test_a_damaged_entry_is_walked_again(repo):
    cached_log(repo.root, FILES)
    path = cache_file(repo.root)
    data = path.read_bytes()
    path.write_bytes(data[:40] + b"garbage")
    assert cached_log(repo.root, FILES) == read_log(repo.root, FILES)


def test_outside_a_repository_it_says_so_and_writes_nothing(tmp_path):
    log = cached_log(tmp_path, ["tests/test_x.py"])
    assert log.head is None and "not in a git repository" in (log.problem or "")
    assert not cache_file(tmp_path).exists()
