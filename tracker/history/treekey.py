"""Keys for backfilled results: a hash of the files of a commit that can change a test run.

Two commits whose tests, sources and pytest and coverage configuration are identical give the
same results, whatever else differs (a README edit, a docs change, the plan itself): backfill
runs the suite once per key, and never again for a key it has judged. The key is computed from
git's own object ids (``git ls-tree``), so no file is read or checked out; a partial clone's
missing blobs do not matter here.

Which files count is a list of patterns, read like ``.gitignore`` lines: the last pattern that
matches a path decides, ``!`` excludes, a trailing ``/`` matches folders, a pattern holding a
``/`` is anchored at the top of the repository, any other matches a file or folder name at any
depth. The default takes every file but documentation, images and CI settings; a project whose
tests read its README gives its own list (``--key``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from tracker.history.notes import git_run

#: Everything but what cannot change a test run in the current environment.
DEFAULT_PATTERNS = (
    "*", "!*.md", "!*.rst", "!*.adoc", "!docs/", "!doc/", "!.github/", "!.gitlab-ci.yml",
    "!.gitignore", "!.gitattributes", "!.mailmap", "!.editorconfig", "!.pre-commit-config.yaml",
    "!LICENSE*", "!COPYING*", "!AUTHORS*", "!CHANGELOG*", "!NEWS*",
    "!*.png", "!*.jpg", "!*.jpeg", "!*.gif", "!*.svg", "!*.ico",
)

#: Bumped when the way keys are computed changes: older keys then never match.
KEY_VERSION = 1


@dataclass(frozen=True)
class KeySpec:
    """What besides the files decides a run's results: how the suite is run."""

    patterns: tuple[str, ...] = DEFAULT_PATTERNS  #: which files count (see the module doc)
    prefix: str = ""  #: the plan's folder, relative to the top: where pytest runs
    pytest_args: tuple[str, ...] = ()
    coverage: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  #: plan's source and omit
    ignored: tuple[str, ...] = ()  #: more paths (top-relative) that never count: the plan

    def matches(self, path: str) -> bool:
        """Whether ``path`` (relative to the top) is one of the files that count."""
        if path in self.ignored:
            return False
        decided = False
        for pattern in self.patterns:
            negated = pattern.startswith("!")
            if _match(pattern[1:] if negated else pattern, path):
                decided = not negated
        return decided

    def digest(self) -> str:
        """A hash of everything but the files: part of every key."""
        data = json.dumps([KEY_VERSION, list(self.patterns), self.prefix, list(self.pytest_args),
                           [list(part) for part in self.coverage], list(self.ignored)])
        return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def _match(pattern: str, path: str) -> bool:
    folders_only = pattern.endswith("/")
    pattern = pattern.rstrip("/")
    parts = path.split("/")
    if folders_only:
        parts = parts[:-1]
    if "/" in pattern:  # anchored: the path itself or a folder it is in
        pattern = pattern.lstrip("/")
        return any(fnmatchcase("/".join(parts[:n]), pattern) for n in range(1, len(parts) + 1))
    return any(fnmatchcase(part, pattern) for part in parts)


class TreeKeyError(Exception):
    """A commit's key could not be computed (its trees are missing); the message says why."""


def tree_key(top: Path, tree: str, spec: KeySpec) -> str:
    """The key of the root tree ``tree`` (of a commit) under ``spec``. Raises TreeKeyError."""
    done = git_run(top, "ls-tree", "-r", "-z", "--full-tree", tree, timeout=600)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["git ls-tree failed"])[0]
        raise TreeKeyError(f"objects missing from this clone: {first}")
    digest = hashlib.sha256(spec.digest().encode("ascii"))
    for entry in sorted(_entries(done.stdout, spec)):
        digest.update(entry.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def _entries(listing: str, spec: KeySpec) -> Iterable[str]:
    for entry in listing.split("\0"):
        meta, tab, path = entry.partition("\t")
        if tab and spec.matches(path):
            mode, _, rest = meta.partition(" ")
            yield f"{path}\t{mode}\t{rest.partition(' ')[2]}"


def tree_keys(top: Path, trees: Sequence[str], spec: KeySpec) -> dict[str, str | TreeKeyError]:
    """The key of each root tree (each computed once), or why it cannot be had."""
    keys: dict[str, str | TreeKeyError] = {}
    for tree in trees:
        if tree not in keys:
            try:
                keys[tree] = tree_key(top, tree, spec)
            except TreeKeyError as exc:
                keys[tree] = exc
    return keys
