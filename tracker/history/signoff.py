"""Recording reviews and approvals of the plan in git, as commits with trailers.

A sign-off typed into plan.yaml would be as trustworthy as a hand-ticked checkbox. A commit is
better evidence: it has an author, a date, a place in history, and can be SSH- or GPG-signed.
So ``tracker review`` and ``tracker approve`` make commits with ``Reviewed-by: NAME`` and
``Approved-by: NAME (ROLE)`` trailers, plus ``Tracker-Plan: PATH`` naming the plan, so that
several plans can share a repository and ordinary code-review trailers are not mistaken for
plan reviews. Reading them back is :mod:`tracker.history.signoff_log`; deciding which count
is :mod:`tracker.signoffs`, part of ``assess``.

Writing uses GitPython. Commits are built from a temporary index holding HEAD's tree (plus
plan.yaml for a review), so that whatever else the user has staged is never swept into
them, and they go through ``git commit`` itself, so the user's hooks and ``commit.gpgSign``
apply. Names are refused when they would change the trailers' meaning (a newline starting
another trailer, brackets moving where the role begins).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tracker.history.signoff_log import APPROVED_BY, PLAN_TRAILER, REVIEWED_BY
from tracker.people import person_problem


class SignOffError(Exception):
    """A sign-off cannot be recorded; the message says why and what to do."""


@dataclass(frozen=True)
class Recorded:
    """What ``record_review`` or ``record_approval`` did."""

    commit: str
    notes: tuple[str, ...] = ()  #: things the user should know (shown as warnings)


# -- writing ----------------------------------------------------------------------------------


def repository_root(plan_path: Path) -> Path:
    """The work tree that would record a sign-off of the plan.

    SignOffError when there is none, or when a merge, rebase, cherry-pick or revert is in
    progress there (a commit now would conclude it with the wrong content).
    """
    return Path(_repo(plan_path).working_tree_dir or ".")


def record_review(plan_path: Path, name: str, *, title: str, next_review: dt.date,
                  note: str | None = None, when: dt.datetime | None = None) -> Recorded:
    """Commit plan.yaml as it is now in the work tree, with a ``Reviewed-by`` trailer.

    The caller has already written the new ``review.next``. Only plan.yaml goes into the
    commit; other staged changes stay staged, and the index's plan.yaml is updated to what was
    committed. ``when`` dates the commit (its author date is the review's date), for a review
    recorded as of another day; by default git's clock.
    """
    _check_name(name)
    subject = f"Review testing plan {_quoted(title)}; next review {next_review.isoformat()}"
    body = [note.strip()] if note and note.strip() else []
    return _record(plan_path, name, subject, body, f"{REVIEWED_BY}: {name}", include_plan=True,
                   when=when)


def record_approval(plan_path: Path, name: str, role: str, *, title: str) -> Recorded:
    """An empty commit with an ``Approved-by: NAME (ROLE)`` trailer: the sign-off of HEAD's plan.

    Refuses when plan.yaml is not committed, since an approval must name a version.
    """
    _check_name(name)
    if not role.strip() or not role.isprintable():
        raise SignOffError(f"role {role!r}: give the role on one line")
    repo = _repo(plan_path)
    rel = _relative(repo, plan_path)
    if not _committed(repo, rel):
        raise SignOffError(f"{rel} is not committed yet: commit it first, so that the approval "
                           "names a version of the plan")
    notes = []
    if repo.git.status("--porcelain", "--", rel).strip():
        notes.append(f"{rel} has uncommitted changes: this approval covers the committed "
                     "version only")
    done = _record(plan_path, name, f"Approve testing plan {_quoted(title)} as {role}", [],
                   f"{APPROVED_BY}: {name} ({role})", include_plan=False)
    return replace(done, notes=tuple(notes) + done.notes)


def _record(plan_path: Path, name: str, subject: str, body: list[str], trailer: str, *,
            include_plan: bool, when: dt.datetime | None = None) -> Recorded:
    import git

    repo = _repo(plan_path)
    rel = _relative(repo, plan_path)
    message = "\n\n".join([subject, *body, f"{trailer}\n{PLAN_TRAILER}: {rel}"]) + "\n"
    env = _identity(repo, name)
    if when is not None:
        env["GIT_AUTHOR_DATE"] = when.isoformat()
    import tempfile  # only when recording: reading sign-offs is on render's start-up path

    with tempfile.TemporaryDirectory(prefix="tracker-signoff-") as tmp:
        index = {**env, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        message_file = Path(tmp) / "message"
        message_file.write_text(message, encoding="utf-8")
        try:
            if repo.head.is_valid():
                repo.git.read_tree("HEAD", env=index)
            else:
                repo.git.read_tree("--empty", env=index)
            if include_plan:
                repo.git.update_index("--add", "--", rel, env=index)
            repo.git.commit("--allow-empty", "--cleanup=whitespace", "-F", str(message_file),
                            env=index)
            commit = repo.git.rev_parse("HEAD")
        except git.GitCommandError as exc:
            raise SignOffError(f"git commit failed: {_git_message(exc)}") from exc
    notes: list[str] = []
    if include_plan:
        try:  # the real index: plan.yaml as committed, so status shows no revert
            repo.git.update_index("--add", "--", rel)
        except git.GitCommandError as exc:
            notes.append(f"committed, but could not update the index ({_git_message(exc)}): "
                         f"run git add {rel}")
    if repo.head.is_detached:
        notes.append(f"HEAD is detached: commit {commit[:10]} is on no branch and is lost at "
                     "the next checkout; keep it with `git switch -c NAME` or cherry-pick it")
    return Recorded(commit, tuple(notes))


def _repo(plan_path: Path) -> Any:
    try:
        import git
    except ImportError as exc:  # GitPython raises ImportError when git itself is missing
        raise SignOffError(f"git is not available ({exc}): install git") from exc
    folder = Path(plan_path).absolute().parent
    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise SignOffError(f"{folder} is not in a git repository, where sign-offs are "
                           "recorded: run `git init` there (or use the plan in a "
                           "repository)") from exc
    if repo.bare or repo.working_tree_dir is None:
        raise SignOffError(f"{folder} is in a bare repository: use a clone with a work tree")
    git_dir = Path(repo.git_dir)
    for marker, what in _IN_PROGRESS:
        if (git_dir / marker).exists():
            raise SignOffError(f"a {what} is in progress in {repo.working_tree_dir}: finish or "
                               "abort it first, then record the sign-off")
    return repo


_IN_PROGRESS = (("MERGE_HEAD", "merge"), ("rebase-merge", "rebase"), ("rebase-apply", "rebase"),
                ("CHERRY_PICK_HEAD", "cherry-pick"), ("REVERT_HEAD", "revert"))


def _relative(repo: Any, plan_path: Path) -> str:
    top = Path(repo.working_tree_dir).resolve()
    path = Path(plan_path).absolute().parent.resolve() / Path(plan_path).name
    try:
        return path.relative_to(top).as_posix()
    except ValueError as exc:
        raise SignOffError(f"{plan_path} is outside the work tree {top}") from exc


def _committed(repo: Any, rel: str) -> bool:
    import git

    try:
        repo.git.cat_file("-e", f"HEAD:{rel}")
    except git.GitCommandError:
        return False
    return True


def _identity(repo: Any, name: str) -> dict[str, str]:
    """The repository's own identity when configured; else NAME (with no e-mail)."""
    import git

    env: dict[str, str] = {}
    for who in ("AUTHOR", "COMMITTER"):
        try:
            repo.git.execute(["git", "-c", "user.useConfigOnly=true", "var",
                              f"GIT_{who}_IDENT"])
        except git.GitCommandError:
            env[f"GIT_{who}_NAME"] = name
            env[f"GIT_{who}_EMAIL"] = ""
    return env


def _git_message(exc: Any) -> str:
    text = (getattr(exc, "stderr", "") or str(exc)).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line.removeprefix("stderr: ").strip("'").strip() for line in lines]
    return "; ".join(line for line in lines[-3:] if line) or "unknown error"


def _quoted(title: str) -> str:
    first = title.strip().splitlines()[0] if title.strip() else "plan"
    return f'"{first}"'


def _check_name(name: str) -> None:
    problem = person_problem(name)
    if problem is not None:
        raise SignOffError(f"{name!r}: {problem}")
