"""Cheap git queries through the ``git`` command, for start-up paths.

``render`` and ``check`` need a few facts from git (when plan.yaml last changed, the
sign-off commits); importing GitPython for that would cost more than the rest of the
command. :func:`_git` is this package's one way of running the git command (the sign-off
reader uses it too); recording sign-offs uses GitPython (:mod:`tracker.history.signoff`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path


class GitError(Exception):
    """git is missing, or the path is not in a repository, or git failed."""


def _git(cwd: Path, *args: str, timeout: float = 30, stdin: bytes | None = None) -> str:
    """Run git in ``cwd``; its output as text, or GitError (git missing, not a repository,
    git failed). Line endings become LF; :func:`_git_bytes` keeps git's bytes.
    """
    out = _git_bytes(cwd, *args, timeout=timeout, stdin=stdin)
    return out.decode("utf-8", "surrogateescape").replace("\r\n", "\n").replace("\r", "\n")


def run_git(cwd: Path, *args: str, timeout: float = 30, stdin: bytes | None = None,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The one place tracker runs git to completion; the finished process, whatever its exit
    status (GitError only when git cannot be run or times out).

    Never prompts: a remote asking for a password fails instead of hanging a CI job. ``env``
    adds to the environment (an identity for notes commits). The long-running readers that
    stream git's output (``cat-file --batch``, ``log``) start their own process with
    :func:`git_command` and :func:`git_env`.
    """
    started = (_started.pop((os.fspath(cwd), args), None)
               if stdin is None and env is None else None)
    try:
        if started is not None:  # begun earlier (see prefetch): take its answer
            try:
                out, err = started.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                started.kill()
                started.communicate()
                raise
            return subprocess.CompletedProcess(started.args, started.returncode, out, err)
        return subprocess.run(git_command(*args), cwd=cwd, input=stdin, capture_output=True,
                              env=git_env(env), timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(str(exc)) from exc


#: git commands started ahead of need, by folder and arguments (see prefetch)
_started: dict[tuple[str, tuple[str, ...]], subprocess.Popen[bytes]] = {}


def prefetch(cwd: Path, *args: str) -> None:
    """Start ``git args`` in ``cwd`` now; the first :func:`run_git` of the same command in
    the same folder takes its answer instead of starting git then.

    A command needs a few facts from git that do not depend on what Python does meanwhile
    (when plan.yaml last changed, its sign-offs): asked before the plan is read, git answers
    while Python reads, on another core, instead of after it. A command never asked for
    is ended by :func:`forget_prefetched`.
    """
    key = (os.fspath(cwd), args)
    if key in _started:
        return
    with contextlib.suppress(OSError):  # git missing, the folder gone: the real call says so
        _started[key] = subprocess.Popen(git_command(*args), cwd=cwd, env=git_env(),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE)


def forget_prefetched() -> None:
    """End the git commands started ahead of need that nothing asked for."""
    while _started:
        _, process = _started.popitem()
        process.kill()
        process.communicate()


def git_command(*args: str) -> list[str]:
    """The argument vector of a git command as tracker runs it (paths quoted never)."""
    return ["git", "-c", "core.quotePath=false", *args]


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """git's environment: no optional locks, the C locale, no prompts, plus ``extra``."""
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0",
            **(extra or {})}


def _git_bytes(cwd: Path, *args: str, timeout: float = 30, stdin: bytes | None = None
               ) -> bytes:
    """git's output as bytes (object contents and their sizes need them), or GitError when
    it fails; :func:`_git` is its text view."""
    done = run_git(cwd, *args, timeout=timeout, stdin=stdin)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(message or f"git {args[0]} failed")
    return done.stdout


def last_change(path: Path) -> dt.date | None:
    """Day ``path`` last changed: its last commit, or its mtime when modified or untracked.

    None when git cannot tell and the file is missing. The committer's own date is used, so
    every clone of the repository gets the same answer.
    """
    path = path.resolve()
    status_args, log_args = _last_change_commands(path)
    try:
        status = _git(path.parent, *status_args)
        if not status.strip():
            stamp = _git(path.parent, *log_args).strip()
            if stamp:
                return dt.date.fromisoformat(stamp)
    except (GitError, ValueError):
        pass
    try:
        return dt.date.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return None


def prefetch_last_change(path: Path) -> None:
    """Start the git commands :func:`last_change` will run for ``path`` (see prefetch)."""
    path = path.resolve()
    for args in _last_change_commands(path):
        prefetch(path.parent, *args)


def _last_change_commands(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Whether ``path`` is modified, and the day of its last commit."""
    return (("status", "--porcelain", "--", path.name),
            ("log", "-1", "--format=%cs", "--", path.name))


def hooks_folder(folder: Path) -> tuple[Path, Path]:
    """The top of the work tree holding ``folder``, and the folder git runs its hooks from
    (``core.hooksPath`` when set, else ``.git/hooks``). GitError outside a work tree (its
    ``__cause__`` is an OSError when git itself cannot run)."""
    lines = _git(folder, "rev-parse", "--show-toplevel", "--git-path", "hooks").splitlines()
    if len(lines) != 2:
        raise GitError("not in a work tree")
    return Path(lines[0]), Path(os.path.normpath(folder / lines[1]))


def is_shallow(root: Path) -> bool:
    """Whether ``root`` is in a shallow clone (``git clone --depth N``, CI's default), whose
    history stops at a grafted commit: what git says of older changes is then unknown."""
    try:
        return _git(root, "rev-parse", "--is-shallow-repository").strip() == "true"
    except GitError:
        return False


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


def first_added(root: Path, paths: list[str]) -> dict[str, tuple[str, dt.datetime]]:
    """For each path (relative to ``root``), the commit and its time (committer date, with
    its zone) that first added it, following renames (a test file moved with ``git mv``
    keeps the day it was written). The time, not only the day, orders the history screen.

    One ``git log`` over the history of ``root``'s folder, whatever the number of paths:
    many pathspecs make git compare every commit against every one of them, which on years
    of history takes minutes. Paths git never saw are left out.
    """
    aliases = {path: path for path in paths}  #: a name in history -> the path it became
    out: dict[str, tuple[str, dt.datetime]] = {}
    try:
        text = _git(root, "log", "--diff-filter=AR", "-M", "--name-status", "--relative",
                    "--format=@%H %cI", "--", ".", timeout=300)
    except GitError:
        return out
    commit: tuple[str, dt.datetime] | None = None
    for line in text.splitlines():  # newest first: an older add of the same file wins
        if line.startswith("@"):
            sha, _, when = line[1:].partition(" ")
            try:
                commit = (sha, dt.datetime.fromisoformat(when))
            except ValueError:
                commit = None
            continue
        status, _, names = line.partition("\t")
        if commit is None or not names:
            continue
        if status.startswith("R"):
            old, _, new = names.partition("\t")
            target = aliases.get(new)
            if target is not None:
                out[target] = commit  # appeared here under this name, at least
                aliases.setdefault(old, target)
        elif status == "A" and names in aliases:
            out[aliases[names]] = commit
    return out
