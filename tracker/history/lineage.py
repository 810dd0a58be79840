"""Which commits' runs speak for the code checked out: HEAD's first-parent history.

Runs live in the store (recorded here, imported from git notes, backfilled). The evidence for
HEAD comes from runs of HEAD and of its first-parent ancestors, nearest first: a commit that
changed only docs keeps its parent's evidence (whether a result still holds is then decided
file by file, by content hashes), while runs of other branches never speak for this one.
"""

from __future__ import annotations

from pathlib import Path

from tracker.history.gitcli import GitError, _git

#: How far back the first-parent history is read: well past the runs a store keeps.
MAX_COMMITS = 5000


def first_parent(root: Path, limit: int = MAX_COMMITS) -> dict[str, int] | None:
    """HEAD's first-parent commits, each with its distance from HEAD (HEAD is 0).

    None when ``root`` is not in a git repository or has no commit yet: then no commit can
    be told apart and every recorded run counts, as before git was asked. A shallow clone
    gives the commits it has.
    """
    try:
        text = _git(root, "rev-list", "--first-parent", f"--max-count={limit}", "HEAD")
    except GitError:
        return None
    commits = text.split()
    return {sha: distance for distance, sha in enumerate(commits)} or None
