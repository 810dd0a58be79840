"""Exchanging the notes ref with a remote: fetch, merge, push, retried when others push too.

Git is the shared store: CI jobs push the runs they noted, everyone fetches them. Several jobs
of one pipeline finish at the same moment, so a push is often rejected because another job
pushed first; the rejected side fetches again, merges (no run of either side is lost: see
tracker.history.notes.merge_notes) and pushes again, a few times.

The remote's notes are fetched into a private ref (``refs/tracker/remotes/<remote>``), never
straight onto ``refs/notes/tracker``: a fetch must not replace runs noted here and not yet
pushed. Shallow clones work: notes of commits that are not present locally are kept in the
notes ref like any other.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

from tracker.history.notes import (
    NOTES_REF,
    NotesError,
    git_run,
    list_notes,
    merge_notes,
    ref_value,
)

#: How many pushes are tried before giving up, when each one is rejected.
PUSH_ATTEMPTS = 5

_PRIVATE = "refs/tracker/remotes"
_NO_REMOTE_REF = re.compile(r"couldn't find remote ref|no such ref", re.I)
_REJECTED = re.compile(r"\[rejected\]|\[remote rejected\]|non-fast-forward|fetch first|"
                       r"cannot lock ref|failed to update ref|stale info", re.I)


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync did."""

    remote: str
    fetched: int  #: commits whose note arrived or grew from the remote
    pushed: bool  #: the remote's notes ref was moved to ours
    attempts: int  #: pushes tried (more than one: others pushed at the same time)


def default_remote(root: Path) -> str:
    """The current branch's remote, else ``origin``."""
    branch = git_run(root, "symbolic-ref", "--quiet", "--short", "HEAD").stdout.strip()
    if branch:
        remote = git_run(root, "config", "--get", f"branch.{branch}.remote").stdout.strip()
        if remote and remote != ".":
            return remote
    return "origin"


def check_remote(root: Path, remote: str) -> None:
    """NotesError unless ``remote`` is a configured remote, a URL or a repository's path."""
    done = git_run(root, "remote")
    if done.returncode != 0:
        raise NotesError(f"{root} is not in a git repository: run tracker sync in one")
    if remote in done.stdout.split():
        return
    if "://" in remote or re.match(r"^[\w.-]+@[\w.-]+:", remote) or Path(root, remote).exists():
        return
    known = ", ".join(done.stdout.split()) or "none"
    raise NotesError(f"no remote named {remote!r} (remotes: {known}): add one with "
                     "`git remote add`, or name one: tracker sync REMOTE")


def private_ref(remote: str) -> str:
    """Where the notes of ``remote`` are fetched to: a ref name made of the remote's name."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", remote).strip("-")[:60]
    if safe != remote:  # a URL or a path: keep two of them apart
        safe = f"{safe}-{hashlib.sha1(remote.encode(), usedforsecurity=False).hexdigest()[:8]}"
    return f"{_PRIVATE}/{safe or 'remote'}"


def fetch_notes(root: Path, remote: str, into: str) -> bool:
    """Fetch the remote's notes ref into ``into``; False when the remote has no notes yet."""
    done = git_run(root, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote,
                   f"+{NOTES_REF}:{into}", timeout=300)
    if done.returncode == 0:
        return True
    if _NO_REMOTE_REF.search(done.stderr):
        git_run(root, "update-ref", "-d", into)  # their notes are gone: nothing to merge
        return False
    raise NotesError(f"cannot fetch notes from {remote}: {_said(done.stderr)}")


def push_notes(root: Path, remote: str) -> bool:
    """Push the notes ref; False when the remote rejected it because it moved meanwhile."""
    done = git_run(root, "push", "--quiet", "--porcelain", remote, f"{NOTES_REF}:{NOTES_REF}",
                   timeout=300)
    if done.returncode == 0:
        return True
    if _REJECTED.search(done.stdout) or _REJECTED.search(done.stderr):
        return False
    raise NotesError(f"cannot push notes to {remote}: {_said(done.stderr or done.stdout)}")


def _said(text: str) -> str:
    """git's own reason, on one line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fatal = [line for line in lines if line.lower().startswith(("fatal:", "error:"))]
    return (fatal or lines or ["git gave no reason"])[0].removeprefix("fatal: ")


def sync_notes(root: Path, remote: str, *, push: bool = True,
               attempts: int = PUSH_ATTEMPTS) -> SyncResult:
    """Fetch the remote's notes, merge them with ours, push the union (unless not ``push``);
    a rejected push is fetched, merged and tried again, ``attempts`` times in all."""
    check_remote(root, remote)
    private = private_ref(remote)
    before = set(list_notes(root))
    pushed = False
    tries = 0
    while True:
        theirs = ref_value(root, private) if fetch_notes(root, remote, private) else None
        if theirs is not None:
            merge_notes(root, private)
        ours = ref_value(root, NOTES_REF)
        if not push or ours is None or ours == theirs:
            break  # nothing of ours that they lack, or not asked to push
        tries += 1
        if push_notes(root, remote):
            pushed = True
            git_run(root, "update-ref", private, ours)  # they hold ours now
            break
        if tries >= attempts:
            raise NotesError(f"the notes on {remote} kept changing: {tries} pushes were "
                             "rejected; run tracker sync again")
        time.sleep(random.uniform(0.05, 0.3) * tries)  # others are pushing: let them finish
    arrived = {commit for _, commit in set(list_notes(root)) - before}
    return SyncResult(remote, len(arrived), pushed, tries)
