"""A scripted git history shared by the history tests: files added, renamed, deleted and added
again, a feature branch merged, a file that first appeared in a merge commit, and a rename on
a branch while the other side changed the file.

    a  2026-01-05 Ann    add src/app.py, tests/test_app.py
    b  2026-01-10 Ann    git mv tests/test_app.py → tests/unit/test_app.py
    c  2026-01-12 Bob    add tests/test_gone.py                    (main)
    f1 2026-01-15 Cid    add tests/test_feature.py                 (branch feature, off c)
    d  2026-01-20 Bob    delete tests/test_gone.py                 (main)
    f2 2026-01-22 Cid    git mv src/app.py → src/core.py           (feature)
    e  2026-01-25 Bob    change src/app.py                         (main)
    m  2026-02-01 Dee    merge feature; conflict-free, and tests/test_merge.py added in it
    g  2026-02-03 Ann    add tests/test_gone.py again (a new file of the same name)
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .helpers import write


def commit(root: Path, day: str, message: str, author: str = "Ann", *args: str) -> str:
    """``git add -A`` and commit as ``author`` on ``day``; the new commit's id."""
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author}@example.com",
           "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": f"{author}@example.com",
           "GIT_AUTHOR_DATE": f"{day}T12:00:00+00:00",
           "GIT_COMMITTER_DATE": f"{day}T12:00:00+00:00"}
    run(root, "add", "-A", env=env)
    run(root, "commit", "-qm", message, *args, env=env)
    return run(root, "rev-parse", "HEAD").strip()


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=root, env=env, text=True, capture_output=True,
                          check=True)
    return done.stdout


@dataclass
class Repo:
    root: Path
    shas: dict[str, str]  #: label (a, b, ... m, g) → commit id


APP = "".join(f"line {n}\n" for n in range(30))


def make_history(root: Path) -> Repo:
    root.mkdir(parents=True)
    run(root, "init", "-q", "-b", "main")
    shas = {}
    write(root, "src/app.py", APP)
    write(root, "tests/test_app.py", "def test_app():\n    pass\n")
    shas["a"] = commit(root, "2026-01-05", "a: app and its test")
    (root / "tests/unit").mkdir()
    run(root, "mv", "tests/test_app.py", "tests/unit/test_app.py")
    shas["b"] = commit(root, "2026-01-10", "b: move the test")
    write(root, "tests/test_gone.py", "def test_gone():\n    pass\n")
    shas["c"] = commit(root, "2026-01-12", "c: a test that will go", "Bob")
    run(root, "checkout", "-q", "-b", "feature")
    write(root, "tests/test_feature.py", "def test_feature():\n    pass\n")
    shas["f1"] = commit(root, "2026-01-15", "f1: feature test", "Cid")
    run(root, "checkout", "-q", "main")
    (root / "tests/test_gone.py").unlink()
    shas["d"] = commit(root, "2026-01-20", "d: drop it", "Bob")
    run(root, "checkout", "-q", "feature")
    run(root, "mv", "src/app.py", "src/core.py")
    shas["f2"] = commit(root, "2026-01-22", "f2: rename app to core", "Cid")
    run(root, "checkout", "-q", "main")
    write(root, "src/app.py", APP + "appended on main\n")
    shas["e"] = commit(root, "2026-01-25", "e: change app on main", "Bob")
    run(root, "merge", "-q", "--no-ff", "--no-commit", "feature")
    write(root, "tests/test_merge.py", "def test_merge():\n    pass\n")
    shas["m"] = commit(root, "2026-02-01", "m: merge feature", "Dee")
    write(root, "tests/test_gone.py", "def test_back():\n    pass\n")
    shas["g"] = commit(root, "2026-02-03", "g: a new test_gone", "Ann")
    return Repo(root, shas)
