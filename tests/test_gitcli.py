"""The cheap git queries: when test files first appeared, through renames and subfolders."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from tracker.history.gitcli import first_added

from .helpers import write


def commit(root: Path, day: str, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_AUTHOR_DATE": f"{day}T12:00:00+00:00",
           "GIT_COMMITTER_DATE": f"{day}T12:00:00+00:00"}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=root, check=True, env=env)


def test_first_added_follows_renames_and_names_as_the_plan_sees_them(tmp_path):
    repo = tmp_path / "repo"
    svc = repo / "svc"
    write(svc, "tests/test_old.py", "def test_a():\n    pass\n")
    write(svc, "tests/test_café.py", "def test_b():\n    pass\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    commit(repo, "2024-01-10", "first")
    (svc / "tests" / "unit").mkdir()
    subprocess.run(["git", "mv", "svc/tests/test_old.py", "svc/tests/unit/test_new.py"],
                   cwd=repo, check=True, capture_output=True)
    write(svc, "tests/test_later.py", "def test_c():\n    pass\n")
    commit(repo, "2024-06-01", "move")
    found = first_added(svc, ["tests/unit/test_new.py", "tests/test_café.py",
                              "tests/test_later.py", "tests/test_never.py"])
    assert {path: when.date() for path, (_, when) in found.items()} == {
        "tests/unit/test_new.py": dt.date(2024, 1, 10),  # written then, moved later
        "tests/test_café.py": dt.date(2024, 1, 10),
        "tests/test_later.py": dt.date(2024, 6, 1),
    }
    assert found["tests/test_later.py"][1] == dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)


def test_first_added_outside_a_repository_is_empty(tmp_path):
    write(tmp_path, "tests/test_a.py", "")
    assert first_added(tmp_path, ["tests/test_a.py"]) == {}


def test_git_started_ahead_of_need_gives_the_same_answers(tmp_path):
    """render starts its git commands before reading the plan (gitcli.prefetch): the
    answers are those of git run when asked, each command is taken once, and a command
    nothing asks for is ended."""
    from tracker.history import gitcli
    from tracker.history.signoff_log import prefetch_signoffs, read_signoffs

    repo = tmp_path / "repo"
    write(repo, "plan.yaml", "title: T\n")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    commit(repo, "2024-03-05", "plan")
    plan = repo / "plan.yaml"
    asked = (gitcli.last_change(plan), read_signoffs(plan, dt.date(2024, 3, 1)))
    gitcli.prefetch_last_change(plan)
    prefetch_signoffs(plan, dt.date(2024, 3, 1))
    assert len(gitcli._started) == 4
    assert (gitcli.last_change(plan), read_signoffs(plan, dt.date(2024, 3, 1))) == asked
    assert asked[0] == dt.date(2024, 3, 5) and asked[1] is not None
    assert not gitcli._started  # each taken once: the next call asks git again
    write(repo, "plan.yaml", "title: Changed\n")
    gitcli.prefetch_last_change(plan)
    gitcli.forget_prefetched()  # asked for nothing: ended, not left running
    assert not gitcli._started
    assert gitcli.last_change(plan) == dt.date.today()  # modified: its mtime, asked now
