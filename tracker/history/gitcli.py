"""Cheap git queries through the ``git`` command, for start-up paths.

``render`` and ``check`` need one or two facts from git (when plan.yaml last changed);
importing GitPython for that would cost more than the rest of the command. Heavier history
work uses GitPython elsewhere in this package.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path


class GitError(Exception):
    """git is missing, or the path is not in a repository, or git failed."""


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              env=env, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(str(exc)) from exc
    if done.returncode != 0:
        raise GitError(done.stderr.strip() or f"git {args[0]} failed")
    return done.stdout


def last_change(path: Path) -> dt.date | None:
    """Day ``path`` last changed: its last commit, or its mtime when modified or untracked.

    None when git cannot tell and the file is missing. The committer's own date is used, so
    every clone of the repository gets the same answer.
    """
    path = path.resolve()
    try:
        status = _git(path.parent, "status", "--porcelain", "--", path.name)
        if not status.strip():
            stamp = _git(path.parent, "log", "-1", "--format=%cs", "--", path.name).strip()
            if stamp:
                return dt.date.fromisoformat(stamp)
    except (GitError, ValueError):
        pass
    try:
        return dt.date.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return None


def head_state(root: Path) -> tuple[str | None, bool]:
    """The commit checked out at ``root`` and whether tracked files differ from it.

    (None, False) outside a repository or before the first commit.
    """
    try:
        commit = _git(root, "rev-parse", "--verify", "-q", "HEAD").strip() or None
    except GitError:
        return None, False
    try:
        dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no").strip())
    except GitError:
        dirty = False
    return commit, dirty


def first_added(root: Path, paths: list[str]) -> dict[str, tuple[str, dt.date]]:
    """For each path, the commit (and its day) that first added it to the history.

    One ``git log`` per 500 paths; paths git never saw are left out.
    """
    out: dict[str, tuple[str, dt.date]] = {}
    for start in range(0, len(paths), 500):
        chunk = paths[start:start + 500]
        try:
            text = _git(root, "log", "--diff-filter=A", "--format=@%H %cs", "--name-only",
                        "--", *chunk)
        except GitError:
            return out
        commit: tuple[str, dt.date] | None = None
        for line in text.splitlines():  # newest first: later lines overwrite with older adds
            if line.startswith("@"):
                sha, _, day = line[1:].partition(" ")
                try:
                    commit = (sha, dt.date.fromisoformat(day))
                except ValueError:
                    commit = None
            elif line.strip() and commit is not None:
                out[line.strip()] = commit
    return out
